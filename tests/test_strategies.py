"""Extraction strategies (`--strategy`): the requests each sends, in order, and what they carry; the enumerate cap;
a hybrid candidate rejected and one added; the strategy in the cache identity; the fake server end to end."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.llm.steps import ENUMERATE_CAP

from .conftest import BASE_URL, COMPLETIONS, completion, incident

runner = CliRunner()
TILLABERI = "Gunmen killed five soldiers in Tillaberi on Sunday, the army said."
DIFFA = "Separately, a roadside bomb killed three civilians in Diffa, Niger, on Monday."
FILLER = "The region has seen years of unrest. " * 80  # a long middle the hybrid step does not need
ARTICLE = {
    "id": "two-attacks",
    "title": "Attacks in western Niger",
    "published": "2024-09-19T08:00:00Z",
    "text": f"{TILLABERI} {DIFFA}\n\n{FILLER}\n\nOfficials promised a response.",
}


@pytest.fixture
def articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-strategy-test")
    (tmp_path / "extract.toml").write_text("retry_initial_wait = 0.001\nretry_max_wait = 0.01\n")
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps(ARTICLE) + "\n")
    return str(path)


def run(articles: str, strategy: str, *extra: str):
    return runner.invoke(app, ["run", articles, "--model", "m", "--base-url", BASE_URL, "--strategy", strategy,
                               "--concurrency", "1", "-o", "out.jsonl", "-q", *extra])  # fmt: skip


def body(call) -> dict:
    return json.loads(call.request.content)


def is_enumeration(request_body: dict) -> bool:
    return "listing the acts of armed violence" in request_body["messages"][0]["content"]


def records() -> list[dict]:
    return [json.loads(line) for line in Path("out.jsonl").read_text().splitlines()]


def attacks_reply(*sentences: str) -> httpx.Response:
    return completion(json.dumps({"attacks": [
        {"what": "an attack", "where": None, "when": None, "sentence": s} for s in sentences]}))  # fmt: skip


def fill_reply(request: httpx.Request) -> httpx.Response:
    """The incident of the anchored sentence (the fill request names it)."""
    user = json.loads(request.content)["messages"][1]["content"]
    anchor = user.split("the article's sentence:", 1)[-1]  # one-call: no anchor, the whole user message
    sentence = TILLABERI if TILLABERI in anchor else DIFFA
    place = "Tillaberi" if sentence == TILLABERI else "Diffa"
    return completion(json.dumps({"incidents": [incident(sentence, location=place, region=place)]}))


def test_enumerate_lists_then_fills_each_attack_in_order(articles, httpx2_mock):
    def answer(request: httpx.Request) -> httpx.Response:
        if is_enumeration(json.loads(request.content)):
            return attacks_reply(TILLABERI, DIFFA)
        return fill_reply(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=answer)

    result = run(articles, "enumerate", "--structured-output", "json_object_schema")

    assert result.exit_code == 0, result.output
    calls = [body(call) for call in route.calls]
    assert len(calls) == 3 and is_enumeration(calls[0]) and not any(map(is_enumeration, calls[1:]))
    assert "attacks" in calls[0]["response_format"]["schema"]["properties"]  # the short list's own schema
    assert calls[0]["response_format"]["schema"]["properties"]["attacks"]["maxItems"] == ENUMERATE_CAP
    anchors = [c["messages"][1]["content"].split("the article's sentence:", 1)[1] for c in calls[1:]]
    assert TILLABERI in anchors[0] and DIFFA in anchors[1]
    assert all("<article>" in c["messages"][1]["content"] for c in calls[1:])  # each fill reads the whole article
    assert "incidents" in calls[1]["response_format"]["schema"]["properties"]
    (record,) = records()
    assert [i["location"] for i in record["incidents"]] == ["Tillaberi", "Diffa"]
    assert record["provenance"]["attempts"] == 3
    assert record["provenance"]["usage"]["prompt_tokens"] == 300  # every step's tokens counted


def test_enumerate_caps_the_listed_attacks_and_says_so(articles, httpx2_mock):
    many = [TILLABERI] * (ENUMERATE_CAP + 3)
    route = httpx2_mock.post(COMPLETIONS).mock(
        side_effect=lambda r: attacks_reply(*many) if is_enumeration(json.loads(r.content)) else fill_reply(r)
    )

    result = run(articles, "enumerate", "--structured-output", "json_object")

    assert result.exit_code == 0, result.output
    assert route.call_count == 1 + ENUMERATE_CAP
    (record,) = records()
    assert any(f"{len(many)} attacks listed: only the first {ENUMERATE_CAP}" in w for w in record["warnings"])
    assert len(record["incidents"]) == 1, "eight fills of one attack are one incident"


def test_an_article_with_no_attack_costs_one_short_request(articles, httpx2_mock):
    route = httpx2_mock.post(COMPLETIONS).mock(return_value=completion('{"attacks": []}'))

    assert run(articles, "enumerate", "--structured-output", "json_object").exit_code == 0

    assert route.call_count == 1 and is_enumeration(body(route.calls[0]))
    assert records()[0]["incidents"] == []


def test_hybrid_sends_the_rules_candidates_and_excerpts_and_keeps_the_models_verdict(articles, httpx2_mock):
    # The model rejects the rules' Tillaberi candidate and adds the Diffa bombing.
    added = incident(DIFFA, location="Diffa", region="Diffa", attack_type="bombing", killed={"min": 3, "max": 3})
    route = httpx2_mock.post(COMPLETIONS).mock(return_value=completion(json.dumps({"incidents": [added]})))

    result = run(articles, "hybrid", "--structured-output", "json_object")

    assert result.exit_code == 0, result.output
    assert route.call_count == 1
    user = body(route.calls[0])["messages"][1]["content"]
    candidates = user.split("candidate incidents", 1)[1]
    assert "Tillaberi" in candidates and TILLABERI in candidates  # the rules' candidate, with its sentence
    excerpt = user.split("<article>", 1)[1].split("</article>", 1)[0]
    assert TILLABERI in excerpt and DIFFA in excerpt
    assert excerpt.count("The region has seen years of unrest.") < 20, "the long middle is not sent"
    assert len(excerpt) < len(ARTICLE["text"]) / 2
    (record,) = records()
    assert [(i["location"], i["attack_type"]) for i in record["incidents"]] == [("Diffa", "bombing")]


def test_the_strategy_is_part_of_the_cache_identity(articles, httpx2_mock):
    route = httpx2_mock.post(COMPLETIONS).mock(
        side_effect=lambda r: attacks_reply(TILLABERI) if is_enumeration(json.loads(r.content)) else fill_reply(r)
    )
    assert run(articles, "enumerate", "--structured-output", "json_object").exit_code == 0
    sent = route.call_count
    assert run(articles, "enumerate", "--structured-output", "json_object").exit_code == 0
    assert route.call_count == sent, "the same strategy is answered from the cache"
    assert run(articles, "one-call", "--structured-output", "json_object").exit_code == 0
    assert route.call_count == sent + 1, "another strategy is not served the enumerate answer"
    assert not is_enumeration(body(route.calls[-1]))


@pytest.mark.parametrize(
    ("args", "says"),
    [(["--strategy", "enumerate", "--model", "baseline"], "the offline baseline has no strategies"),
     (["--strategy", "nope", "--model", "m", "--base-url", BASE_URL], "strategy"),
     (["--strategy", "hybrid", "--model", "m", "--base-url", BASE_URL, "--batch"], "--batch sends one request")],
)  # fmt: skip
def test_strategy_misuse_is_one_line(articles, httpx2_mock, args, says):
    result = runner.invoke(app, ["run", articles, "-o", "out.jsonl", "-q", *args])  # no route: a request would fail
    assert result.exit_code == 2, result.output
    assert says in result.stderr and "Traceback" not in result.output
    assert not httpx2_mock.calls


def test_enumerate_against_the_fake_server(articles):
    from bench.fake_server import FakeConfig, FakeServer

    with FakeServer(FakeConfig(record_bodies=True)) as server:
        result = runner.invoke(app, ["run", articles, "--model", "fake-model", "--base-url", server.base_url,
                                     "--strategy", "enumerate", "-o", "out.jsonl", "-q"])  # fmt: skip
        bodies = [r.body for r in server.requests if r.body]
    assert result.exit_code == 0, result.output
    (record,) = records()
    assert record["status"] == "ok" and len(record["incidents"]) == 1
    assert record["incidents"][0]["grounded"]
    assert any(is_enumeration(b) for b in bodies) and any(not is_enumeration(b) for b in bodies)
