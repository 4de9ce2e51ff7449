"""Commands say what they do: score and compare use the golden set the run's manifest records and refuse a set that
does not overlap the run; readers of a database refuse a missing path; export of an unknown run refuses; review
without the run's feed says on stderr that texts are missing; a model without key or base URL is refused before any
request; the progress bar shows a known total; `extract --version`."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import extractor
from extractor.cli import app
from extractor.evaluation.evaluate import evaluate
from extractor.evaluation.golden import named_sets
from extractor.llm.prompts import load_prompt
from extractor.models import RECORD_FORMAT
from extractor.pipeline.run import counted
from extractor.settings import resolve_settings
from extractor.store.runs import file_sha256

from .conftest import GOLDEN_FEED

runner = CliRunner()
REVIEW_FIXTURES = Path(__file__).parent / "fixtures" / "review"


def news_dev_run(runs_dir: Path, name: str, n: int = 4) -> Path:
    """A stored run of the offline baseline over the first `n` labelled news-dev articles with an incident."""
    chosen = named_sets()["news-dev"]
    articles, gold = chosen.load()
    picked = [a for a in articles if gold[a.id].incidents][:n]
    settings, _ = resolve_settings({"model": "baseline"})
    work = evaluate(
        settings, load_prompt(), None, articles=picked, gold={a.id: gold[a.id] for a in picked},
        source=";".join(map(str, chosen.feeds)), golden_label=f"news-dev ({chosen.labels}, split dev)",
        golden_sha256=file_sha256(chosen.labels), golden_ref="news-dev", golden_split="dev", runs_dir=runs_dir,
        name=name,
    )  # fmt: skip
    return asyncio.run(work).run_dir


def test_score_of_a_news_dev_run_is_scored_against_news_dev() -> None:
    run_dir = news_dev_run(Path("runs"), "nd")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["golden_set"] == "news-dev" and manifest["format"] == RECORD_FORMAT

    result = runner.invoke(app, ["score", str(run_dir), "--json"])

    assert result.exit_code == 0, result.output
    assert "golden set news-dev (the run's manifest)" in result.stderr
    scores = json.loads(result.stdout)["all"]
    assert scores["incidents"]["tp"] > 0, "scored against its own set, not the seed set (all zeros)"
    assert scores["n_articles"] == len(named_sets()["news-dev"].gold())


def test_a_golden_set_that_shares_no_article_with_the_run_is_refused_in_one_line() -> None:
    run_dir = news_dev_run(Path("runs"), "nd", n=2)

    result = runner.invoke(app, ["score", str(run_dir), "--golden", "seed"])

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no article of" in result.stderr and "golden set seed" in result.stderr
    assert "Traceback" not in result.output


def test_compare_uses_the_runs_golden_set_and_refuses_runs_of_different_sets() -> None:
    a, b = news_dev_run(Path("runs"), "a", n=2), news_dev_run(Path("runs"), "b", n=3)

    result = runner.invoke(app, ["compare", str(a), str(b), "--json"])

    assert result.exit_code == 0, result.output
    assert "golden set news-dev (the run's manifest)" in result.stderr
    manifest = json.loads((b / "manifest.json").read_text())
    (b / "manifest.json").write_text(json.dumps(manifest | {"golden_set": "news-test", "golden_split": "test"}))
    refused = runner.invoke(app, ["compare", str(a), str(b)])
    assert refused.exit_code == 2 and "different golden sets" in refused.stderr
    assert refused.stderr.count("\n") == 1


def test_an_older_manifest_without_golden_set_is_read_from_its_label() -> None:
    run_dir = news_dev_run(Path("runs"), "nd", n=2)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    for key in ("golden_set", "golden_split", "format"):
        manifest.pop(key)
    (run_dir / "manifest.json").write_text(json.dumps(manifest))

    result = runner.invoke(app, ["score", str(run_dir), "--json"])

    assert result.exit_code == 0, result.output
    assert "golden set news-dev" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["events", "--db", "typo.db"], ["export", "--db", "typo.db", "-o", "out.csv"], ["review", "--db", "typo.db"]],
)
def test_a_database_path_that_does_not_exist_is_refused_not_created(args: list[str]) -> None:
    result = runner.invoke(app, args)

    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "typo.db" in result.stderr
    assert not Path("typo.db").exists() and not Path("out.csv").exists()


def test_export_of_an_unknown_run_refuses_without_writing() -> None:
    made = runner.invoke(app, ["run", str(GOLDEN_FEED), "--db", "g.db", "-q", "--no-events"])
    assert made.exit_code == 0, made.output

    result = runner.invoke(app, ["export", "--db", "g.db", "--run", "nope", "-o", "out.csv"])

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no run 'nope'" in result.stderr
    assert not Path("out.csv").exists()


def test_review_of_a_jsonl_without_its_feed_says_on_stderr_which_option_gives_the_texts(tmp_path: Path) -> None:
    run = tmp_path / "out.jsonl"
    shutil.copy(REVIEW_FIXTURES / "predictions.jsonl", run)

    result = runner.invoke(app, ["review", str(run), "-o", str(tmp_path / "page.html")])

    assert result.exit_code == 0, result.output
    assert "article texts are missing" in result.stderr and "--feed" in result.stderr
    with_feed = runner.invoke(app, ["review", str(run), "--feed", str(REVIEW_FIXTURES / "feed.xml"), "-o",
                                    str(tmp_path / "page2.html")])  # fmt: skip
    assert with_feed.exit_code == 0 and "article texts are missing" not in with_feed.stderr


@pytest.mark.httpx2(assert_all_called=False)
def test_a_model_with_no_key_and_no_base_url_is_refused_before_any_request(httpx2_mock) -> None:
    route = httpx2_mock.route()

    result = runner.invoke(app, ["run", str(GOLDEN_FEED), "--model", "gpt-4o-mini", "-o", "out.jsonl"])

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "OPENAI_API_KEY" in result.stderr and "--base-url" in result.stderr
    assert route.call_count == 0 and not Path("out.jsonl").exists()


def test_the_progress_bar_shows_the_total_of_an_input_of_known_size(monkeypatch: pytest.MonkeyPatch) -> None:
    import extractor.cli.run as run_module

    totals: list[int | None] = []
    real = run_module.progress_bar

    def recording(total, quiet):
        totals.append(total)
        return real(total, quiet)

    monkeypatch.setattr(run_module, "progress_bar", recording)

    result = runner.invoke(app, ["run", str(GOLDEN_FEED), "-o", "out.jsonl"])

    assert result.exit_code == 0, result.output
    assert totals == [10], "10/10, not 10/?"


def test_a_stream_longer_than_the_look_ahead_has_no_total_and_loses_nothing() -> None:
    from extractor.models import Article

    articles = (Article(id=str(n), title="t", text="x") for n in range(50))

    again, total = counted(articles, {"3"}, limit=10)
    assert total is None and [a.id for a in again] == [str(n) for n in range(50)]

    short, total = counted([Article(id=i, title="t", text="x") for i in ("a", "b", "b", "c")], {"c"})
    assert total == 2 and len(list(short)) == 4, "distinct ids not already done; every article passed on"


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.stdout.strip() == f"incident-extractor {extractor.__version__}"
