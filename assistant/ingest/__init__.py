"""Files → documents: read each supported file, clean it, attach its manifest entry."""

from assistant.ingest.loader import (
    SUPPORTED_SUFFIXES,
    IngestProblem,
    corpus_files,
    load_document,
    load_documents,
)
from assistant.ingest.manifest import ManifestEntry, read_manifest

__all__ = [
    "SUPPORTED_SUFFIXES",
    "IngestProblem",
    "ManifestEntry",
    "corpus_files",
    "load_document",
    "load_documents",
    "read_manifest",
]
