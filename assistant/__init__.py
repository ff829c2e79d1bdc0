"""Offline bilingual guidance assistant: documents → cited passages.

The public facade: what the CLI and the web application import.
"""

from assistant.build import BuildReport, build_index
from assistant.config import Settings, load_settings
from assistant.records import Answer, Document, Hit, Passage
from assistant.search import Filters, Searcher, open_searcher

__all__ = [
    "Answer",
    "BuildReport",
    "Document",
    "Filters",
    "Hit",
    "Passage",
    "Searcher",
    "Settings",
    "build_index",
    "load_settings",
    "open_searcher",
]
