"""The fake OpenAI-compatible server in bench/: valid answers, limits, faults, rejections, recording, shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import pydantic
import pytest

from bench.fake_server import FakeConfig, FakeServer, article_key
from extractor.models import Extraction

from .conftest import ROOT

ARTICLE = (
    "Gunmen killed six people in an attack on a village in Zamfara State on Sunday.\n\n"
    "Police said the attackers arrived on motorcycles. Residents fled."
)


def messages(text: str = ARTICLE) -> list[dict[str, str]]:
    user = f"Title: Attack\nPublished: unknown\n\n<article>\n{text}\n</article>"
    return [{"role": "system", "content": "Extract incidents."}, {"role": "user", "content": user}]


def chat(server: FakeServer, text: str = ARTICLE, timeout: float = 5.0, **extra) -> httpx.Response:
    body = {"model": "m", "messages": messages(text), **extra}
    return httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=timeout)


def content(response: httpx.Response) -> str:
    return response.json()["choices"][0]["message"]["content"]


def test_valid_completion_validates_and_quotes_the_article():
    with FakeServer() as server:
        response = chat(server)
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion" and data["choices"][0]["finish_reason"] == "stop"
    assert data["usage"]["total_tokens"] == data["usage"]["prompt_tokens"] + data["usage"]["completion_tokens"]
    extraction = Extraction.model_validate_json(content(response))
    assert len(extraction.incidents) == 1
    evidence = extraction.incidents[0].evidence[0]
    assert evidence == "Gunmen killed six people in an attack on a village in Zamfara State on Sunday."
    assert evidence in ARTICLE


def test_without_markers_the_whole_last_user_message_is_the_article():
    with FakeServer() as server:
        body = {"model": "m", "messages": [{"role": "user", "content": "Short. A bomb exploded at the market."}]}
        response = httpx.post(f"{server.base_url}/chat/completions", json=body)
    assert Extraction.model_validate_json(content(response)).incidents[0].evidence == ["A bomb exploded at the market."]


def test_models_endpoint_lists_the_model():
    with FakeServer(FakeConfig(model="fake-x")) as server:
        response = httpx.get(f"{server.base_url}/models")
    assert response.json()["data"][0]["id"] == "fake-x"


def test_rpm_limit_gives_429_with_retry_after():
    with FakeServer(FakeConfig(rpm=2)) as server:
        statuses = [chat(server).status_code for _ in range(2)]
        limited = chat(server)
    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    error = limited.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
    assert server.stats == {"ok": 2, "rate_limited": 1}


def test_tpm_limit_counts_message_and_completion_tokens():
    with FakeServer(FakeConfig(tpm=300)) as server:
        first, second = chat(server), chat(server)
    used = first.json()["usage"]["total_tokens"]
    assert used <= 300 < 2 * used
    assert (first.status_code, second.status_code) == (200, 429)
    assert "Retry-After" in second.headers


def test_forced_429_uses_the_configured_retry_after():
    with FakeServer(FakeConfig(p_429=1.0, retry_after=3)) as server:
        response = chat(server)
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"


def test_forced_500():
    with FakeServer(FakeConfig(p_500=1.0)) as server:
        assert chat(server).status_code == 500


def test_reject_modes_emulate_llama_cpp_and_lm_studio():
    config = FakeConfig(reject_modes={"json_schema", "json_object"})
    schema_format = {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
    with FakeServer(config) as server:
        llama = chat(server, response_format=schema_format)
        lm_studio = chat(server, response_format={"type": "json_object"})
        plain = chat(server)
    assert llama.status_code == 500 and "Input should be 'text' or 'json_object'" in llama.text
    assert lm_studio.status_code == 400 and "'response_format.type' must be 'json_schema'" in lm_studio.text
    assert plain.status_code == 200


def test_malformed_share_gives_non_json_content():
    with FakeServer(FakeConfig(p_malformed=1.0)) as server:
        response = chat(server)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(content(response))


def test_schema_violation_is_json_but_not_an_extraction():
    with FakeServer(FakeConfig(p_schema_violation=1.0)) as server:
        responses = [chat(server) for _ in range(4)]
    for response in responses:
        assert isinstance(json.loads(content(response)), dict)
        with pytest.raises(pydantic.ValidationError):
            Extraction.model_validate_json(content(response))


def test_timeout_share_hangs_past_the_client_timeout():
    with FakeServer(FakeConfig(p_timeout=1.0, hang_s=30)) as server, pytest.raises(httpx.ReadTimeout):
        chat(server, timeout=0.2)
    assert server.stats == {"timeout": 1}


def test_shares_are_drawn_from_the_seed():
    config = FakeConfig(p_500=0.5, seed=7)
    with FakeServer(config) as server:
        first = [chat(server).status_code for _ in range(20)]
        server.reset()
        again = [chat(server).status_code for _ in range(20)]
    assert first == again and {200, 500} == set(first)


def test_requests_are_recorded_with_bodies_and_article_keys():
    other = "A second article about a bombing that hit a bus station."
    with FakeServer() as server:
        chat(server, temperature=0)
        chat(server)
        chat(server, text=other)
        records = list(server.requests)
        server.reset()
        after_reset = (list(server.requests), dict(server.stats))
    assert [r.article_key for r in records].count(article_key(ARTICLE)) == 2
    assert records[2].article_key == article_key(other)
    assert records[0].body == {"model": "m", "messages": messages(), "temperature": 0}
    assert [r.status for r in records] == [200, 200, 200] and server.stats == {}
    assert after_reset == ([], {})


def test_unparsable_body_is_a_recorded_400():
    with FakeServer() as server:
        response = httpx.post(f"{server.base_url}/chat/completions", content=b"{not json")
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"
    assert [(r.status, r.outcome, r.body) for r in server.requests] == [(400, "bad_request", None)]


def test_bodies_can_be_left_out_of_the_records():
    with FakeServer(FakeConfig(record_bodies=False)) as server:
        chat(server)
    assert server.requests[0].body is None and server.requests[0].article_key == article_key(ARTICLE)


def test_server_stops_on_exit():
    with FakeServer() as server:
        url = server.base_url
        assert chat(server).status_code == 200
    assert not server._thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models")


def test_bad_config_is_refused():
    with pytest.raises(ValueError):
        FakeConfig(p_500=0.6, p_429=0.6)
    with pytest.raises(ValueError):
        FakeConfig(reject_modes={"xml"})


def test_command_line_prints_the_url_and_stops_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_server", "--port", "0", "--p-500", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        body = {"model": "m", "messages": messages()}
        assert httpx.post(f"{base_url}/chat/completions", json=body).status_code == 500
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert json.loads(process.stderr.read()) == {"error_500": 1}
    finally:
        process.kill()
