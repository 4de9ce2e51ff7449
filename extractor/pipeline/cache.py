"""On-disk cache of validated extractions (diskcache), keyed by everything that changes the answer.

Keys never contain credentials: backends give a `cache_identity()` built from the model, the endpoint
without user info or query, prompt and schema hashes, generation parameters and the structured mode.
The cache also remembers which structured-output mode each endpoint accepted.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..backend import BackendResult
from ..models import Article, Incident, Spend

CACHE_ENV = "EXTRACT_CACHE_DIR"
_RESULT_PREFIX = "result:"
_MODE_PREFIX = "mode:"


def default_cache_dir() -> Path:
    """$EXTRACT_CACHE_DIR, else $XDG_CACHE_HOME/incident-extractor, else ~/.cache/incident-extractor."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "incident-extractor"


def cache_key(identity: dict[str, Any], article: Article) -> str:
    """sha256 over the backend identity and the article's title, date and text."""
    payload = {
        "backend": identity,
        "article": {
            "title": article.title,
            "published": article.published.isoformat() if article.published else None,
            "text_sha256": hashlib.sha256(article.text.encode()).hexdigest(),
        },
    }
    if article.part:  # a window of a long article: its position is in the prompt, so in the key (whole: unchanged)
        payload["article"]["part"] = list(article.part)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class ResultCache:
    """Validated results by key; `read=False` is --refresh, `write=False` with read=False is --no-cache."""

    def __init__(self, directory: Path | None = None, *, read: bool = True, write: bool = True) -> None:
        self.directory = Path(directory or default_cache_dir())
        self.read, self.write = read, write
        import diskcache  # here: the baseline, which is not cached, never loads it

        self._cache = diskcache.Cache(str(self.directory)) if (read or write) else None

    def get(self, key: str) -> BackendResult | None:
        if not (self.read and self._cache is not None):
            return None
        stored = self._cache.get(_RESULT_PREFIX + key)
        if stored is None:
            return None
        data = json.loads(stored)
        return BackendResult(
            incidents=[Incident.model_validate(i) for i in data["incidents"]],
            spent=Spend(warnings=data.get("warnings", [])),  # nothing spent: answered from the cache
            mode=data.get("mode"),
        )

    def put(self, key: str, result: BackendResult) -> None:
        if not (self.write and self._cache is not None):
            return
        data = {
            "incidents": [i.model_dump(mode="json") for i in result.incidents],
            "mode": result.mode,
            "warnings": result.spent.warnings,
        }
        self._cache.set(_RESULT_PREFIX + key, json.dumps(data))

    def known_mode(self, endpoint_key: str) -> str | None:
        return self._cache.get(_MODE_PREFIX + endpoint_key) if self._cache is not None else None

    def remember_mode(self, endpoint_key: str, mode: str) -> None:
        if self._cache is not None:
            self._cache.set(_MODE_PREFIX + endpoint_key, mode)

    def stats(self) -> dict[str, Any]:
        if self._cache is None:
            return {"directory": str(self.directory), "results": 0, "endpoints": 0, "bytes": 0}
        keys = list(self._cache.iterkeys())
        return {
            "directory": str(self.directory),
            "results": sum(1 for k in keys if k.startswith(_RESULT_PREFIX)),
            "endpoints": sum(1 for k in keys if k.startswith(_MODE_PREFIX)),
            "bytes": self._cache.volume(),
        }

    def clear(self) -> int:
        return self._cache.clear() if self._cache is not None else 0

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
