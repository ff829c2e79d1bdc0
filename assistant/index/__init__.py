"""The index stage: vectors, keyword index, lexicon and passages saved in a readable folder.

`save_index` writes a build atomically beside the previous one; `load_index` reads it
back with checks and returns an `Index` to close when done.
"""

from assistant.index.checksums import VERIFY_CONTENT_BELOW, check_index_files
from assistant.index.load import Index, load_index
from assistant.index.manifest import MANIFEST, IndexManifest, read_manifest
from assistant.index.problems import IndexCorrupt, IndexMismatch, IndexMissing, IndexProblem, IndexStale
from assistant.index.save import BUILD_LOCK, build_lock, save_index
from assistant.index.vectors import APPROXIMATE_ABOVE, limit_search_threads, make_faiss_index

__all__ = [
    "APPROXIMATE_ABOVE",
    "BUILD_LOCK",
    "MANIFEST",
    "VERIFY_CONTENT_BELOW",
    "Index",
    "IndexCorrupt",
    "IndexManifest",
    "IndexMismatch",
    "IndexMissing",
    "IndexProblem",
    "IndexStale",
    "build_lock",
    "check_index_files",
    "limit_search_threads",
    "load_index",
    "make_faiss_index",
    "read_manifest",
    "save_index",
]
