"""One Article to one record (cache, backend, date resolution, grounding), and a whole feed run."""

from .article import extract_one
from .backends import create_backend
from .cache import ResultCache, cache_key, default_cache_dir
from .run import RecordSink, RunSummary, run_feed

__all__ = [
    "RecordSink",
    "ResultCache",
    "RunSummary",
    "cache_key",
    "create_backend",
    "default_cache_dir",
    "extract_one",
    "run_feed",
]
