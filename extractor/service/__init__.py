"""The extraction service: the HTTP API (FastAPI lives here alone), the feed scheduler and the work queue.

`serve(config)` runs the API on uvicorn; `watch(config, feeds, every_s)` keeps feeds extracted without it;
`create_app(runtime)` is the app for tests and embedding. Imported only by the commands that need it, so the
offline path never loads FastAPI.
"""

from .config import ServiceConfig, parse_duration, tokens_from
from .server import WatchSummary, serve, watch

__all__ = ["ServiceConfig", "WatchSummary", "parse_duration", "serve", "tokens_from", "watch"]
