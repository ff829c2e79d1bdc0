"""The collection: the corpus folder's documents as a person manages them, and their background builds.

`list_documents` says what became of each document; `add_document`, `replace_document`,
`remove_document` and `update_fields` change the folder and its manifest.toml (comments
and order kept, written atomically, one change at a time); `BuildJobs` brings the index
up to date in the background, one build at a time. Refusals are `CollectionRejected`
(a UserError) with a message from the catalogue in the caller's language; the limits
live in `collection.rules`.
"""

from assistant.collection.edit import add_document, remove_document, replace_document, update_fields
from assistant.collection.jobs import BuildJobs, JobStatus, read_statuses
from assistant.collection.listing import STATES, DocumentState, list_documents
from assistant.collection.rules import (
    ALLOWED_SUFFIXES,
    FIELDS,
    MAX_DOCUMENTS,
    MAX_UPLOAD_FILES,
    CollectionRejected,
    in_megabytes,
    max_file_bytes,
)
from assistant.collection.worker import report_to_dict

__all__ = [
    "ALLOWED_SUFFIXES",
    "FIELDS",
    "MAX_DOCUMENTS",
    "in_megabytes",
    "max_file_bytes",
    "read_statuses",
    "MAX_UPLOAD_FILES",
    "STATES",
    "BuildJobs",
    "CollectionRejected",
    "DocumentState",
    "JobStatus",
    "add_document",
    "list_documents",
    "remove_document",
    "replace_document",
    "report_to_dict",
    "update_fields",
]
