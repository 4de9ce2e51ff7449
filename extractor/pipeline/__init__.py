"""One Article to one record (cache, backend, date resolution, grounding), and a whole feed run."""

from .. import lazy_exports

_EXPORTS = {
    "extract_one": "article",
    "create_backend": "backends",
    "ResultCache": "cache",
    "cache_key": "cache",
    "default_cache_dir": "cache",
    "RecordSink": "run",
    "RunSummary": "run",
    "run_feed": "run",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
