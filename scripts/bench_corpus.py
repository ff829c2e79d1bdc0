"""Synthetic corpora for the benchmark: the bundled passages' sentences, recombined."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from assistant.chunk import sentence_spans, split_all
from assistant.ingest import load_documents

# Passages per synthetic document, and per section of one (a heading every few paragraphs).
PASSAGES_PER_DOCUMENT = 50
PASSAGES_PER_SECTION = 5
MAX_SENTENCES = 3


@dataclass(frozen=True)
class SentencePool:
    """The real sentences and headings of a corpus, by language."""

    sentences: dict[str, list[str]]
    headings: dict[str, list[str]]
    titles: dict[str, list[str]]


def read_pool(corpus_dir: Path) -> SentencePool:
    """Collect the distinct sentences, headings and titles of a corpus, by language."""
    documents, _ = load_documents(corpus_dir)
    sentences: dict[str, dict[str, None]] = {"en": {}, "fr": {}}
    headings: dict[str, dict[str, None]] = {"en": {}, "fr": {}}
    titles: dict[str, dict[str, None]] = {"en": {}, "fr": {}}
    for document in documents:
        titles.setdefault(document.lang, {})[document.title] = None
    for passage in split_all(documents):
        lang = passage.lang if passage.lang in sentences else "en"
        for start, end in sentence_spans(passage.text):
            sentence = " ".join(passage.text[start:end].split())
            if len(sentence.split()) >= 4:
                sentences[lang][sentence] = None
        for heading in passage.section:
            headings[lang][heading] = None
    return SentencePool(
        sentences={lang: list(found) for lang, found in sentences.items()},
        headings={lang: list(found) or ["Section"] for lang, found in headings.items()},
        titles={lang: list(found) or ["Document"] for lang, found in titles.items()},
    )


def _paragraph(pool: list[str], rng: random.Random, seen: set[str]) -> str:
    """Return a paragraph of 1–3 real sentences not produced before."""
    for _ in range(50):
        count = rng.randint(1, MAX_SENTENCES)
        text = " ".join(rng.sample(pool, min(count, len(pool))))
        if text not in seen:
            seen.add(text)
            return text
    text = " ".join(rng.sample(pool, min(MAX_SENTENCES, len(pool))))
    return f"{text} ({len(seen)})"  # the pool is exhausted: keep passages distinct anyway


def write_corpus(pool: SentencePool, folder: Path, passages: int, seed: int = 0) -> int:
    """Write Markdown documents holding about `passages` paragraphs; return the file count."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    languages = [lang for lang in ("en", "fr") if pool.sentences.get(lang)]
    manifest = ["# Synthetic benchmark corpus: the bundled corpus's sentences, recombined.\n"]
    files = 0
    remaining = passages
    while remaining > 0:
        lang = languages[files % len(languages)]
        count = min(PASSAGES_PER_DOCUMENT, remaining)
        title = f"{rng.choice(pool.titles[lang])} ({files + 1})"
        lines = [f"# {title}", ""]
        for number in range(count):
            if number % PASSAGES_PER_SECTION == 0:
                lines += [f"## {rng.choice(pool.headings[lang])}", ""]
            lines += [_paragraph(pool.sentences[lang], rng, seen), ""]
        name = f"doc-{files:05d}-{lang}.md"
        (folder / name).write_text("\n".join(lines), encoding="utf-8")
        manifest += [
            "[[documents]]",
            f'id = "bench-{files:05d}"',
            f'file = "{name}"',
            f"title = {_toml_string(title)}",
            f'language = "{lang}"',
            'organisation = "Benchmark"',
            "",
        ]
        files += 1
        remaining -= count
    (folder / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    return files


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
