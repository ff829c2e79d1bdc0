"""The chunk stage: documents → passages that follow their structure and read alone."""

from assistant.chunk.passages import (
    HEADING_JOIN,
    MAX_WORDS,
    SHORT_PASSAGE_WORDS,
    embedding_text,
    passage_id,
    split_all,
    split_passages,
)
from assistant.chunk.sentences import sentence_spans

__all__ = [
    "HEADING_JOIN",
    "MAX_WORDS",
    "SHORT_PASSAGE_WORDS",
    "embedding_text",
    "passage_id",
    "sentence_spans",
    "split_all",
    "split_passages",
]
