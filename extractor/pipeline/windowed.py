"""One article through the backend: whole when it fits the backend's window, else window by window.

A backend that reads at most `window_chars` characters (the LLM client: `--max-input-chars`) gets a longer article
as overlapping windows (`windows.py`), each sent as the article with that window's text and its position
(`Article.part`, rendered as a note in the prompt), each cached under its own key, at most `max_windows` of them.
The windows' incidents are merged (`merge.py`); what every window cost is summed, failed windows included. A window
that fails fails the article (windows already answered stay in the cache, so a re-run or `--resume` asks only for
the rest). Backends without `window_chars` always get the whole article; the offline baseline has windows of its own
size (baseline/extractor.py), so its work per article is bounded too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..backend import Backend, BackendResult, capability
from ..errors import BackendError, ExtractionFailed, SpendingFailure
from ..models import Article, Spend
from .cache import ResultCache, cache_key
from .merge import merge_windows
from .windows import split_windows


@dataclass
class Extracted:
    """The backend's answer for a whole article, and how it was obtained."""

    result: BackendResult
    cache_hit: bool
    windows: int = 1
    capped: bool = False


async def extract_article(article: Article, backend: Backend, cache: ResultCache | None) -> Extracted:
    """The article's incidents (before grounding) from `backend`, through `cache`; raises what the backend raises,
    carrying the cost of every window asked so far."""
    size, limit = capability(backend, "window_chars"), capability(backend, "max_windows")
    split = None
    if size and len(article.text) > size:  # splitting a long text is CPU work: off the event loop
        split = await asyncio.to_thread(split_windows, article.text, size, limit)
    if split is None or split.needed == 1:
        result, hit = await _ask(article, backend, cache)
        return Extracted(result, hit)
    total = BackendResult(incidents=[])
    found, hits = [], 0
    for window in split.windows:
        part = article.model_copy(update={"text": window.text, "part": (window.index, split.needed)})
        label = f"part {window.index} of {split.needed}"
        try:
            result, hit = await _ask(part, backend, cache)
        except (ExtractionFailed, BackendError) as exc:
            raise _with_spent(exc, total, label) from None
        _add(total, result, label)
        found.append(result.incidents)
        hits += hit
    total.incidents = merge_windows(found)
    if split.unread:
        start, end = split.unread
        total.spent.warnings.append(
            f"article of {split.length} characters needs {split.needed} windows of at most {size}; only the first "
            f"{len(split.windows)} were read (max_windows): characters {start}-{end} "
            f"({100 * (end - start) / split.length:.0f}%) not read"
        )
    return Extracted(total, cache_hit=hits == len(split.windows), windows=len(split.windows), capped=split.capped)


async def _ask(article: Article, backend: Backend, cache: ResultCache | None) -> tuple[BackendResult, bool]:
    cached = cache.get(cache_key(backend.cache_identity(), article)) if cache else None
    result = cached or await backend.extract(article)
    if cached is None and cache is not None:
        cache.put(cache_key(backend.cache_identity(), article), result)  # identity now holds the negotiated mode
    return result, cached is not None


def _add(total: BackendResult, result: BackendResult, label: str) -> None:
    total.spent += result.spent.labelled(label)
    total.mode = result.mode or total.mode


def _with_spent(exc: SpendingFailure, total: BackendResult, label: str) -> Exception:
    """`exc` with the cost of the windows answered before it, and the window named."""
    spent = total.spent + exc.spent.labelled(label)
    if isinstance(exc, ExtractionFailed):
        return ExtractionFailed(f"{label}: {exc}", last_output=exc.last_output, spent=spent)
    exc.spent = spent + Spend(warnings=[f"failed in {label}"])
    return exc
