"""Submitting a batch job: the run's front (already done, duplicates, the pre-filter) as in a synchronous run,
cached articles written as records at once (never sent), the others as request lines in one batch (several past
the per-file limits), each booked against the --max-cost budget at the batch price before anything is uploaded."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...errors import ConfigError
from ...llm.batch import BatchAPI, BatchInfo, request_body, request_line
from ...llm.client import OpenAICompatBackend
from ...llm.pricing import estimate_usage
from ...models import Article
from ..article import extract_one, run_identity
from ..cache import ResultCache, cache_key
from ..front import fresh_articles, ruled_out
from ..run import RecordSink, RunSummary
from .state import ARTICLES, BatchJob, BatchRequest, BatchRound, JobState, jobs_dir

MAX_LINES = 50_000  # the Batch API's limits per input file: requests, and bytes (200 MB, with a margin)
MAX_BYTES = 190 * 1024 * 1024


async def submit(
    articles: Iterable[Article],
    backend: OpenAICompatBackend,
    api: BatchAPI,
    writer: RecordSink,
    cache_dir: Path,
    *,
    cache: ResultCache | None = None,
    skip_ids: frozenset[str] | set[str] = frozenset(),
    prefilter: bool = False,
    drop_ungrounded: bool = False,
    details: dict[str, Any] | None = None,
    summary: RunSummary | None = None,
) -> BatchJob | None:
    """Write the records of cached articles, send the others as one batch (several past 50,000 requests), and
    return the job (None when nothing needed sending). `details` go into the state (output, settings, prompt)."""
    if backend.settings.strategy != "one-call":
        raise ConfigError(f"--batch sends one request per article: the {backend.settings.strategy} strategy "
                          "needs its answers one step at a time (drop --batch or use --strategy one-call)")  # fmt: skip
    summary = summary if summary is not None else RunSummary()
    root = jobs_dir(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=root, prefix=".submit-"))
    requests: dict[str, BatchRequest] = {}
    try:
        await _prepare(articles, backend, writer, work, requests, summary, cache, skip_ids, drop_ungrounded, prefilter)
        if not requests:
            _remove(work)
            return None
        lines = (work / "requests.jsonl").read_text(encoding="utf-8").splitlines()
        sent = send_lines(api, lines)
    except BaseException:
        _remove(work)
        raise
    directory = root / sent[0][0].id
    os.replace(work, directory)
    (directory / "requests.jsonl").unlink()
    ids = list(requests)
    state = JobState(
        job=sent[0][0].id,
        created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        identity=run_identity(backend),
        drop_ungrounded=drop_ungrounded,
        **(details or {}),
        rounds=[BatchRound(batch_id=info.id, kind="first", ids=ids[start:end]) for info, start, end in sent],
        requests=requests,
    )
    job = BatchJob(directory, state)
    job.save()
    return job


async def _prepare(
    articles: Iterable[Article],
    backend: OpenAICompatBackend,
    writer: RecordSink,
    work: Path,
    requests: dict[str, BatchRequest],
    summary: RunSummary,
    cache: ResultCache | None,
    skip_ids: frozenset[str] | set[str],
    drop_ungrounded: bool,
    prefilter: bool = False,
) -> None:
    """Cached articles to records (never sent); the others to request lines and stored articles in `work`,
    each booked against the --max-cost budget at the batch price before anything is uploaded."""
    identity = backend.cache_identity()
    stored = open(work / ARTICLES, "w", encoding="utf-8")  # noqa: ASYNC230, SIM115  (local files, written in order)
    lines = open(work / "requests.jsonl", "w", encoding="utf-8")  # noqa: ASYNC230, SIM115
    with stored, lines:
        for article in fresh_articles(articles, skip_ids, summary):
            key = cache_key(identity, article)
            record = ruled_out(article, backend, prefilter)  # never sent, written as skipped
            if record is None and cache is not None and cache.get(key) is not None:  # cached: never sent
                record = await extract_one(article, backend, cache, drop_ungrounded=drop_ungrounded)
            if record is not None:
                writer.write(record)
                summary.add(record)
                continue
            custom_id = f"{len(requests)}-{key[:16]}"
            body, warnings = request_body(backend, article)
            if backend.budget:
                backend.budget.reserve(estimate_usage(sum(len(m["content"]) for m in body["messages"]),
                                                      backend.settings.max_tokens))  # fmt: skip
            lines.write(request_line(custom_id, body) + "\n")
            stored.write(json.dumps({"custom_id": custom_id, "article": article.model_dump(mode="json")}) + "\n")
            requests[custom_id] = BatchRequest(article_id=article.id, warnings=warnings)


def send_lines(api: BatchAPI, lines: list[str]) -> list[tuple[BatchInfo, int, int]]:
    """Submit `lines` as one batch, or several within the per-file limits: (batch, first line, end line)."""
    sent, start, size = [], 0, 0
    for n, line in enumerate(lines):
        size += len(line.encode()) + 1
        if n > start and (n - start >= MAX_LINES or size > MAX_BYTES):
            sent.append((api.submit(lines[start:n]), start, n))
            start, size = n, len(line.encode()) + 1
    if start < len(lines):
        sent.append((api.submit(lines[start:]), start, len(lines)))
    return sent


def _remove(directory: Path) -> None:
    for path in directory.iterdir():
        path.unlink()
    directory.rmdir()
