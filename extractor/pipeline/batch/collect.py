"""Collecting a batch job: every finished batch's replies through the same validation, date resolution, figure
check, grounding, cache and writers as a synchronous run (`extract_one`), and the synchronous path's re-ask
policy (`after_invalid`): an invalid reply is re-asked with its error, or asked afresh, and a failed or expired
request sent again, in a follow-up batch, up to `max_reasks` and `max_attempts`; then it becomes a failed record.
Collecting is idempotent: an article with an ok record in the output is not written again, and a valid reply is
cached as soon as it is read, so a collect cut by a crash or Ctrl-C can simply be run again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...backend import BackendResult
from ...errors import BackendError, ExtractionFailed
from ...llm.batch import BatchAPI, BatchInfo, BatchReply, request_body, request_line
from ...llm.client import OpenAICompatBackend
from ...llm.replies import AFRESH, REASK, InvalidOutput, after_invalid, parse_extraction, reask_turns
from ...models import Article, ArticleRecord, Spend, Usage
from ..article import extract_one
from ..cache import ResultCache
from ..run import RecordSink, RunSummary
from .state import BatchJob, BatchRequest, BatchRound
from .submit import send_lines


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
    collector = _Collector(job, backend, writer, cache, on_record, reask_sync)
    for round_ in job.state.rounds:
        if round_.collected:
            continue
        info = api.retrieve(round_.batch_id)
        if not info.done:
            collector.result.running.append(info)
            continue
        replies = api.replies(info)
        for custom_id in round_.ids:
            request = job.state.requests[custom_id]
            if request.status != "pending":
                continue
            if request.article_id in done_ids:  # written by a collect that was cut short
                request.status = "done"
                continue
            await collector.read(custom_id, replies.get(custom_id), info)
        round_.collected = True
        job.save()
    _send_again(job, backend, api, collector.articles, collector.result)
    job.save()
    return collector.result


class _Collector:
    """Turns one request's reply into its record, or books it to be asked again (`job.state.unsent`)."""

    def __init__(self, job: BatchJob, backend: OpenAICompatBackend, writer: RecordSink, cache: ResultCache | None,
                 on_record: Callable[[ArticleRecord], None] | None, reask_sync: bool) -> None:  # fmt: skip
        self.job, self.backend, self.writer, self.cache = job, backend, writer, cache
        self.on_record, self.reask_sync = on_record, reask_sync
        self.drop = job.state.drop_ungrounded
        self.articles = job.articles()
        self.result = CollectResult()

    async def read(self, custom_id: str, reply: BatchReply | None, info: BatchInfo) -> None:
        request, settings = self.job.state.requests[custom_id], self.backend.settings
        request.usage = request.usage + (reply.usage if reply else Usage())
        warnings = list(request.warnings) + (["reply cut at max_tokens"] if reply and reply.truncated else [])
        spent = Spend(attempts=request.tries, reasks=request.reasks, usage=request.usage, warnings=warnings)
        if reply is None or reply.error is not None:
            request.error = (reply.error if reply else None) or f"no answer: batch {info.id} {info.status}"
            if request.tries < settings.max_attempts:
                self.job.state.unsent.append(custom_id)
            else:
                error = BackendError(f"batch request failed {request.tries} time(s): {request.error}")
                error.spent = spent
                await self.finish(custom_id, error)
            return
        raw = reply.content or ""
        try:
            incidents = parse_extraction(raw).incidents
        except InvalidOutput as exc:
            request.invalid += 1
            step = after_invalid(request.reasks, request.invalid, settings.max_reasks, settings.max_attempts)
            if self.reask_sync:
                await self.ask_sync(custom_id, request)
            elif step in (REASK, AFRESH):
                if step == REASK:
                    request.reasks += 1
                request.history = reask_turns(raw, exc) if step == REASK else None
                self.job.state.unsent.append(custom_id)
            else:
                message = f"output still invalid after {request.reasks} re-ask(s) in batches: {exc}"
                await self.finish(custom_id, ExtractionFailed(message, last_output=raw, spent=spent))
            return
        await self.finish(custom_id, BackendResult(incidents=incidents, spent=spent, mode=self.backend.mode))

    async def finish(self, custom_id: str, answer: BackendResult | BackendError | ExtractionFailed) -> None:
        answered = _Answered(self.backend, answer)
        record = await extract_one(self.articles[custom_id], answered, self.cache, drop_ungrounded=self.drop)
        self.write(custom_id, record)

    async def ask_sync(self, custom_id: str, request: BatchRequest) -> None:
        """The synchronous path from the start (its own re-asks), the batch's usage added."""
        record = await extract_one(self.articles[custom_id], self.backend, self.cache, drop_ungrounded=self.drop)
        spent = request.usage
        provenance = record.provenance.model_copy(
            update={
                "usage": record.provenance.usage + spent,
                "attempts": record.provenance.attempts + request.tries,
                "cost_usd": _add(record.provenance.cost_usd, self.backend.cost_of(spent, batch=True)),
            }
        )
        self.write(custom_id, record.model_copy(update={"provenance": provenance}))

    def write(self, custom_id: str, record: ArticleRecord) -> None:
        self.writer.write(record)
        self.job.state.requests[custom_id].status = "done" if record.status == "ok" else "failed"
        self.result.summary.add(record)
        if self.on_record:
            self.on_record(record)


def _send_again(
    job: BatchJob, backend: OpenAICompatBackend, api: BatchAPI, articles: dict[str, Article], result: CollectResult
) -> None:
    """Send the requests booked to be asked again (re-asks, failed, expired) as follow-up batches."""
    requests, again = job.state.requests, job.state.unsent
    again[:] = [c for c in dict.fromkeys(again) if requests[c].status == "pending"]
    if not again:
        return
    job.save()  # what must be sent again is on disk before it is sent
    lines = [request_line(c, request_body(backend, articles[c], requests[c].history)[0]) for c in again]
    sent = send_lines(api, lines)
    for custom_id in again:
        requests[custom_id].tries += 1
    for info, start, end in sent:
        job.state.rounds.append(BatchRound(batch_id=info.id, kind="follow-up", ids=again[start:end]))
    result.resubmitted, result.followups = len(again), [info.id for info, _, _ in sent]
    again.clear()


def _add(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b
