"""Judgements: POST /v1/judgements checked and stored with who and when; `extract golden export` turns them into a
golden set (wrong incidents dropped, corrections applied, missed incidents added, the split rule) that
`extract eval --golden` scores a run against."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from extractor.cli import app  # noqa: E402
from extractor.models import GoldArticle  # noqa: E402
from extractor.service.api import create_app  # noqa: E402

from .conftest import AUTH, article_json, make_runtime  # noqa: E402


@pytest.fixture
def judged(tmp_path: Path, golden_articles):
    """The golden feed extracted by the service, and a client to judge it."""
    runtime = make_runtime(tmp_path)
    with TestClient(create_app(runtime, start_background=False)) as client:
        body = {"articles": [article_json(a) for a in golden_articles]}
        records = client.post("/v1/extract", json=body, headers=AUTH).json()["records"]
        yield client, runtime, records
    asyncio.run(runtime.close())


def incident_ids(client, article_id: str) -> list[str]:
    rows = client.get("/v1/incidents", params={"limit": 500}, headers=AUTH).json()["items"]
    return [r["incident_id"] for r in rows if r["article_id"] == article_id]


def test_judgements_are_checked_and_stored_with_who_and_when(judged) -> None:
    client, runtime, records = judged
    record = next(r for r in records if r["incidents"])
    article_id, (first, *_) = record["article_id"], incident_ids(client, record["article_id"])
    post = lambda body, **kw: client.post("/v1/judgements", json={"article_id": article_id, "reviewer": "ana", **body},
                                          headers=kw.get("headers", AUTH))  # noqa: E731
    assert post({"incident_id": first, "verdict": "correct"}, headers={}).status_code == 401
    refused = [
        {"incident_id": first, "verdict": "wrong"},  # no reason
        {"incident_id": "0000000000000000", "verdict": "correct"},  # not this article's
        {"incident_id": first, "verdict": "corrected", "field": "killed", "value": "six"},
        {"incident_id": first, "verdict": "corrected", "field": "no_such_field", "value": 1},
        {"verdict": "missed", "sentence": "A sentence the article does not contain."},
        {"incident_id": first, "verdict": "maybe"},
    ]
    for body in refused:
        assert post(body).status_code == 422, body
    assert client.post("/v1/judgements", json={"article_id": "nope", "verdict": "missed", "sentence": "x",
                                               "reviewer": "ana"}, headers=AUTH).status_code == 404  # fmt: skip
    made = post({"incident_id": first, "verdict": "corrected", "field": "killed", "value": {"min": 3, "max": 3}})
    assert made.status_code == 201
    row = made.json()
    assert row["reviewer"] == "ana" and row["created_at"] and row["value"] == {"min": 3, "max": 3}
    listed = client.get("/v1/judgements", params={"article_id": article_id}, headers=AUTH).json()
    assert [j["judgement_id"] for j in listed["items"]] == [row["judgement_id"]] and listed["next"] is None
    stored = runtime.writer.query("SELECT reviewer, verdict, field FROM judgements")
    assert stored == [{"reviewer": "ana", "verdict": "corrected", "field": "killed"}]


def test_golden_export_applies_judgements_and_eval_scores_against_it(judged, tmp_path: Path) -> None:
    client, runtime, records = judged
    with_incidents = [r for r in records if r["incidents"]]
    a, b = with_incidents[0], with_incidents[1]
    a_ids, b_ids = incident_ids(client, a["article_id"]), incident_ids(client, b["article_id"])
    sentences = re.split(r"(?<=[.!?])\s+", runtime.writer.article_text(b["article_id"]))
    sentence = [s for s in sentences if len(s) > 30][-1]  # a passage of the article the run did not code
    judgements = [
        {"article_id": a["article_id"], "incident_id": a_ids[0], "verdict": "wrong", "reason": "not_an_incident"},
        {"article_id": b["article_id"], "incident_id": b_ids[0], "verdict": "corrected", "field": "country",
         "value": "Burkina Faso"},
        {"article_id": b["article_id"], "verdict": "missed", "sentence": sentence,
         "value": {"attack_type": "bombing"}},
        {"article_id": b["article_id"], "incident_id": b_ids[0], "verdict": "correct"},
    ]  # fmt: skip
    for body in judgements:
        assert client.post("/v1/judgements", json={**body, "reviewer": "ben"}, headers=AUTH).status_code == 201

    labels, articles = tmp_path / "mine.jsonl", tmp_path / "mine.articles.jsonl"
    runner = CliRunner()
    result = runner.invoke(app, ["golden", "export", "--db", str(runtime.path), "-o", str(labels)])
    assert result.exit_code == 0, result.output
    gold = {g.article_id: g for g in map(GoldArticle.model_validate_json, labels.read_text().splitlines())}
    assert set(gold) == {a["article_id"], b["article_id"]}  # only judged articles
    assert len(gold[a["article_id"]].incidents) == len(a["incidents"]) - 1  # the wrong one dropped
    b_gold = gold[b["article_id"]].incidents
    assert len(b_gold) == len(b["incidents"]) + 1
    assert b_gold[0].country == "Burkina Faso"  # the correction applied
    assert b_gold[-1].evidence == [sentence] and b_gold[-1].attack_type == "bombing"  # the miss added
    assert {g.split for g in gold.values()} <= {"dev", "test"} and all(g.split for g in gold.values())
    assert "ben" in gold[b["article_id"]].notes
    lines = [json.loads(line) for line in articles.read_text().splitlines()]
    assert {line["id"] for line in lines} == set(gold) and all(line["text"] for line in lines)

    scored = runner.invoke(app, ["eval", "--golden", str(labels), "--feed", str(articles), "--model", "baseline",
                                 "--runs-dir", str(tmp_path / "runs"), "--json"])  # fmt: skip
    assert scored.exit_code in (0, 1), scored.output
    report = json.loads(scored.output)["all"]
    assert report["n_articles"] == 2 and report["n_unlabelled"] == 0
    # the run against its own judged output: the incident marked wrong is now a false positive, the missed one a
    # false negative, the rest match
    assert report["incidents"]["fp"] == 1 and report["incidents"]["fn"] == 1
    assert report["incidents"]["tp"] == len(a["incidents"]) + len(b["incidents"]) - 1


def test_golden_export_without_judgements_is_one_line(judged, tmp_path: Path) -> None:
    _, runtime, _ = judged
    result = CliRunner().invoke(app, ["golden", "export", "--db", str(runtime.path), "-o", str(tmp_path / "l.jsonl")])
    assert result.exit_code == 2 and "no judged article" in result.output and not (tmp_path / "l.jsonl").exists()
