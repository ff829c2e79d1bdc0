"""The search stage: question → ranked, cited passages from both languages.

`question` analyses a question once; `dense` and `keyword` retrieve; `fuse` combines;
`strength` says whether the best passages answer; `hits` and `highlight` shape what is
shown; `searcher` runs them in that order.
"""

from assistant.search.filters import Filters
from assistant.search.live import LiveSearcher
from assistant.search.searcher import RETRIEVERS, Searcher, open_searcher

__all__ = ["RETRIEVERS", "Filters", "LiveSearcher", "Searcher", "open_searcher"]
