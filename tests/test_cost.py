"""Money: the price table and its overrides, cost and cached tokens on records and the run summary, --max-cost,
and a static prompt prefix that providers' prefix caches can reuse."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from extractor.cli import app
from extractor.errors import BudgetExceeded, ConfigError
from extractor.llm.pricing import Budget, Price, estimate_usage, lookup, price_table
from extractor.llm.prompts import list_prompts, load_prompt, render
from extractor.models import Usage

from .conftest import BASE_URL, COMPLETIONS, SECRET, article_of, incident, records, request_json, run_cli, runner


def test_prices_match_the_longest_model_prefix_and_unknown_models_have_no_price() -> None:
    table = price_table()
    assert lookup(table, "gpt-4o-mini") == table["gpt-4o-mini"]
    assert lookup(table, "gpt-4o-mini-2024-07-18") == table["gpt-4o-mini"]  # not gpt-4o
    assert lookup(table, "gpt-4o-2024-08-06") == table["gpt-4o"]
    assert lookup(table, "qwen2.5:7b") is None


def test_config_prices_and_a_price_file_override_the_shipped_table(tmp_path: Path) -> None:
    price_file = tmp_path / "prices.json"
    price_file.write_text(json.dumps({"gpt-4o-mini": {"input": 1, "output": 2}, "local": {"input": 5, "output": 5}}))
    table = price_table({"local": {"input": 0, "output": 0}}, str(price_file))
    assert table["gpt-4o-mini"] == Price(input=1, output=2)
    assert table["local"].cost(Usage(prompt_tokens=10**6, completion_tokens=10**6)) == 0.0  # config wins
    with pytest.raises(ConfigError, match="price of bad: input"):
        price_table({"bad": {"input": -1, "output": 0}})
    with pytest.raises(ConfigError, match="price file"):
        price_table(None, str(tmp_path / "missing.json"))


def test_cost_counts_cached_input_at_its_price_and_takes_off_the_batch_discount() -> None:
    price = Price(input=2.0, cached_input=0.5, output=8.0, batch_discount=0.5)
    usage = Usage(prompt_tokens=1_000_000, cached_tokens=400_000, completion_tokens=100_000, total_tokens=1_100_000)
    assert price.cost(usage) == pytest.approx(0.6 * 2.0 + 0.4 * 0.5 + 0.1 * 8.0)  # 2.2
    assert price.cost(usage, batch=True) == pytest.approx(1.1)
    assert Price(input=2.0, output=8.0).cost(usage) == pytest.approx(2.0 + 0.8)  # no cached price: full price


def test_the_budget_refuses_a_request_that_would_exceed_the_cap() -> None:
    budget = Budget(cap_usd=0.01, price=Price(input=1.0, output=1.0))
    reserved = budget.reserve(estimate_usage(4000, 1000))  # 2000 tokens: $0.002
    assert reserved == pytest.approx(0.002)
    budget.settle(reserved, Usage(prompt_tokens=1000, completion_tokens=0, total_tokens=1000))
    assert budget.spent_usd == pytest.approx(0.001)
    with pytest.raises(BudgetExceeded, match=r"spent \$0.0010 on 1 request"):
        budget.reserve(estimate_usage(40_000, 0))  # $0.01 more


def cached_reply(request: httpx.Request) -> httpx.Response:
    """A valid reply whose usage reports 80 of its 100 prompt tokens as cached."""
    content = json.dumps({"incidents": [incident(article_of(request).split("\n\n")[0])]})
    return httpx.Response(200, json={
        "id": "c", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120,
                  "prompt_tokens_details": {"cached_tokens": 80}},
    })  # fmt: skip


def test_records_and_summary_carry_cost_and_cached_tokens(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=cached_reply)

    result = run_cli(feed, "--model", "gpt-4o-mini")

    assert result.exit_code == 0, result.output
    assert route.call_count == 3 and request_json(route.calls[0])["model"] == "gpt-4o-mini"
    expected = (20 * 0.15 + 80 * 0.075 + 20 * 0.60) / 1e6  # shipped gpt-4o-mini prices
    for record in records().values():
        assert record.provenance.usage.cached_tokens == 80
        assert record.provenance.cost_usd == pytest.approx(expected)
    assert "360 tokens (300 in, 240 of them cached, 60 out)" in result.stderr
    assert f"cost ${3 * expected:.4f} (estimated)" in result.stderr


def test_an_unknown_model_has_an_unknown_cost_not_zero(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=cached_reply)

    result = run_cli(feed)  # test-model: not in the table

    assert result.exit_code == 0, result.output
    assert route.call_count == 3
    assert {r.provenance.cost_usd for r in records().values()} == {None}
    assert "cost unknown" in result.stderr


def test_max_cost_stops_the_run_before_the_cap_and_keeps_finished_work(feed: str, httpx2_mock) -> None:
    with open("extract.toml", "a") as config:
        config.write('prices = {"test-model" = {input = 1.0, output = 1.0}}\n')  # $1 per million tokens

    def expensive(request: httpx.Request) -> httpx.Response:
        reply = cached_reply(request)
        body = json.loads(reply.content)
        body["usage"] = {"prompt_tokens": 2000, "completion_tokens": 0, "total_tokens": 2000}  # $0.002 a request
        return httpx.Response(200, json=body)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=expensive)

    # Each request is estimated at prompt chars / 4 + 100 tokens (about $0.001-0.002) before it is sent: the third
    # would take $0.004 spent over the $0.005 cap.
    result = run_cli(feed, "--concurrency", "1", "--max-tokens", "100", "--max-cost", "0.005")

    assert result.exit_code == 1
    assert route.call_count == 2
    assert [article_of(c.request).split()[0] for c in route.calls] == ["Gunmen", "An"]
    got = records()
    assert set(got) == {"a1", "a2"} and all(r.status == "ok" for r in got.values())
    assert "cost cap $0.0050 reached: spent $0.0040 on 2 request(s)" in result.stderr
    assert "finished articles are in out.jsonl" in result.stderr


@pytest.mark.httpx2(assert_all_called=False)
def test_max_cost_needs_a_price_for_the_model(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=cached_reply)

    result = run_cli(feed, "--max-cost", "1")

    assert result.exit_code == 2
    assert route.call_count == 0
    assert "--max-cost needs a price for model test-model" in result.stderr


def test_the_static_prompt_prefix_is_byte_identical_across_articles(feed: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=cached_reply)

    result = run_cli(feed)

    assert result.exit_code == 0, result.output
    bodies = [request_json(call) for call in route.calls]
    assert len(bodies) == 3
    systems = {body["messages"][0]["content"].encode() for body in bodies}
    assert len(systems) == 1, "the system message (instructions, schema) must not vary by article"
    assert len({body["messages"][1]["content"] for body in bodies}) == 3
    assert all(body["messages"][0]["role"] == "system" for body in bodies)


@pytest.mark.parametrize("name", [n for n in list_prompts() if "{{examples}}" not in load_prompt(n).text])
def test_every_prompt_keeps_article_fields_out_of_its_static_part(name: str, golden_articles) -> None:
    template = load_prompt(name)
    first, second = (render(template, a, a.text) for a in golden_articles[:2])
    assert first[0] == second[0]
    assert first[1] != second[1]
    for placeholder in ("{{title}}", "{{published}}", "{{text}}", "{{calendar}}"):
        assert placeholder not in template.sections()["system"]


def test_an_eval_manifest_carries_the_cost_and_cached_tokens(httpx2_mock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=cached_reply)

    args = ["eval", "--runs-dir", "runs", "-q", "--golden", "seed", "--model", "gpt-4o-mini", "--base-url", BASE_URL]
    result = runner.invoke(app, [*args, "--name", "priced"])

    assert result.exit_code == 0, result.output
    assert route.call_count == 10 and request_json(route.calls[0])["model"] == "gpt-4o-mini"
    manifest = json.loads(Path("runs/priced/manifest.json").read_text())
    assert manifest["usage"]["cached_tokens"] == 800
    assert manifest["estimated_cost_usd"] == pytest.approx(10 * (20 * 0.15 + 80 * 0.075 + 20 * 0.60) / 1e6)
