"""The corpus's words as written, with how often each occurs: counted at build, read at start.

Typo correction (assistant.search.correct) needs every word of the corpus. Counting them
means tokenising every passage: 3 s at 100,000 passages, which a server would spend at
each start. A build counts them once and keeps them beside the index.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from assistant.index.keyword import lexical_text
from assistant.index.terms import words_of
from assistant.records import Passage

_BLOCK = 2000  # passages tokenised at a time: one regex pass per block, never more in memory


def count_words(passages: Sequence[Passage]) -> dict[str, int]:
    """Return every lower-cased word keyword search sees in the passages, with its count, in the
    order the words first occur (typo correction breaks ties between equally frequent words by it)."""
    counts: Counter[str] = Counter()
    for start in range(0, len(passages), _BLOCK):
        counts.update(words_of("\n".join(lexical_text(passage) for passage in passages[start:start + _BLOCK])))
    return dict(counts)


def save_word_counts(path: Path, counts: dict[str, int]) -> None:
    """Write word counts as one JSON object, in their order."""
    path.write_text(json.dumps(counts, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def load_word_counts(path: Path) -> dict[str, int]:
    """Read word counts written by save_word_counts; ValueError when the file holds something else."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(count, int) and count > 0 for count in data.values()):
        raise ValueError(f"{path.name} does not hold word counts")
    return data
