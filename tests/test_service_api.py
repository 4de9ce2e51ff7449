"""The service's HTTP API through FastAPI's TestClient: every endpoint, authentication refused and accepted,
filters, pagination, body and count limits, the rate limit, no CORS. The offline baseline extracts."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from extractor.errors import ConfigError  # noqa: E402
from extractor.service import ServiceConfig, tokens_from  # noqa: E402
from extractor.service.api import create_app  # noqa: E402

from .conftest import AUTH, OTHER_TOKEN, TOKEN, article_json, make_runtime  # noqa: E402

OTHER = OTHER_TOKEN


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path):
    """The service over each engine: an SQLite file, or a database on the test PostgreSQL server."""
    db = tmp_path / "service.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    made = make_runtime(tmp_path, db=db)
    yield made
    asyncio.run(made.close())


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime, start_background=False)) as test_client:
        yield test_client


@pytest.fixture
def loaded(client, golden_articles):
    """The golden feed's ten articles posted in one request."""
    response = client.post("/v1/extract", json={"articles": [article_json(a) for a in golden_articles]}, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


# -- authentication -------------------------------------------------------------------------------------------------


def test_writes_need_a_valid_token_and_the_token_is_never_echoed(client, golden_articles, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    body = article_json(golden_articles[1])
    missing = client.post("/v1/extract", json=body)
    wrong = client.post("/v1/extract", json=body, headers={"Authorization": "Bearer wrong-token-0123456789abcdef"})
    basic = client.post("/v1/extract", json=body, headers={"Authorization": f"Basic {TOKEN}"})
    assert missing.status_code == wrong.status_code == basic.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    accepted = client.post("/v1/extract", json=body, headers={"Authorization": f"Bearer {OTHER}"})
    assert accepted.status_code == 200
    for response in (missing, wrong, basic, accepted):
        assert TOKEN not in response.text and OTHER not in response.text
        assert TOKEN not in json.dumps(dict(response.headers))
    assert TOKEN not in caplog.text and OTHER not in caplog.text


def test_reads_need_a_token_unless_public_read(tmp_path: Path, runtime) -> None:
    with TestClient(create_app(runtime, start_background=False)) as closed:
        assert closed.get("/v1/incidents").status_code == 401
        assert closed.get("/v1/incidents", headers=AUTH).status_code == 200
        assert closed.get("/health").status_code == 200  # liveness stays open
    public = make_runtime(tmp_path / "public", public_read=True)
    try:
        with TestClient(create_app(public, start_background=False)) as open_client:
            assert open_client.get("/v1/incidents").status_code == 200
            assert open_client.get("/v1/feeds").status_code == 200
            assert open_client.get("/v1/incidents", headers={"Authorization": "Bearer nope"}).status_code == 401
            assert open_client.post("/v1/feeds", json={"url": "http://127.0.0.1:9/feed"}).status_code == 401
    finally:
        asyncio.run(public.close())


def test_the_configuration_refuses_an_open_or_weak_service(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no API token"):
        ServiceConfig(db=tmp_path / "x.db").check()
    with pytest.raises(ConfigError, match="refused on 0.0.0.0"):
        ServiceConfig(db=tmp_path / "x.db", host="0.0.0.0", no_auth=True).check()
    ServiceConfig(db=tmp_path / "x.db", host="127.0.0.1", no_auth=True).check()
    ServiceConfig(db=tmp_path / "x.db", host="0.0.0.0", tokens=(TOKEN,)).check()
    with pytest.raises(ConfigError, match="shorter than") as refused:
        tokens_from(["short-secret"])
    assert "short-secret" not in str(refused.value)
    assert tokens_from([TOKEN], {"EXTRACT_API_TOKENS": f" {OTHER} ,, {TOKEN}"}) == (TOKEN, OTHER)


def test_no_cors_headers_for_another_origin(client) -> None:
    preflight = client.options("/v1/incidents", headers={"Origin": "https://evil.example",
                                                         "Access-Control-Request-Method": "GET"})  # fmt: skip
    simple = client.get("/v1/incidents", headers={**AUTH, "Origin": "https://evil.example"})
    for response in (preflight, simple):
        assert not any(h.lower().startswith("access-control-") for h in response.headers)
    assert preflight.status_code in (401, 405)


def test_the_rate_limit_answers_429_with_retry_after_per_token(tmp_path: Path) -> None:
    limited = make_runtime(tmp_path, rate_limit=3)
    try:
        with TestClient(create_app(limited, start_background=False)) as test_client:
            codes = [test_client.get("/v1/feeds", headers=AUTH).status_code for _ in range(4)]
            assert codes == [200, 200, 200, 429]
            refused = test_client.get("/v1/feeds", headers=AUTH)
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
            assert test_client.get("/v1/feeds", headers={"Authorization": f"Bearer {OTHER}"}).status_code == 200
    finally:
        asyncio.run(limited.close())


# -- POST /v1/extract -----------------------------------------------------------------------------------------------


def test_extract_one_article_stores_its_record_and_the_same_content_is_not_extracted_again(
    client, runtime, golden_articles
) -> None:
    calls = []
    original = runtime.pipeline.extract

    async def counting(article):
        calls.append(article.id)
        return await original(article)

    runtime.pipeline.extract = counting
    body = article_json(golden_articles[1])  # "At Least 12 Soldiers Killed in Niger Attacks"
    first = client.post("/v1/extract", json=body, headers=AUTH).json()
    assert first["run_id"] == runtime.run_id
    (record,) = first["records"]
    assert record["article_id"] == body["id"] and record["status"] == "ok" and record["incidents"]
    assert record["incidents"][0]["country"] == "Niger"
    stored = runtime.reader().query("SELECT count(*) AS n FROM incidents WHERE article_id = ?", [body["id"]])
    assert stored[0]["n"] == len(record["incidents"])
    again = client.post("/v1/extract", json=body, headers=AUTH).json()
    assert again["records"][0]["incidents"] == record["incidents"]
    assert calls == [body["id"]]  # answered from the database the second time
    changed = client.post("/v1/extract", json={**body, "text": body["text"] + " Updated."}, headers=AUTH)
    assert changed.status_code == 200 and calls == [body["id"], body["id"]]


def test_extract_bounds_the_body_the_article_count_and_the_shape(tmp_path: Path, golden_articles) -> None:
    small = make_runtime(tmp_path, max_body_bytes=4096, max_articles=2)
    try:
        with TestClient(create_app(small, start_background=False)) as test_client:
            big = {"id": "a", "title": "t", "text": "x" * 5000}
            assert test_client.post("/v1/extract", json=big, headers=AUTH).status_code == 413

            def chunks():  # no Content-Length: the streamed body is cut at the limit
                yield b'{"id": "a", "title": "t", "text": "'
                for _ in range(10):
                    yield b"y" * 1000
                yield b'"}'

            streamed = test_client.post("/v1/extract", content=chunks(),
                                        headers={**AUTH, "Content-Type": "application/json"})  # fmt: skip
            assert streamed.status_code == 413
            three = {"articles": [{"id": str(n), "title": "t", "text": "Gunmen killed 3."} for n in range(3)]}
            assert test_client.post("/v1/extract", json=three, headers=AUTH).status_code == 413
            assert test_client.post("/v1/extract", json={"id": "x"}, headers=AUTH).status_code == 422
            assert test_client.post("/v1/extract", json={"id": "x", "text": "t", "evil": 1},
                                    headers=AUTH).status_code == 422  # fmt: skip
            twice = {"articles": [{"id": "same", "text": "a"}, {"id": "same", "text": "b"}]}
            assert test_client.post("/v1/extract", json=twice, headers=AUTH).status_code == 422
    finally:
        asyncio.run(small.close())


# -- reading --------------------------------------------------------------------------------------------------------


def all_pages(client, path: str, **params) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        response = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})}, headers=AUTH)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            return items
        assert pages < 100


def test_incidents_paginate_without_loss_or_repeat(client, loaded) -> None:
    everything = client.get("/v1/incidents", params={"limit": 500}, headers=AUTH).json()
    assert everything["next"] is None
    total = sum(len(r["incidents"]) for r in loaded["records"])
    assert len(everything["items"]) == total > 4
    paged = all_pages(client, "/v1/incidents", limit=2)
    assert [i["incident_id"] for i in paged] == [i["incident_id"] for i in everything["items"]]
    assert client.get("/v1/incidents", params={"cursor": "not-a-cursor"}, headers=AUTH).status_code == 400
    assert client.get("/v1/incidents", params={"limit": 0}, headers=AUTH).status_code == 422


def test_incident_filters_country_type_dates_and_full_text(client, loaded) -> None:
    items = client.get("/v1/incidents", params={"limit": 500}, headers=AUTH).json()["items"]
    countries = {i["country"] for i in items if i["country"]}
    assert len(countries) >= 2
    country = sorted(countries)[0]
    only = all_pages(client, "/v1/incidents", country=country.lower())
    assert only and {i["country"] for i in only} == {country}
    assert len(only) == sum(i["country"] == country for i in items)
    kind = items[0]["attack_type"]
    typed = all_pages(client, "/v1/incidents", attack_type=kind)
    assert typed and {i["attack_type"] for i in typed} == {kind} and len(typed) == sum(i["attack_type"] == kind for i in items)
    dated = sorted(i["date"] for i in items if i["date"])
    middle = dated[len(dated) // 2][:10]
    after = all_pages(client, "/v1/incidents", **{"from": middle})
    before = all_pages(client, "/v1/incidents", to=middle)
    assert after and before and all(i["date"] >= middle for i in after) and all(i["date"][:10] <= middle for i in before)
    assert client.get("/v1/incidents", params={"from": "yesterday"}, headers=AUTH).status_code == 422
    found = all_pages(client, "/v1/incidents", q="Bamako")
    assert found and len(found) < len(items)
    texts = {r["article_id"] for r in loaded["records"]}
    assert {i["article_id"] for i in found} <= texts
    assert all_pages(client, "/v1/incidents", q="zebra-unicorn") == []
    assert client.get("/v1/incidents", params={"q": '" OR 1=1 --'}, headers=AUTH).status_code == 200


def test_incidents_as_geojson(client, loaded) -> None:
    response = client.get("/v1/incidents", params={"format": "geojson", "limit": 3}, headers=AUTH)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 3
    assert collection["next"] is not None
    located = [f for f in collection["features"] if f["geometry"]]
    assert all(f["geometry"]["type"] == "Point" for f in located)


def test_events_are_rebuilt_after_an_extract_and_paginate(tmp_path: Path, golden_articles) -> None:
    import time

    live = make_runtime(tmp_path / "live", tick_s=0.02)
    with TestClient(create_app(live)) as client:  # the worker runs: it rebuilds the events once idle
        body = {"articles": [article_json(a) for a in golden_articles]}
        assert client.post("/v1/extract", json=body, headers=AUTH).status_code == 200
        deadline = time.monotonic() + 60
        while not client.get("/v1/events", headers=AUTH).json()["items"] and time.monotonic() < deadline:
            time.sleep(0.05)
        check_events(client)


def check_events(client) -> None:
    events = all_pages(client, "/v1/events", limit=2)
    assert events and all(e["n_incidents"] >= 1 and isinstance(e["figures"], list) for e in events)
    assert len({e["event_id"] for e in events}) == len(events)
    country = events[0]["country"]
    if country:
        assert {e["country"] for e in all_pages(client, "/v1/events", country=country)} == {country}
    assert all_pages(client, "/v1/events", q="zebra-unicorn") == []


def test_exports_in_acled_gtd_and_csv_shapes(client, loaded) -> None:
    import csv

    fixtures = Path(__file__).parent / "fixtures" / "exports"
    for fmt in ("acled", "gtd"):
        response = client.get(f"/v1/export?format={fmt}", headers=AUTH)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(response.text.splitlines()))
        assert rows[0] == (fixtures / f"{fmt}-columns.txt").read_text().split(), fmt
        assert len(rows) - 1 == sum(len(r["incidents"]) for r in loaded["records"]), fmt
    events = client.get("/v1/export?what=events&format=acled", headers=AUTH)
    assert events.status_code == 200
    assert client.get("/v1/export?format=xlsx", headers=AUTH).status_code == 422
    assert client.get("/v1/export?format=acled").status_code == 401


def test_an_article_with_its_record_and_a_missing_one(client, loaded) -> None:
    article_id = loaded["records"][0]["article_id"]  # a URL-shaped id: slashes and a query
    assert "/" in article_id
    response = client.get(f"/v1/articles/{quote(article_id, safe='')}", headers=AUTH)  # the id URL-encoded
    assert response.status_code == 200
    body = response.json()
    assert body["article_id"] == article_id and body["text"] and body["record"]["status"] == "ok"
    assert client.get("/v1/articles/no-such-article", headers=AUTH).status_code == 404


# -- feeds ----------------------------------------------------------------------------------------------------------


def test_feeds_added_listed_paginated_and_deleted(client) -> None:
    created = client.post("/v1/feeds", json={"url": "http://127.0.0.1:9/a.xml", "interval": 60, "name": "A"},
                          headers=AUTH)  # fmt: skip
    assert created.status_code == 201
    feed = created.json()
    assert feed["status"] == "new" and feed["interval_s"] == 60 and feed["name"] == "A" and "etag" not in feed
    assert client.post("/v1/feeds", json={"url": "http://127.0.0.1:9/a.xml"}, headers=AUTH).status_code == 409
    for bad in ({"url": "file:///etc/passwd"}, {"url": "ftp://x/y"}, {"url": "http://127.0.0.1:9/b", "interval": 1}):
        assert client.post("/v1/feeds", json=bad, headers=AUTH).status_code == 422
    for n in range(3):
        assert client.post("/v1/feeds", json={"url": f"http://127.0.0.1:9/{n}.xml"}, headers=AUTH).status_code == 201
    listed = all_pages(client, "/v1/feeds", limit=2)
    assert len(listed) == 4 and listed[0]["feed_id"] == feed["feed_id"]
    assert client.get(f"/v1/feeds/{feed['feed_id']}", headers=AUTH).json()["url"] == feed["url"]
    assert client.delete(f"/v1/feeds/{feed['feed_id']}").status_code == 401
    assert client.delete(f"/v1/feeds/{feed['feed_id']}", headers=AUTH).status_code == 204
    assert client.delete(f"/v1/feeds/{feed['feed_id']}", headers=AUTH).status_code == 404
    assert client.get(f"/v1/feeds/{feed['feed_id']}", headers=AUTH).status_code == 404


# -- operations -----------------------------------------------------------------------------------------------------


def test_health_metrics_openapi_and_review(client, loaded, runtime) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["run_id"] == runtime.run_id and "queued" in health["queue"]
    assert client.get("/metrics").status_code == 401
    metrics = client.get("/metrics", headers=AUTH)
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    ok = sum(r["status"] == "ok" for r in loaded["records"])
    assert f'extract_articles_total{{status="ok"}} {float(ok)}' in metrics.text
    assert "extract_queue_depth 0.0" in metrics.text and "extract_feed_fetch_errors_total 0.0" in metrics.text
    assert "extract_tokens_total" in metrics.text and "extract_cost_usd_total" in metrics.text
    spec = client.get("/openapi.json").json()
    assert {"/v1/extract", "/v1/incidents", "/v1/events", "/v1/feeds", "/v1/feeds/{feed_id}", "/health",
            "/metrics", "/review"} <= set(spec["paths"])  # fmt: skip
    assert "ArticleRecord" in spec["components"]["schemas"] and "GroundedIncident" in json.dumps(spec)
    assert client.get("/docs").status_code == 404  # no page loading scripts from a CDN
    assert client.get("/review").status_code == 401
    page = client.get("/review", headers=AUTH)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Bamako" in page.text and "<script" in page.text


def test_serve_refuses_to_start_open_or_with_a_weak_token(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from extractor.cli import app

    monkeypatch.delenv("EXTRACT_API_TOKENS", raising=False)
    runner = CliRunner()
    db = tmp_path / "never.db"
    for args, message in ((["--host", "127.0.0.1"], "no API token"),
                          (["--host", "0.0.0.0", "--no-auth"], "refused on 0.0.0.0"),
                          (["--token", "weak"], "shorter than")):  # fmt: skip
        result = runner.invoke(app, ["serve", "--db", str(db), "--model", "baseline", *args])
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
        assert "weak" not in result.output.replace("weak token", "")
    assert not db.exists()


def test_a_down_endpoint_is_503_with_retry_after_and_nothing_stored(client, runtime, golden_articles) -> None:
    from extractor.errors import EndpointUnavailable

    async def down(article):
        raise EndpointUnavailable("endpoint http://127.0.0.1:9/v1 cannot be reached")

    runtime.pipeline.extract = down
    response = client.post("/v1/extract", json=article_json(golden_articles[0]), headers=AUTH)
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    assert runtime.reader().query("SELECT count(*) AS n FROM extractions")[0]["n"] == 0


def test_the_config_never_shows_its_tokens(tmp_path: Path) -> None:
    config = ServiceConfig(db=tmp_path / "x.db", tokens=(TOKEN,))
    assert TOKEN not in repr(config) and TOKEN not in str(config)


def test_the_rate_limiter_refills_and_forgets_idle_callers() -> None:
    from extractor.service.auth import RateLimiter

    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one a second, bursts of 60
    assert all(limiter.take("a") == 0 for _ in range(60))
    assert limiter.take("a") == pytest.approx(1.0)
    now[0] += 2.0
    assert limiter.take("a") == 0 and limiter.take("a") == 0 and limiter.take("a") > 0


def test_serve_on_a_taken_port_is_one_line_and_opens_nothing(tmp_path: Path, monkeypatch) -> None:
    import socket

    from typer.testing import CliRunner

    from extractor.cli import app

    monkeypatch.setenv("EXTRACT_API_TOKENS", TOKEN)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "p.db"), "--port", str(port),
                                          "--model", "baseline"])  # fmt: skip
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output and TOKEN not in result.output and not (tmp_path / "p.db").exists()


def test_serve_without_the_serve_extra_says_how_to_install_it(tmp_path: Path, monkeypatch) -> None:
    import importlib.util

    from typer.testing import CliRunner

    from extractor.cli import app

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    monkeypatch.setenv("EXTRACT_API_TOKENS", TOKEN)
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "x.db"), "--model", "baseline"])
    assert result.exit_code == 2 and "uvicorn not installed" in result.output and "serve extra" in result.output
