"""The library run (`extractor.runner.execute_run`) called directly, with the FakeBackend and no CLI: inputs,
what the hooks hear and in which order, resume, the database sink and events, the pre-filter, the budget and
batch checks, and errors that stop a run."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from extractor.errors import BackendTimeout, ConfigError, FeedError
from extractor.models import Article, ArticleRecord
from extractor.runner import RunHooks, RunRequest, Setup, execute_run
from extractor.testing import FakeBackend, fake_incident

TEXTS = {
    "a1": "Gunmen killed five soldiers in Tillaberi on Sunday, the army said.",
    "a2": "A roadside bomb killed three soldiers near Diffa on Monday.",
    "a3": "Militants attacked a military outpost in Agadez on Tuesday, killing two soldiers.",
}


def answers(article: Article):
    return [fake_incident(article.text.split(",")[0].split(" on ")[0])]


class Heard(RunHooks):
    """Everything the run said, in order."""

    def __init__(self) -> None:
        self.said: list[tuple] = []

    def warning(self, text):
        self.said.append(("warning", text))

    def notice(self, text):
        self.said.append(("notice", text))

    def note(self, text):
        self.said.append(("note", text))

    def started(self, total):
        self.said.append(("started", total))

    def record(self, record):
        self.said.append(("record", record.article_id))

    def finished(self, summary, output):
        self.said.append(("finished", summary.articles, output))

    def database(self, path, run_id, counts):
        self.said.append(("database", counts.new, counts.unchanged))

    def events(self, found):
        self.said.append(("events", len(found)))

    def kinds(self) -> list[str]:
        return [s[0] for s in self.said]


@pytest.fixture
def feed(tmp_path: Path) -> str:
    path = tmp_path / "articles.jsonl"
    path.write_text("".join(json.dumps({"id": i, "title": f"Attack {i}", "text": t}) + "\n" for i, t in TEXTS.items()))
    return str(path)


def request(feed: str, tmp_path: Path, backend, **options) -> RunRequest:
    setup = Setup(settings=options.pop("settings", {}), cache_dir=tmp_path / "cache")
    return RunRequest(feed, setup, output=str(tmp_path / "out.jsonl"), backend=backend, **options)


def written(path: Path) -> list[ArticleRecord]:
    return [ArticleRecord.model_validate_json(line) for line in path.read_text().splitlines()]


def test_a_feed_to_records_with_the_hooks_told_in_order(feed: str, tmp_path: Path):
    backend, heard = FakeBackend(answers), Heard()
    outcome = execute_run(request(feed, tmp_path, backend, settings={"concurrency": 1}), heard)
    records = written(tmp_path / "out.jsonl")
    assert [r.article_id for r in records] == ["a1", "a2", "a3"] and all(r.status == "ok" for r in records)
    assert all(len(r.incidents) == 1 and r.incidents[0].grounded for r in records)
    assert heard.kinds() == ["notice", "started", "record", "record", "record", "finished"]
    assert heard.said[1] == ("started", 3) and heard.said[-1] == ("finished", 3, str(tmp_path / "out.jsonl"))
    assert (outcome.summary.articles, outcome.summary.ok, outcome.summary.incidents) == (3, 3, 3)
    assert outcome.output == str(tmp_path / "out.jsonl") and outcome.job is None and outcome.database is None
    assert sorted(a.id for a in backend.calls) == ["a1", "a2", "a3"] and backend.closed == 1


def test_resume_runs_only_what_failed_and_counts_the_rest_as_already_done(feed: str, tmp_path: Path):
    down = {"a2"}  # the endpoint fails a2, then recovers: the same backend configuration both times
    backend = FakeBackend(lambda a: BackendTimeout("slow") if a.id in down else answers(a))
    assert execute_run(request(feed, tmp_path, backend)).summary.failed == 1
    with open(tmp_path / "out.jsonl", "a") as out:
        out.write('{"article_id": "a9", "cut')  # a line cut by a crash
    down.clear()
    backend.calls.clear()
    heard = Heard()
    outcome = execute_run(request(feed, tmp_path, backend, resume=True), heard)
    assert [a.id for a in backend.calls] == ["a2"]
    assert outcome.summary.already_done == 2 and outcome.summary.articles == 1 and outcome.summary.prefiltered == 0
    unreadable = f"1 unreadable line(s) kept in {tmp_path / 'out.jsonl'} (cut by a crash?); their articles run again"
    assert ("warning", unreadable) in heard.said
    assert heard.said[heard.kinds().index("started")] == ("started", 1)
    by_id = {r.article_id: r for r in written_lines(tmp_path / "out.jsonl")}
    assert by_id["a2"].status == "ok"


def written_lines(path: Path) -> list[ArticleRecord]:
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(ArticleRecord.model_validate_json(line))
        except ValueError:
            continue
    return records


def test_a_database_run_is_incremental_and_rebuilds_the_events(feed: str, tmp_path: Path):
    db = str(tmp_path / "x.db")
    heard = Heard()
    outcome = execute_run(request(feed, tmp_path, FakeBackend(answers), db=db), heard)
    assert outcome.output == db and outcome.run_id and outcome.database.new == 3
    assert outcome.events is not None and len(outcome.events) == 3
    assert heard.kinds()[-3:] == ["finished", "database", "events"] and heard.said[-1] == ("events", 3)
    assert not (tmp_path / "out.jsonl").exists(), "a database run writes no -o file"
    again = FakeBackend(answers)
    second = execute_run(request(feed, tmp_path, again, db=db, events=False))
    assert again.calls == [] and second.database.unchanged == 3 and second.events is None


def test_the_prefilter_keeps_an_irrelevant_article_from_the_backend(tmp_path: Path):
    path = tmp_path / "mixed.jsonl"
    lines = [{"id": "a1", "title": "Ambush", "text": TEXTS["a1"]},
             {"id": "markets", "title": "Markets", "text": "Shares rose on Monday as investors cheered the results."}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    backend = FakeBackend(answers)
    outcome = execute_run(request(str(path), tmp_path, backend, settings={"prefilter": True}))
    assert [a.id for a in backend.calls] == ["a1"]
    assert outcome.summary.prefiltered == 1 and outcome.summary.already_done == 0
    assert {r.article_id: r.status for r in written(tmp_path / "out.jsonl")} == {"a1": "ok", "markets": "skipped"}


def test_articles_can_be_given_instead_of_a_feed(tmp_path: Path):
    articles = [Article(id=i, title=i, text=t) for i, t in TEXTS.items()]
    outcome = execute_run(request("api", tmp_path, FakeBackend(answers), articles=articles, fmt="csv"))
    assert outcome.summary.articles == 3
    assert (tmp_path / "out.jsonl").read_text().startswith("article_id"), "csv: a header, a row per incident"


def test_a_budget_needs_a_priced_backend(feed: str, tmp_path: Path):
    with pytest.raises(ConfigError, match="--max-cost needs a price for model fake-model"):
        execute_run(request(feed, tmp_path, FakeBackend(answers, price=None, budget=None), max_cost=1.0))
    assert not (tmp_path / "out.jsonl").exists(), "refused before the output is opened"
    free = execute_run(request(feed, tmp_path, FakeBackend(answers), max_cost=1.0))  # no requests: no budget
    assert free.summary.ok == 3


def test_bad_requests_are_refused_before_anything_is_written(feed: str, tmp_path: Path):
    with pytest.raises(ConfigError, match="--resume needs a JSONL output file"):
        execute_run(request(feed, tmp_path, FakeBackend(), resume=True, fmt="csv"))
    with pytest.raises(ConfigError, match="--db is incremental by itself"):
        execute_run(request(feed, tmp_path, FakeBackend(), db=str(tmp_path / "x.db"), resume=True))
    with pytest.raises(FeedError):
        execute_run(request(str(tmp_path / "missing.xml"), tmp_path, FakeBackend()))
    with pytest.raises(ConfigError, match="--batch needs an LLM endpoint"):
        execute_run(request(feed, tmp_path, FakeBackend(), batch=True))
    assert not (tmp_path / "x.db").exists()


def test_an_error_that_stops_the_run_still_reports_the_counters(feed: str, tmp_path: Path):
    heard = Heard()
    backend = FakeBackend(lambda a: ConfigError("bad key") if a.id == "a2" else answers(a))
    with pytest.raises(ConfigError, match="bad key"):
        execute_run(request(feed, tmp_path, backend, settings={"concurrency": 1}), heard)
    assert heard.kinds()[-1] == "finished" and backend.closed == 1
    assert [r.article_id for r in written(tmp_path / "out.jsonl")] == ["a1"], "finished work stays"


def test_the_public_api_runs_a_feed_as_extract_run_does(tmp_path: Path):
    """The example of extractor/__init__.py: a whole run from the package's names alone (the offline baseline)."""
    import extractor

    feed = str(Path(__file__).parent.parent / "golden" / "feed.xml")
    setup = extractor.Setup({"model": "baseline"}, cache_dir=tmp_path / "cache")
    outcome = extractor.execute_run(extractor.RunRequest(feed, setup, output=str(tmp_path / "incidents.jsonl")))
    assert outcome.summary.articles == 10 and outcome.summary.ok == 10
    assert len(written(tmp_path / "incidents.jsonl")) == 10


def test_an_interrupted_run_keeps_finished_records_and_still_reports(feed: str, tmp_path: Path):
    heard = Heard()

    def script(article: Article):
        if article.id == "a2":
            raise KeyboardInterrupt
        return answers(article)

    with pytest.raises(KeyboardInterrupt):
        execute_run(request(feed, tmp_path, FakeBackend(script), settings={"concurrency": 1}), heard)
    gc.collect()  # asyncio logs the interrupted task now, into this test's captured log, not at exit
    assert heard.said[-1] == ("finished", 1, str(tmp_path / "out.jsonl"))
    assert [r.article_id for r in written(tmp_path / "out.jsonl")] == ["a1"]
