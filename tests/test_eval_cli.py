"""`extract eval`, `score`, `compare` and `prompts` through the CLI, and leave-one-out few-shot prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.evaluation.golden import load_golden
from extractor.llm.prompts import load_prompt
from extractor.models import ArticleRecord

from .conftest import BASE_URL, COMPLETIONS, article_of, completion

runner = CliRunner()


def run_eval(*args: str):
    return runner.invoke(app, ["eval", "--runs-dir", "runs", "-q", *args])


def test_eval_with_the_baseline_stores_a_reproducible_run() -> None:
    result = run_eval("--model", "baseline", "--name", "base", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    run_dir = Path("runs/base")
    assert report["run_dir"] == str(run_dir)
    predictions = (run_dir / "predictions.jsonl").read_text().splitlines()
    assert len(predictions) == 10
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["model"] == "baseline-rules-v1"
    assert manifest["backend"] == "baseline"
    assert manifest["modes"] == ["rules"]
    assert manifest["articles"] == 10 and manifest["failed"] == 0
    assert len(manifest["golden_sha256"]) == 64
    assert manifest["code_revision"]
    assert "api_key" not in manifest["parameters"]
    stored = json.loads((run_dir / "metrics.json").read_text())
    assert stored["all"]["incidents"] == report["all"]["incidents"]
    assert report["all"]["incidents"]["tp"] > 0
    assert report["primary"]["primary_only"] is True


@pytest.mark.httpx2(assert_all_called=False)
def test_score_rescores_stored_predictions_without_a_backend(httpx2_mock) -> None:
    run_eval("--model", "baseline", "--name", "base")
    route = httpx2_mock.route()

    by_id = runner.invoke(app, ["score", "base", "--runs-dir", "runs", "--json"])
    by_file = runner.invoke(app, ["score", "runs/base/predictions.jsonl", "--json"])

    assert by_id.exit_code == 0, by_id.output
    assert json.loads(by_id.stdout) == json.loads(by_file.stdout)
    assert json.loads(by_id.stdout)["all"]["n_articles"] == 10
    assert route.call_count == 0, "scoring never calls an endpoint"


def test_fail_under_sets_the_exit_code() -> None:
    assert run_eval("--model", "baseline", "--name", "a", "--fail-under", "0.5").exit_code == 0
    failing = runner.invoke(app, ["score", "a", "--runs-dir", "runs", "--fail-under", "0.99"])
    assert failing.exit_code == 1
    assert "below --fail-under 0.99" in failing.stderr


def test_broken_predictions_score_as_misses_not_crashes() -> None:
    run_eval("--model", "baseline", "--name", "base")
    lines = Path("runs/base/predictions.jsonl").read_text().splitlines()
    Path("broken.jsonl").write_text("\n".join(["{not json", *lines[1:]]) + "\n")

    result = runner.invoke(app, ["score", "broken.jsonl", "--json"])

    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)["all"]
    assert scores["n_invalid_lines"] == 1
    assert scores["n_missing"] == 1


def test_compare_lists_a_planted_regression() -> None:
    run_eval("--model", "baseline", "--name", "a")
    records = [ArticleRecord.model_validate_json(line) for line in Path("runs/a/predictions.jsonl").read_text().splitlines()]
    kabul = next(r for r in records if "Kabul" in r.title)
    kabul.incidents[0].killed.min = kabul.incidents[0].killed.max = 60
    Path("b.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in records))

    result = runner.invoke(app, ["compare", "a", "b.jsonl", "--runs-dir", "runs", "--json"])

    assert result.exit_code == 0, result.output
    comparison = json.loads(result.stdout)
    killed = [c for c in comparison["regressions"] if c["field"] == "killed"]
    assert [c["article_id"] for c in killed] == [kabul.article_id]
    assert comparison["fixes"] == []
    table = runner.invoke(app, ["compare", "a", "b.jsonl", "--runs-dir", "runs"])
    assert "Regressions" in table.stdout and "killed" in table.stdout


def test_prompts_list_show_and_diff(tmp_path: Path) -> None:
    listed = runner.invoke(app, ["prompts", "list"])
    assert listed.exit_code == 0
    assert "extract-v1" in listed.stdout and load_prompt("extract-v1").hash in listed.stdout
    shown = runner.invoke(app, ["prompts", "show", "extract-v1"])
    assert shown.stdout.strip() == load_prompt("extract-v1").text.strip()
    edited = tmp_path / "edited.md"
    edited.write_text(load_prompt().text.replace("careful analyst", "meticulous analyst"))
    diff = runner.invoke(app, ["prompts", "diff", "extract-v1", str(edited)])
    assert "-You are a careful analyst" in diff.stdout and "+You are a meticulous analyst" in diff.stdout
    missing = runner.invoke(app, ["prompts", "show", "nope"])
    assert missing.exit_code == 2 and "not found" in missing.stderr


def test_few_shot_examples_are_leave_one_out(httpx2_mock, tmp_path: Path) -> None:
    """No article is shown its own labels, nor an example reporting one of its events."""
    few_shot = tmp_path / "few-shot.md"
    few_shot.write_text(load_prompt().text.replace("--- user ---", "{{examples}}\n--- user ---"))
    route = httpx2_mock.post(COMPLETIONS).mock(return_value=completion('{"incidents": []}'))
    gold = load_golden()
    events = {aid: {i.event_id for i in label.incidents} for aid, label in gold.items()}
    titles = {label.title: aid for aid, label in gold.items()}

    result = run_eval("--model", "m", "--base-url", BASE_URL, "--prompt", str(few_shot), "--name", "fs")

    assert result.exit_code == 0, result.output
    assert route.call_count == 10
    for call in route.calls:
        request = call.request
        system = json.loads(request.content)["messages"][0]["content"]
        own = next(aid for title, aid in titles.items() if f"Title: {title}\n" in json.loads(request.content)["messages"][1]["content"])
        shown = [aid for title, aid in titles.items() if f"Title: {title}\n" in system]
        assert len(shown) == 1, "one example per prompt"
        assert own not in shown
        assert not (events[own] & events[shown[0]])
        assert article_of(request) not in system
    manifest = json.loads(Path("runs/fs/manifest.json").read_text())
    assert manifest["prompt_name"] == "few-shot"
