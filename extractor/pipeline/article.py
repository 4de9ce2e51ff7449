"""One article through the pipeline: cache lookup, backend call, date resolution, figure check, grounding, the
relevance post-check, the output record."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass

from ..backend import Backend, capability
from ..errors import BackendError, ExtractionFailed, scrub
from ..llm.schema import schema_hash
from ..models import Article, ArticleRecord, Provenance, Spend, Usage
from .cache import ResultCache
from .dates import date_incidents, resolve_relative_dates
from .figures import check_figures
from .grounding import ground
from .places import place_incidents
from .relevance import check_relevance
from .types import check_types
from .windowed import Extracted, extract_article


BUDGET_GRACE_S = 1.0  # past the article budget, the backstop cancels the article's work


async def extract_one(
    article: Article, backend: Backend, cache: ResultCache | None = None, *, drop_ungrounded: bool = False
) -> ArticleRecord:
    """The record for one article; a backend failure becomes a failed record, never an exception.

    ConfigError (bad credentials, unknown model) is raised: it would fail every article alike.
    A backend with an `article_budget` (the LLM client: `--article-budget`) gets that many seconds for everything
    the article needs (every window, request, retry and wait): past it the article fails, the run goes on.
    The checks that follow the answer are CPU work on the whole text: they run in a worker thread, off the event
    loop, so that a huge article does not hold up the others.
    """
    started = time.perf_counter()
    cache = cache if backend.cacheable else None
    budget = capability(backend, "article_budget")
    try:
        work = extract_article(article, backend, cache)  # whole, or window by window when long
        if budget:
            # The backend stops its own requests at the budget (and says why); this is the backstop for the rest.
            task = asyncio.ensure_future(work)
            task.add_done_callback(_retrieved)
            extracted = await asyncio.wait_for(task, budget + BUDGET_GRACE_S)
        else:
            extracted = await work
    except asyncio.TimeoutError:
        return _record(
            article, backend, started, Spend(), backend.mode,
            error=f"BackendTimeout: article not finished within its budget of {budget:g} s (--article-budget)",
        )  # fmt: skip
    except ExtractionFailed as exc:
        return _record(article, backend, started, exc.spent, backend.mode, error=str(exc), raw=exc.last_output)
    except BackendError as exc:
        return _record(article, backend, started, exc.spent, backend.mode, error=f"{type(exc).__name__}: {exc}")
    return await asyncio.to_thread(_checked_record, article, backend, started, extracted, drop_ungrounded)


def _retrieved(task: asyncio.Future) -> None:
    """Mark the exception of the article's task as seen: when the run stops (EndpointUnavailable met by several
    articles at once) and cancels their waiters, asyncio would otherwise log each one's traceback."""
    if not task.cancelled():
        task.exception()


def _checked_record(
    article: Article, backend: Backend, started: float, extracted: Extracted, drop_ungrounded: bool
) -> ArticleRecord:
    """The record of an answered article: dates resolved, types and figures checked, quotes grounded, the
    relevance post-check, places."""
    result = extracted.result
    checked = check_incidents(result.incidents, article)
    relevant, notes = checked.incidents, checked.notes
    kept = [i for i in relevant if i.grounded] if drop_ungrounded else relevant
    return _record(
        article,
        backend,
        started,
        result.spent,
        result.mode,
        cache_hit=extracted.cache_hit,
        windows=(extracted.windows, extracted.capped),
        incidents=kept,
        dropped=len(relevant) - len(kept),
        irrelevant=checked.irrelevant,
        notes=notes,
    )


@dataclass(frozen=True)
class Checked:
    """What the checks after extraction make of a backend's incidents."""

    incidents: list
    notes: list[str]
    irrelevant: int  # incidents the relevance post-check dropped


def check_incidents(incidents: list, article: Article) -> Checked:
    """Every check an answer goes through, whatever the backend: relative dates resolved, types and figures checked
    against the text, quotes grounded, the relevance post-check, places and dates. Pure CPU work on the article;
    `bench/replay_postchecks.py` runs stored predictions through it again."""
    resolved, notes = resolve_relative_dates(incidents, article.published)
    typed, type_fixes = check_types(resolved, article.text, article.title)
    checked, figure_fixes = check_figures(typed, article.text, article.title)
    corrections = [t + f for t, f in zip(type_fixes, figure_fixes)]
    grounded = [
        incident.model_copy(update={"corrections": fixes}) if fixes else incident
        for incident, fixes in zip(ground(checked, article.text, article.title), corrections)
    ]
    notes += [f"incident {n}: {fix}" for n, fixes in enumerate(corrections) for fix in fixes]
    relevant, dropped_notes = check_relevance(grounded, article.text, article.title, article.published)
    notes += dropped_notes
    relevant = place_incidents(relevant, article)  # canonical country and region, coordinates
    relevant, date_notes = date_incidents(relevant, article.published)  # every incident dated, with its precision
    notes += date_notes
    return Checked(relevant, notes, len(grounded) - len(relevant))


def run_identity(backend: Backend) -> dict[str, str | None]:
    """What decides a record's answer, as stored in its provenance: model, endpoint, prompt, schema, and a hash of
    the backend's whole identity (parameters, examples) without the negotiated mode. Resume compares it."""
    identity = {k: v for k, v in backend.cache_identity().items() if k != "mode"}
    config = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return {
        "model": backend.model,
        "endpoint": backend.endpoint,
        "prompt_hash": backend.prompt_hash,
        "schema_hash": schema_hash(),
        "config_hash": config,
    }


def skipped_record(article: Article, backend: Backend, reason: str) -> ArticleRecord:
    """The record of an article the pre-filter kept from the model: no incidents, no request, the reason."""
    return _record(article, backend, time.perf_counter(), Spend(), "prefilter", skip_reason=reason)


def cost_of(backend: Backend, usage: Usage) -> float | None:
    """The estimated cost of `usage` at the backend's price (`cost_of`); 0 when nothing was used, None if unknown."""
    pricing = capability(backend, "cost_of")
    if pricing is not None:
        return pricing(usage)
    return 0.0 if usage.total_tokens == 0 else None


def _record(
    article: Article,
    backend: Backend,
    started: float,
    spent: Spend,
    mode: str | None,
    *,
    cache_hit: bool = False,
    incidents: list | None = None,
    dropped: int = 0,
    irrelevant: int = 0,
    notes: list[str] | None = None,
    error: str | None = None,
    raw: str | None = None,
    windows: tuple[int, bool] = (1, False),
    skip_reason: str | None = None,
) -> ArticleRecord:
    """The article's record: what it `spent` (its warnings first, then `notes`), in structured-output `mode`."""
    provenance = Provenance(
        **run_identity(backend),
        backend=backend.name,
        prompt_name=backend.prompt_name,
        mode=mode,
        attempts=spent.attempts,
        reasks=spent.reasks,
        usage=spent.usage,
        cost_usd=cost_of(backend, spent.usage),
        cache_hit=cache_hit,
        latency_s=round(time.perf_counter() - started, 4),
        cut_replies=spent.cut_replies,
        cut_completion_tokens=spent.cut_completion_tokens,
        replica=", ".join(dict.fromkeys(spent.answered_by)) or None,
    )
    return ArticleRecord(  # what came from the endpoint is scrubbed: a hostile server may echo the key
        article_id=article.id,
        title=article.title,
        link=article.link,
        published=article.published,
        status="skipped" if skip_reason else "failed" if error else "ok",
        skip_reason=skip_reason,
        incidents=incidents or [],
        ungrounded_dropped=dropped,
        irrelevant_dropped=irrelevant,
        warnings=[scrub(w) for w in spent.warnings + (notes or [])],
        error=scrub(error) if error else error,
        raw_output=scrub(raw) if raw else raw,
        windows=windows[0],
        window_cap_hit=windows[1],
        provenance=provenance,
    )
