"""scripts/profile_request.py: a real waitress server on 127.0.0.1, each stage timed where it runs."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from profile_request import STAGES, profile  # noqa: E402


def test_every_stage_of_a_request_is_timed_and_nested_within_the_round_trip(bundled_index_dir, monkeypatch):
    monkeypatch.delenv("ASSISTANT_STATS", raising=False)
    result = profile(bundled_index_dir, repeat=1)
    assert set(result) == {label for label, *_ in STAGES} | {"inbound", "outbound", "round trip"}
    assert all(value > 0 for value in result.values()), result
    assert result["encoding"] < result["question analysis"] < result["search (answer_question)"]
    assert result["search (answer_question)"] < result["application (WSGI)"] < result["round trip"]
