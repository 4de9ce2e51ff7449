"""The service's work queue: queued -> claimed -> done in the database, nothing queued twice, claims of a killed
process queued again, a down endpoint pausing the queue instead of failing articles, SIGTERM draining."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from extractor.errors import EndpointUnavailable
from extractor.models import Article
from extractor.service import ServiceConfig
from extractor.service.pipeline import Pipeline
from extractor.service.runtime import Runtime
from extractor.settings import resolve_settings
from extractor.store import work
from extractor.store.database import open_db


class ScriptedPipeline(Pipeline):
    """The baseline, behind a script: `failures` answers first (an exception to raise, or a record error string),
    and an optional gate each extraction waits on."""

    def __init__(self, failures=(), gate: asyncio.Event | None = None) -> None:
        super().__init__(resolve_settings({"model": "baseline"})[0])
        self.failures = list(failures)
        self.calls: list[str] = []
        self.gate = gate
        self.started = asyncio.Event() if gate else None

    async def extract(self, article: Article):
        self.calls.append(article.id)
        if self.started:
            self.started.set()
        if self.gate:
            await self.gate.wait()
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, BaseException):
                raise failure
            record = await super().extract(article)
            return record.model_copy(update={"status": "failed", "error": failure, "incidents": []})
        return await super().extract(article)


def runtime_with(tmp_path: Path, pipeline: Pipeline, **overrides) -> Runtime:
    values = {"db": tmp_path / "q.db", "tokens": ("t" * 20,), "workers": 1, "pause_initial_s": 0.01,
              "pause_max_s": 0.05, "tick_s": 0.01} | overrides  # fmt: skip
    return Runtime(ServiceConfig(**values), pipeline)


def test_the_same_content_is_queued_once_and_a_changed_article_again(tmp_path: Path, golden_articles) -> None:
    with open_db(tmp_path / "q.db") as db:
        run = db.register_run({"model": "m", "config_hash": "c"})
        assert work.enqueue(db, run, golden_articles[:3]) == 3
        assert work.enqueue(db, run, golden_articles[:3]) == 0
        changed = golden_articles[0].model_copy(update={"text": golden_articles[0].text + " More."})
        assert work.enqueue(db, run, [changed]) == 1
        assert work.queue_counts(db) == {"queued": 4, "claimed": 0, "done": 0}


def test_a_killed_claim_is_queued_again_on_start(tmp_path: Path, golden_articles) -> None:
    first = runtime_with(tmp_path, ScriptedPipeline())
    first.write_sync(lambda db: work.enqueue(db, first.run_id, golden_articles[:2]))
    claimed = first.write_sync(lambda db: work.claim(db, first.run_id))
    assert claimed is not None and work.queue_counts(first.writer)["claimed"] == 1
    asyncio.run(first.close())  # as if killed: the claim is left in the file
    second = runtime_with(tmp_path, ScriptedPipeline())
    try:
        assert second.requeued == 1
        assert work.queue_counts(second.writer) == {"queued": 2, "claimed": 0, "done": 0}
    finally:
        asyncio.run(second.close())


def test_the_worker_extracts_the_queue_once_and_rebuilds_the_events(tmp_path: Path, golden_articles) -> None:
    pipeline = ScriptedPipeline()
    runtime = runtime_with(tmp_path, pipeline, workers=3)

    async def scenario() -> None:
        runtime.write_sync(lambda db: work.enqueue(db, runtime.run_id, golden_articles))
        await runtime.start(scheduler=False)
        await runtime.drain()
        await runtime.stop()

    try:
        asyncio.run(scenario())
        db = runtime.writer
        assert sorted(pipeline.calls) == sorted(a.id for a in golden_articles)  # each exactly once
        assert work.queue_counts(db) == {"queued": 0, "claimed": 0, "done": len(golden_articles)}
        assert db.query("SELECT count(*) AS n FROM extractions")[0]["n"] == len(golden_articles)
        assert db.query("SELECT count(*) AS n FROM events")[0]["n"] > 0
        assert work.enqueue(db, runtime.run_id, golden_articles) == 0  # stored: never queued again
    finally:
        asyncio.run(runtime.close())


def test_a_down_endpoint_pauses_the_queue_and_the_article_is_not_failed(tmp_path: Path, golden_articles) -> None:
    down = EndpointUnavailable("endpoint http://127.0.0.1:9/v1 cannot be reached")
    pipeline = ScriptedPipeline([down, down, "Unreachable: cannot connect: ConnectError", down])
    runtime = runtime_with(tmp_path, pipeline)
    article = golden_articles[1]

    async def scenario() -> None:
        runtime.write_sync(lambda db: work.enqueue(db, runtime.run_id, [article]))
        await runtime.start(scheduler=False)
        await runtime.drain()
        await runtime.stop()

    try:
        asyncio.run(scenario())
        assert pipeline.calls == [article.id] * 5  # four times down, then answered
        record = runtime.writer.read_record(article.id)
        assert record is not None and record.status == "ok" and record.incidents
        row = runtime.writer.query("SELECT attempts, state FROM work_queue")[0]
        assert row == {"attempts": 2, "state": "done"}  # only the failed request counted, not the pauses
        metrics = runtime.metrics.render()[0].decode()
        assert "extract_queue_pauses_total 4.0" in metrics
    finally:
        asyncio.run(runtime.close())


def test_an_article_failing_for_its_own_reason_is_stored_failed_and_endless_timeouts_end(tmp_path: Path,
                                                                                           golden_articles) -> None:
    pipeline = ScriptedPipeline(["ExtractionFailed: output invalid after 2 re-asks"] + ["BackendTimeout: timed out"] * 3)
    runtime = runtime_with(tmp_path, pipeline, max_transient=3)

    async def scenario() -> None:
        runtime.write_sync(lambda db: work.enqueue(db, runtime.run_id, golden_articles[1:3]))
        await runtime.start(scheduler=False)
        await runtime.drain()
        await runtime.stop()

    try:
        asyncio.run(scenario())
        first, second = golden_articles[1].id, golden_articles[2].id
        assert pipeline.calls == [first, second, second, second]
        assert runtime.writer.read_record(first).error.startswith("ExtractionFailed")
        assert runtime.writer.read_record(second).error.startswith("BackendTimeout")  # after max_transient tries
    finally:
        asyncio.run(runtime.close())


def test_stop_drains_the_article_in_flight(tmp_path: Path, golden_articles) -> None:
    async def scenario() -> tuple[Runtime, ScriptedPipeline]:
        gate = asyncio.Event()
        pipeline = ScriptedPipeline(gate=gate)
        runtime = runtime_with(tmp_path, pipeline)
        runtime.write_sync(lambda db: work.enqueue(db, runtime.run_id, golden_articles[:3]))
        await runtime.start(scheduler=False)
        await pipeline.started.wait()  # one article is being extracted
        stopping = asyncio.create_task(runtime.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()  # it waits for the article
        gate.set()
        await stopping
        return runtime, pipeline

    runtime, pipeline = asyncio.run(scenario())
    try:
        assert len(pipeline.calls) == 1  # no new claim once stopping
        assert work.queue_counts(runtime.writer) == {"queued": 2, "claimed": 0, "done": 1}
        assert runtime.writer.read_record(pipeline.calls[0]).status == "ok"
    finally:
        asyncio.run(runtime.close())


@pytest.mark.parametrize("prefilter", [True])
def test_the_prefilter_setting_reaches_the_service(tmp_path: Path, prefilter: bool) -> None:
    sports = Article(id="s1", title="Arsenal beat Chelsea 3-1", text="Arsenal beat Chelsea 3-1 in the league on "
                     "Saturday. The striker scored twice in the second half.")  # fmt: skip
    pipeline = Pipeline(resolve_settings({"model": "baseline", "prefilter": prefilter})[0])
    record = asyncio.run(pipeline.extract(sports))
    asyncio.run(pipeline.aclose())
    assert record.status == "skipped" and record.skip_reason


def test_a_posted_article_goes_through_the_queue_and_a_down_endpoint_leaves_it_for_the_worker(
    tmp_path: Path, golden_articles
) -> None:
    down = EndpointUnavailable("endpoint http://127.0.0.1:9/v1 cannot be reached")
    pipeline = ScriptedPipeline([down])
    runtime = runtime_with(tmp_path, pipeline)
    first, second = golden_articles[1], golden_articles[2]

    async def scenario() -> None:
        with pytest.raises(EndpointUnavailable):
            await runtime.extract_now([first])  # the request fails ...
        assert work.queue_counts(runtime.writer) == {"queued": 1, "claimed": 0, "done": 0}  # ... the article stays
        (record,) = await runtime.extract_now([second])
        assert record.status == "ok"
        await runtime.start(scheduler=False)
        await runtime.drain()  # the worker takes what the failed request left
        await runtime.stop()

    try:
        asyncio.run(scenario())
        assert pipeline.calls == [first.id, second.id, first.id]
        rows = runtime.writer.query("SELECT article_id, state, status FROM work_queue ORDER BY item_id")
        assert rows == [{"article_id": first.id, "state": "done", "status": "ok"},
                        {"article_id": second.id, "state": "done", "status": "ok"}]  # fmt: skip
        assert runtime.writer.read_record(first.id).status == "ok"
    finally:
        asyncio.run(runtime.close())


def test_a_service_killed_mid_request_finishes_the_posted_article_after_the_restart(tmp_path: Path,
                                                                                     golden_articles) -> None:
    article = golden_articles[1]
    first = runtime_with(tmp_path, ScriptedPipeline())
    claimed = first.write_sync(lambda db: work.claim_posted(db, first.run_id, article))  # the request's claim
    assert claimed is not None
    asyncio.run(first.close())  # killed before the record was written
    pipeline = ScriptedPipeline()
    second = runtime_with(tmp_path, pipeline)

    async def scenario() -> None:
        await second.start(scheduler=False)
        await second.drain()
        await second.stop()

    try:
        assert second.requeued == 1
        asyncio.run(scenario())
        assert pipeline.calls == [article.id]
        assert second.writer.read_record(article.id).status == "ok"
        assert work.queue_counts(second.writer) == {"queued": 0, "claimed": 0, "done": 1}
    finally:
        asyncio.run(second.close())
