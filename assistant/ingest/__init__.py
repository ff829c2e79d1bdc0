"""Files → documents: read each supported file, clean it, attach its manifest entry."""

from assistant.ingest.files import IngestProblem, corpus_files
from assistant.ingest.limits import FileLimits
from assistant.ingest.loader import SUPPORTED_SUFFIXES, load_document, load_documents
from assistant.ingest.manifest import ManifestEntry, read_manifest

__all__ = [
    "SUPPORTED_SUFFIXES",
    "FileLimits",
    "IngestProblem",
    "ManifestEntry",
    "corpus_files",
    "load_document",
    "load_documents",
    "read_manifest",
]
