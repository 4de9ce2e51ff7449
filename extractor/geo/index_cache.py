"""A built index kept on disk between runs: `cached(name, key, build)` returns what `build()` returns, read back
from `<cache dir>/index/<name>-<key>.marshal` when an earlier process built it with the same key.

The cache directory is the result cache's default: `$EXTRACT_CACHE_DIR`, else `$XDG_CACHE_HOME/incident-extractor`,
else `~/.cache/incident-extractor` (`--cache-dir` is not seen here; `extract cache clear` leaves the index).
Values must be plain data that `marshal` can write (tuples, lists, dicts, str, int, float). The key must change
whenever the data or the code building it does (a hash of both). A file that cannot be read or written (read-only
home, a file cut by a crash) only means building again: the index is never wrong, only slower.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cache_dir() -> Path:
    """`index/` in the result cache's default directory (pipeline/cache.py's `default_cache_dir`)."""
    if os.environ.get("EXTRACT_CACHE_DIR"):
        return Path(os.environ["EXTRACT_CACHE_DIR"]) / "index"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "incident-extractor" / "index"


def key_of(parts: Iterable[str | bytes]) -> str:
    """A short hash of everything the index depends on (versions, settings, source code)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """The value of `build()`, from disk when it was stored under `name` and `key`, else built and stored."""
    path = cache_dir() / f"{name}-{key}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps(value))
        os.replace(partial, path)
    except (OSError, ValueError):
        pass
    return value
