"""Offline bilingual guidance assistant: documents → cited passages.

The public facade: what the CLI and the web application import, and nothing else of the
package's insides. The pipeline runs ingest → chunk → embed → index → search; `build`
runs the first four, `search` answers, `rules` says what a question may be.
"""

from assistant.startup import paused_collection

with paused_collection():  # the package's imports: numpy, faiss and the pipeline (see assistant.startup)
    from assistant.build import BuildFailed, BuildReport, build_index
    from assistant.collection import (
        ALLOWED_SUFFIXES,
        FIELDS,
        MAX_DOCUMENTS,
        MAX_UPLOAD_FILES,
        BuildJobs,
        CollectionRejected,
        DocumentState,
        JobStatus,
        add_document,
        in_megabytes,
        list_documents,
        max_file_bytes,
        read_statuses,
        remove_document,
        replace_document,
        report_to_dict,
        update_fields,
    )
    from assistant.config import Settings, load_settings
    from assistant.embed import EncoderUnavailable
    from assistant.errors import UserError
    from assistant.eval import EvalFileProblem, evaluate, format_table, load_questions
    from assistant.export import (
        FORMATS,
        MEDIA_TYPES,
        UnknownPassages,
        collect_excerpts,
        default_language,
        export_excerpts,
    )
    from assistant.index import Index, IndexMissing, IndexProblem, IndexStale, limit_search_threads, load_index
    from assistant.records import Answer, Filters, Hit, Passage
    from assistant.rules import DEFAULT_K, MAX_K, MAX_QUESTION_CHARS, AskRequest, QuestionRejected, parse_ask
    from assistant.search import RETRIEVERS, LiveSearcher, Searcher, open_searcher
    from assistant.sectors import SECTORS
    from assistant.serialise import answer_to_dict, document_to_dict, passage_to_dict
    from assistant.service import Prepared, answer_question, prepare_searcher
    from assistant.stats import read_stats, reset_stats

__all__ = [
    "ALLOWED_SUFFIXES",
    "FIELDS",
    "MAX_DOCUMENTS",
    "in_megabytes",
    "max_file_bytes",
    "read_statuses",
    "MAX_UPLOAD_FILES",
    "BuildJobs",
    "CollectionRejected",
    "DocumentState",
    "JobStatus",
    "LiveSearcher",
    "add_document",
    "list_documents",
    "remove_document",
    "replace_document",
    "report_to_dict",
    "update_fields",
    "FORMATS",
    "MEDIA_TYPES",
    "EvalFileProblem",
    "Index",
    "UnknownPassages",
    "answer_to_dict",
    "collect_excerpts",
    "default_language",
    "document_to_dict",
    "evaluate",
    "export_excerpts",
    "format_table",
    "load_index",
    "load_questions",
    "passage_to_dict",
    "read_stats",
    "reset_stats",
    "DEFAULT_K",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "RETRIEVERS",
    "SECTORS",
    "Answer",
    "AskRequest",
    "BuildFailed",
    "BuildReport",
    "EncoderUnavailable",
    "Filters",
    "Hit",
    "IndexMissing",
    "IndexProblem",
    "IndexStale",
    "Passage",
    "Prepared",
    "QuestionRejected",
    "Searcher",
    "Settings",
    "UserError",
    "answer_question",
    "build_index",
    "limit_search_threads",
    "load_settings",
    "open_searcher",
    "parse_ask",
    "prepare_searcher",
]
