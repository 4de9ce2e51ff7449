"""Batch runs: submit a feed's articles through the Batch API, and collect the answers later through the same
validation, date resolution, figure check, grounding, cache and writers as a synchronous run (`extract_one`).

A job lives in `<cache dir>/batches/<job id>/` (the job id is its first batch's id): `articles.jsonl` (the
articles sent, written once) and `state.json` (rewritten atomically: which request is pending, done or failed,
its tries, re-asks and usage, and the batches of every round). Cached articles are never sent: their records are
written at submission. Collecting is idempotent: articles with an ok record in the output are not written again
and a valid reply is cached as soon as it is read, so a collect cut by a crash or Ctrl-C can simply be run again.
Invalid replies are re-asked (the model sees its error) and failed or expired requests are sent again, in a
follow-up batch, up to the settings' `max_reasks` and `max_attempts`; then they become failed records.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backend import BackendResult
from ..errors import BackendError, ConfigError, ExtractionFailed, OutputError
from ..llm.batch import BatchAPI, BatchInfo, request_body, request_line
from ..llm.client import OpenAICompatBackend
from ..llm.pricing import estimate_usage
from ..llm.replies import InvalidOutput, parse_extraction, reask_message
from ..models import Article, ArticleRecord, Spend, Usage
from .article import extract_one, run_identity, skipped_record
from .cache import ResultCache, cache_key
from .prefilter import skip_reason
from .run import RecordSink, RunSummary

BATCHES = "batches"
STATE = "state.json"
ARTICLES = "articles.jsonl"
MAX_LINES = 50_000  # the Batch API's limits per input file: requests, and bytes (200 MB, with a margin)
MAX_BYTES = 190 * 1024 * 1024


class _Answered:
    """The backend as `extract_one` sees it when the answer already came from a batch: it hands over that answer
    (or raises its failure), and prices usage at the batch price."""

    cacheable = True

    def __init__(self, backend: OpenAICompatBackend, answer: BackendResult | BackendError | ExtractionFailed) -> None:
        self._backend, self._answer = backend, answer
        self.name, self.model, self.endpoint = backend.name, backend.model, backend.endpoint
        self.mode, self.prompt_name, self.prompt_hash = backend.mode, backend.prompt_name, backend.prompt_hash

    def cache_identity(self) -> dict[str, Any]:
        return self._backend.cache_identity()

    def cost_of(self, usage: Usage) -> float | None:
        return self._backend.cost_of(usage, batch=True)

    async def extract(self, article: Article) -> BackendResult:
        if isinstance(self._answer, BackendResult):
            return self._answer
        raise self._answer

    async def aclose(self) -> None:
        return None


@dataclass
class BatchJob:
    """A submitted batch run and its state on disk."""

    directory: Path
    state: dict[str, Any]

    @property
    def id(self) -> str:
        return self.state["job"]

    @property
    def pending_batches(self) -> list[str]:
        return [r["batch_id"] for r in self.state["rounds"] if not r["collected"]]

    def counts(self) -> dict[str, int]:
        counts = {"pending": 0, "done": 0, "failed": 0}
        for request in self.state["requests"].values():
            counts[request["status"]] += 1
        return counts

    def articles(self) -> dict[str, Article]:
        found = {}
        with open(self.directory / ARTICLES, encoding="utf-8") as handle:
            for line in handle:
                data = json.loads(line)
                found[data["custom_id"]] = Article.model_validate(data["article"])
        return found

    def save(self) -> None:
        """Write the state atomically: a crash leaves the old state or the new one, never half of one."""
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".state-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.state, handle)
        os.replace(tmp, self.directory / STATE)


def jobs_dir(cache_dir: Path) -> Path:
    return Path(cache_dir) / BATCHES


def load_job(cache_dir: Path, job_id: str | None = None) -> BatchJob:
    """The job `job_id` (its first batch id), or the latest job when None."""
    root = jobs_dir(cache_dir)
    if job_id is None:
        states = sorted(root.glob(f"*/{STATE}"), key=lambda p: p.stat().st_mtime) if root.is_dir() else []
        if not states:
            raise OutputError(f"no batch job in {root} (submit one with extract run FEED --batch)")
        directory = states[-1].parent
    else:
        directory = root / job_id
        if not (directory / STATE).is_file():
            raise OutputError(f"no batch job {job_id!r} in {root}")
    try:
        state = json.loads((directory / STATE).read_text(encoding="utf-8"))
    except (ValueError, OSError):
        raise OutputError(f"batch job state {directory / STATE} is unreadable") from None
    problem = _state_problem(state)
    if problem:
        raise OutputError(f"batch job state {directory / STATE} is incomplete ({problem}); "
                          "submit the articles again with extract run FEED --batch")  # fmt: skip
    return BatchJob(directory, state)


# The keys of a job's state.json and the type of each (see `submit`; the CLI adds output, settings and prompt).
_STATE_KEYS = {"job": str, "identity": dict, "rounds": list, "requests": dict, "output": str, "settings": dict,
               "prompt": dict}  # fmt: skip
_ROUND_KEYS, _REQUEST_KEYS = ("batch_id", "ids", "collected"), ("status",)


def _state_problem(state: object) -> str | None:
    """What a job state lacks to be collected (None when nothing): a missing key, or one of another type."""
    if not isinstance(state, dict):
        return "not a JSON object"
    missing = [key for key in _STATE_KEYS if key not in state]
    if missing:
        return f"missing {', '.join(missing)}"
    wrong = [key for key, kind in _STATE_KEYS.items() if not isinstance(state[key], kind)]
    if wrong:
        return f"{', '.join(wrong)} of the wrong type"
    if not all(isinstance(r, dict) and all(k in r for k in _ROUND_KEYS) for r in state["rounds"]):
        return f"a round without {', '.join(_ROUND_KEYS)}"
    if not all(isinstance(r, dict) and all(k in r for k in _REQUEST_KEYS) for r in state["requests"].values()):
        return "a request without a status"
    return None


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
    requests: dict[str, dict[str, Any]] = {}
    try:
        await _prepare(articles, backend, writer, work, requests, summary, cache, skip_ids, drop_ungrounded, prefilter)
        if not requests:
            _remove(work)
            return None
        lines = (work / "requests.jsonl").read_text(encoding="utf-8").splitlines()
        sent = _send(api, lines)
    except BaseException:
        _remove(work)
        raise
    directory = root / sent[0][0].id
    os.replace(work, directory)
    (directory / "requests.jsonl").unlink()
    ids = list(requests)
    state = {
        "job": sent[0][0].id,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "identity": run_identity(backend),
        "drop_ungrounded": drop_ungrounded,
        **(details or {}),
        "rounds": [
            {"batch_id": info.id, "kind": "first", "ids": ids[start:end], "collected": False}
            for info, start, end in sent
        ],
        "requests": requests,
    }
    job = BatchJob(directory, state)
    job.save()
    return job


async def _prepare(
    articles: Iterable[Article],
    backend: OpenAICompatBackend,
    writer: RecordSink,
    work: Path,
    requests: dict[str, dict[str, Any]],
    summary: RunSummary,
    cache: ResultCache | None,
    skip_ids: frozenset[str] | set[str],
    drop_ungrounded: bool,
    prefilter: bool = False,
) -> None:
    """Cached articles to records (never sent); the others to request lines and stored articles in `work`,
    each booked against the --max-cost budget at the batch price before anything is uploaded."""
    seen: set[str] = set()
    identity = backend.cache_identity()
    stored = open(work / ARTICLES, "w", encoding="utf-8")  # noqa: ASYNC230, SIM115  (local files, written in order)
    lines = open(work / "requests.jsonl", "w", encoding="utf-8")  # noqa: ASYNC230, SIM115
    with stored, lines:
        for article in articles:
            if article.id in skip_ids:
                summary.already_done += 1
                continue
            if article.id in seen:
                summary.duplicates += 1
                continue
            seen.add(article.id)
            if prefilter and (reason := skip_reason(article)):  # ruled out: never sent, written as skipped
                record = skipped_record(article, backend, reason)
                writer.write(record)
                summary.add(record)
                continue
            key = cache_key(identity, article)
            if cache is not None and cache.get(key) is not None:  # cached articles are never sent
                record = await extract_one(article, backend, cache, drop_ungrounded=drop_ungrounded)
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
            requests[custom_id] = {
                "article_id": article.id, "status": "pending", "tries": 1, "invalid": 0, "reasks": 0,
                "history": None, "usage": Usage().model_dump(), "warnings": warnings, "error": None,
            }  # fmt: skip


def _send(api: BatchAPI, lines: list[str]) -> list[tuple[BatchInfo, int, int]]:
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


def status(job: BatchJob, api: BatchAPI) -> list[BatchInfo]:
    """The server's view of every batch of the job not yet collected."""
    return [api.retrieve(batch_id) for batch_id in job.pending_batches]


@dataclass
class CollectResult:
    summary: RunSummary = field(default_factory=RunSummary)
    running: list[BatchInfo] = field(default_factory=list)  # batches not finished yet
    resubmitted: int = 0  # requests sent again in a follow-up batch (re-asks, failed, expired)
    followups: list[str] = field(default_factory=list)


async def collect(
    job: BatchJob,
    backend: OpenAICompatBackend,
    api: BatchAPI,
    writer: RecordSink,
    *,
    cache: ResultCache | None = None,
    done_ids: set[str] | frozenset[str] = frozenset(),
    reask_sync: bool = False,
    on_record: Callable[[ArticleRecord], None] | None = None,
) -> CollectResult:
    """Read every finished batch of the job into records, then send what must be asked again in a follow-up
    batch (or, with `reask_sync`, re-ask invalid replies synchronously). Batches still running are left."""
    result = CollectResult()
    settings, requests = backend.settings, job.state["requests"]
    drop = job.state.get("drop_ungrounded", False)
    articles = job.articles()
    again: list[str] = job.state.setdefault("unsent", [])  # saved with each round: a crash loses no re-ask

    async def finish(custom_id: str, answer: BackendResult | BackendError | ExtractionFailed) -> None:
        request = requests[custom_id]
        record = await extract_one(articles[custom_id], _Answered(backend, answer), cache, drop_ungrounded=drop)
        writer.write(record)
        request["status"] = "done" if record.status == "ok" else "failed"
        result.summary.add(record)
        if on_record:
            on_record(record)

    async def ask_sync(custom_id: str) -> None:
        """The synchronous path from the start (its own re-asks), the batch's usage added."""
        request = requests[custom_id]
        record = await extract_one(articles[custom_id], backend, cache, drop_ungrounded=drop)
        spent = Usage.model_validate(request["usage"])
        provenance = record.provenance.model_copy(
            update={
                "usage": record.provenance.usage + spent,
                "attempts": record.provenance.attempts + request["tries"],
                "cost_usd": _add(record.provenance.cost_usd, backend.cost_of(spent, batch=True)),
            }
        )
        record = record.model_copy(update={"provenance": provenance})
        writer.write(record)
        request["status"] = "done" if record.status == "ok" else "failed"
        result.summary.add(record)
        if on_record:
            on_record(record)

    for round_ in job.state["rounds"]:
        if round_["collected"]:
            continue
        info = api.retrieve(round_["batch_id"])
        if not info.done:
            result.running.append(info)
            continue
        replies = api.replies(info)
        for custom_id in round_["ids"]:
            request = requests[custom_id]
            if request["status"] != "pending":
                continue
            if request["article_id"] in done_ids:  # written by a collect that was cut short
                request["status"] = "done"
                continue
            reply = replies.get(custom_id)
            usage = Usage.model_validate(request["usage"]) + (reply.usage if reply else Usage())
            request["usage"] = usage.model_dump()
            warnings = list(request["warnings"]) + (["reply cut at max_tokens"] if reply and reply.truncated else [])
            if reply is None or reply.error is not None:
                request["error"] = (reply.error if reply else None) or f"no answer: batch {info.id} {info.status}"
                if request["tries"] < settings.max_attempts:
                    again.append(custom_id)
                else:
                    error = BackendError(f"batch request failed {request['tries']} time(s): {request['error']}")
                    error.spent = Spend(
                        attempts=request["tries"], usage=usage, reasks=request["reasks"], warnings=warnings,
                    )  # fmt: skip
                    await finish(custom_id, error)
                continue
            raw = reply.content or ""
            try:
                incidents = parse_extraction(raw).incidents
            except InvalidOutput as exc:
                request["invalid"] += 1
                if reask_sync:
                    await ask_sync(custom_id)
                elif request["reasks"] < settings.max_reasks:
                    request["reasks"] += 1
                    request["history"] = [
                        {"role": "assistant", "content": raw}, {"role": "user", "content": reask_message(exc)},
                    ]  # fmt: skip
                    again.append(custom_id)
                elif request["invalid"] < settings.max_attempts:
                    request["history"] = None
                    again.append(custom_id)
                else:
                    message = f"output still invalid after {request['reasks']} re-ask(s) in batches: {exc}"
                    spent = Spend(attempts=request["tries"], usage=usage, reasks=request["reasks"], warnings=warnings)
                    failure = ExtractionFailed(message, last_output=raw, spent=spent)
                    await finish(custom_id, failure)
                continue
            answer = BackendResult(
                incidents=incidents, mode=backend.mode,
                spent=Spend(attempts=request["tries"], reasks=request["reasks"], usage=usage, warnings=warnings),
            )  # fmt: skip
            await finish(custom_id, answer)
        round_["collected"] = True
        job.save()
    again[:] = [c for c in dict.fromkeys(again) if requests[c]["status"] == "pending"]
    if again:
        job.save()  # what must be sent again is on disk before it is sent
        lines = []
        for custom_id in again:
            body, _ = request_body(backend, articles[custom_id], requests[custom_id]["history"])
            lines.append(request_line(custom_id, body))
        sent = _send(api, lines)
        for custom_id in again:
            requests[custom_id]["tries"] += 1
        for info, start, end in sent:
            round_ = {"batch_id": info.id, "kind": "follow-up", "ids": again[start:end], "collected": False}
            job.state["rounds"].append(round_)
        result.resubmitted, result.followups = len(again), [info.id for info, _, _ in sent]
        again.clear()
    job.save()
    return result


def _add(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b
