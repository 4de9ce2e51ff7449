"""Shared fixtures and helpers: an isolated environment, the golden feed, builders for mocked LLM replies, the
mocked Batch API, database and review fixtures. Test modules import helpers from here, never from each other."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.feeds import load_feed
from extractor.models import Article, ArticleRecord, GroundedIncident, Provenance
from extractor.store.database import open_db
from extractor.store.dbsink import DatabaseSink

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_FEED = ROOT / "golden" / "feed.xml"
BASE_URL = "http://llm.test/v1"
COMPLETIONS = f"{BASE_URL}/chat/completions"
SECRET = "sk-test-SECRET-do-not-leak-0123456789"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real credentials, endpoints or config leak in; the cache lives in tmp; cwd is tmp."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "EXTRACT_MODEL", "EXTRACT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXTRACT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def golden_articles() -> list[Article]:
    return load_feed(str(GOLDEN_FEED)).articles


def incident(quote: str, **overrides: object) -> dict:
    """A schema-valid incident dict quoting `quote`."""
    value = {
        "summary": "An attack.",
        "date": "2024-09-15",
        "date_text": "on Sunday",
        "country": "Niger",
        "region": "Tillaberi",
        "location": None,
        "attack_type": "armed_assault",
        "suicide": False,
        "perpetrators": [],
        "targets": [{"type": "military", "description": "soldiers"}],
        "weapons": ["firearms"],
        "killed": {"min": 5, "max": 5},
        "wounded": {"min": 25, "max": 25},
        "perpetrators_killed": None,
        "kidnapped": None,
        "claims": [],
        "evidence": [quote],
        "primary": True,
    }
    value.update(overrides)
    return value


def completion(
    content: str, prompt_tokens: int = 100, completion_tokens: int = 20, finish_reason: str = "stop"
) -> httpx.Response:
    """A chat completion whose message content is `content` (`finish_reason` "length": cut at max_tokens)."""
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "test-model",
            "choices": [
                {"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
    )


def extraction_reply(article_text: str, **overrides: object) -> httpx.Response:
    """A valid reply whose single incident quotes the article's first paragraph."""
    first_paragraph = article_text.split("\n\n")[0]
    return completion(json.dumps({"incidents": [incident(first_paragraph, **overrides)]}))


def request_json(call) -> dict:
    return json.loads(call.request.content)


def article_of(request: httpx.Request) -> str:
    """The article text a chat request carries (between <article> markers)."""
    user = json.loads(request.content)["messages"][1]["content"]
    return user.split("<article>\n", 1)[1].rsplit("\n</article>", 1)[0]


# A three-article feed for the mocked-endpoint tests, and its fixtures.
FEED = """<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>t</title>
<item><title>Ambush in Tillaberi</title><guid>a1</guid><pubDate>Thu, 19 Sep 2024 08:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>Gunmen killed five soldiers in Tillaberi on Sunday, the army said.</p><p>It was the third attack.</p>]]></content:encoded></item>
<item><title>Bomb in Diffa</title><guid>a2</guid><pubDate>Thu, 19 Sep 2024 08:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>An improvised explosive device killed five patrolling soldiers in Diffa on Monday.</p>]]></content:encoded></item>
<item><title>Raid in Agadez</title><guid>a3</guid><pubDate>Thu, 19 Sep 2024 08:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>Militants attacked a military outpost in Agadez on Tuesday, killing two soldiers.</p>]]></content:encoded></item>
</channel></rss>"""


@pytest.fixture
def feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    (tmp_path / "extract.toml").write_text("retry_initial_wait = 0.001\nretry_max_wait = 0.01\n")
    path = tmp_path / "feed.xml"
    path.write_text(FEED)
    return str(path)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits between retries, recorded instead of slept."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    from extractor.llm.client import OpenAICompatBackend

    monkeypatch.setattr(OpenAICompatBackend, "_sleep", staticmethod(record))
    return recorded


# `extract run` against the mocked endpoint, and the records it wrote.
runner = CliRunner()


def run_cli(feed: str, *args: str, output: str = "out.jsonl"):
    return runner.invoke(app, ["run", feed, "--model", "test-model", "--base-url", BASE_URL, "-o", output, "-q", *args])


def records(path: str = "out.jsonl") -> dict[str, ArticleRecord]:
    lines = Path(path).read_text().splitlines()
    return {r.article_id: r for r in (ArticleRecord.model_validate_json(line) for line in lines)}


def echo(request: httpx.Request) -> httpx.Response:
    return extraction_reply(article_of(request))


# The object nodes of a JSON schema.
def schema_objects(node):
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from schema_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_objects(value)


# A stateful mock of the Batch API (files and batches).
def article_in(body: dict) -> str:
    user = body["messages"][1]["content"]
    return user.split("<article>\n", 1)[1].rsplit("\n</article>", 1)[0]


def valid(body: dict) -> str:
    return json.dumps({"incidents": [incident(article_in(body).split("\n\n")[0])]})


class BatchAPI:
    """A stateful mock of /v1/files and /v1/batches: what each uploaded line gets is decided by `answer`."""

    def __init__(self, mock, polls_in_progress: int = 1) -> None:
        self.uploads: list[list[dict]] = []
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.polls_in_progress = polls_in_progress
        self.answer = lambda line, n: ("ok", valid(line["body"]))  # (kind, content) for line n of batch
        self.upload = mock.post(f"{BASE_URL}/files").mock(side_effect=self._upload)
        self.create = mock.post(f"{BASE_URL}/batches").mock(side_effect=self._create)
        self.retrieve = mock.get(url__regex=rf"{BASE_URL}/batches/[^/]+$").mock(side_effect=self._retrieve)
        self.content = mock.get(url__regex=rf"{BASE_URL}/files/[^/]+/content$").mock(side_effect=self._content)

    def _upload(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {SECRET}"
        body = request.content.decode()
        lines = [json.loads(line) for line in body.splitlines() if line.startswith('{"custom_id"')]
        self.uploads.append(lines)
        file_id = f"file-{len(self.files)}"
        self.files[file_id] = json.dumps(lines).encode()
        meta = {"id": file_id, "object": "file", "bytes": len(body), "created_at": 1, "filename": "requests.jsonl",
                "purpose": "batch", "status": "processed"}  # fmt: skip
        return httpx.Response(200, json=meta)

    def _create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert body["endpoint"] == "/v1/chat/completions" and body["completion_window"] == "24h"
        batch_id = f"batch_{len(self.batches)}"
        lines = json.loads(self.files[body["input_file_id"]])
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "input_file_id": body["input_file_id"],
            "completion_window": "24h", "status": "validating", "created_at": 1, "output_file_id": None,
            "error_file_id": None, "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "_polls": 0, "_lines": lines,
        }  # fmt: skip
        return httpx.Response(200, json=self._public(batch_id))

    def _public(self, batch_id: str) -> dict:
        return {k: v for k, v in self.batches[batch_id].items() if not k.startswith("_")}

    def _retrieve(self, request: httpx.Request) -> httpx.Response:
        batch_id = request.url.path.rsplit("/", 1)[1]
        batch = self.batches[batch_id]
        batch["_polls"] += 1
        if batch["_polls"] <= self.polls_in_progress:
            batch["status"] = "in_progress"
        elif batch["status"] != "completed":
            self._finish(batch_id)
        return httpx.Response(200, json=self._public(batch_id))

    def _finish(self, batch_id: str) -> None:
        batch, output, errors = self.batches[batch_id], [], []
        for n, line in enumerate(batch["_lines"]):
            kind, content = self.answer(line, n)
            if kind == "failed":
                error = {"status_code": 500, "body": {"error": {"message": "server error", "code": None}}}
                errors.append({"custom_id": line["custom_id"], "response": error, "error": None})
                continue
            completion = {
                "id": "c", "object": "chat.completion", "created": 1, "model": line["body"]["model"],
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100,
                          "prompt_tokens_details": {"cached_tokens": 500}},
            }  # fmt: skip
            output.append({"custom_id": line["custom_id"], "response": {"status_code": 200, "body": completion}})
        for key, rows in (("output_file_id", output), ("error_file_id", errors)):
            if rows:
                file_id = f"file-{len(self.files)}"
                self.files[file_id] = "".join(json.dumps(r) + "\n" for r in rows).encode()
                batch[key] = file_id
        batch["status"] = "completed"
        batch["request_counts"] = {"total": len(batch["_lines"]), "completed": len(output), "failed": len(errors)}

    def _content(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=self.files[request.url.path.split("/")[-2]])


# Records written straight into an incident database.
def identity(model: str = "m1") -> dict:
    return {"backend": "test", "model": model, "prompt_name": "p", "config_hash": f"{model}-cafe0123", "schema_hash": "s"}


def article(n: int, text: str | None = None) -> Article:
    return Article(id=f"a{n}", title=f"Attack {n}", link=f"https://www.news.test/{n}",
                   text=text or f"Gunmen killed {n} soldiers in Gao on Sunday. It was attack {n}.")  # fmt: skip


def record(art: Article, n_incidents: int = 1, model: str = "m1") -> ArticleRecord:
    quote = art.text.split(". ")[0]
    incidents = [GroundedIncident(**incident(quote, country="Mali", region="Gao"), grounded=True)] * n_incidents
    return ArticleRecord(article_id=art.id, title=art.title, link=art.link, status="ok", incidents=incidents,
                         provenance=Provenance(backend="test", model=model, schema_hash="s"))  # fmt: skip


def write(path: Path, arts: list[Article], model: str = "m1", **kw) -> DatabaseSink:
    sink = DatabaseSink(open_db(path, **kw), "")
    sink.run_id = sink.db.register_run(identity(model))
    for art in sink.select(arts):
        sink.write(record(art, model=model))
    return sink


# The review fixtures: a stored run and an incident database with events.
REVIEW_FIXTURES = Path(__file__).parent / "fixtures" / "review"
REVIEW_FEED = str(REVIEW_FIXTURES / "feed.xml")


def stored_run(tmp_path: Path, name: str = "run-a", predictions: str = "predictions.jsonl") -> Path:
    """A run folder as `extract eval` writes it, pointing at the fixture feed and labels."""
    run = tmp_path / "runs" / name
    run.mkdir(parents=True)
    shutil.copy(REVIEW_FIXTURES / predictions, run / "predictions.jsonl")
    manifest = {
        "run_id": name, "started": "2026-11-25T10:00:00Z", "backend": "openai", "model": "test-model",
        "endpoint": "http://127.0.0.1:9/v1", "prompt_name": "extract-v2", "prompt_hash": "abc123", "schema_hash": "s1",
        "modes": ["json_schema"], "parameters": {}, "code_revision": "test", "feed": REVIEW_FEED,
        "golden": str(REVIEW_FIXTURES / "labels.jsonl"), "golden_sha256": "x", "articles": 4, "failed": 1,
        "usage": {"prompt_tokens": 3600, "completion_tokens": 1200, "total_tokens": 4800}, "estimated_cost_usd": 0.0048,
    }  # fmt: skip
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return run


def make_db(tmp_path: Path) -> Path:
    """An incident database holding the fixture run plus a second outlet's report of the Zamfara attack, with events."""
    from extractor.events.storage import update_events
    from extractor.feeds import load_feed
    from extractor.models import Article, ArticleRecord, Count
    from extractor.store.database import open_db
    from extractor.store.records import read_records

    articles = {a.id: a for a in load_feed(REVIEW_FEED).articles}
    records, _ = read_records(REVIEW_FIXTURES / "predictions.jsonl")
    other = Article(
        id="b1", title="Market attack in Zamfara", link="https://news.example.com/b1",
        published=records[0].published, text="Gunmen killed 15 people at a market in Anka on Sunday, residents said.",
    )  # fmt: skip
    zamfara = (
        records[0]
        .incidents[0]
        .model_copy(
            update={
                "killed": Count(min=15, max=15),
                "claims": [],
                "evidence": ["Gunmen killed 15 people at a market in Anka"],
            }
        )
    )
    second = ArticleRecord(
        article_id="b1", title=other.title, link=other.link, published=other.published, status="ok",
        incidents=[zamfara], provenance=records[0].provenance,
    )  # fmt: skip
    path = tmp_path / "incidents.db"
    with open_db(path) as db:
        run_id = db.register_run({"model": "test-model", "prompt_name": "extract-v2", "config_hash": "abcdef12"})
        for record in records:
            db.write_record(run_id, articles[record.article_id], record)
        db.write_record(run_id, other, second)
        update_events(db)
    return path


# Other feed formats, and the golden feed served over loopback.
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom news</title><id>urn:feed</id><updated>2024-09-19T10:00:00+02:00</updated>
<entry><title>Attack in Diffa</title><id>urn:uuid:1</id><link href="https://news.test/diffa?utm_source=x&amp;id=7"/>
<updated>2024-09-19T10:00:00+02:00</updated>
<content type="html">&lt;p&gt;An IED killed five soldiers.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;Second paragraph.&lt;/p&gt;</content>
</entry></feed>"""


RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.test/"><title>RDF news</title><link>https://news.test/</link><description>d</description></channel>
<item rdf:about="https://news.test/a?utm_medium=rss"><title>Raid in Agadez</title>
<link>https://news.test/a?utm_medium=rss</link><description>Militants attacked an outpost.</description>
<dc:date>2024-09-17T06:00:00Z</dc:date></item>
</rdf:RDF>"""


@pytest.fixture
def feed_server():
    """The golden feed served over HTTP on loopback."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(GOLDEN_FEED.parent))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# Debian's Chromium for the browser tests (never a downloaded one); `$EXTRACT_CHROMIUM` names another executable.
CHROMIUM = os.environ.get("EXTRACT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

# The service's tests: two bearer tokens, an article as the API takes it, a runtime over a fresh database.
TOKEN = "test-token-0123456789abcdef"
OTHER_TOKEN = "other-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SERVICE_DEADLINE_S = 120


def article_json(article) -> dict:
    return {"id": article.id, "title": article.title, "text": article.text, "url": article.link,
            "published": article.published.isoformat() if article.published else None}  # fmt: skip


def make_runtime(tmp_path: Path, **overrides):
    from extractor.service import ServiceConfig
    from extractor.service.runtime import Runtime

    values = {"db": tmp_path / "service.db", "tokens": (TOKEN, OTHER_TOKEN), "settings": {"model": "baseline"},
              "rate_limit": 0} | overrides  # fmt: skip
    config = ServiceConfig(**values)
    config.check()
    return Runtime(config)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_healthy(base: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the service exited with {process.returncode}")
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(condition, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + SERVICE_DEADLINE_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    if process is not None:
        process.kill()
    raise AssertionError(f"gave up waiting for {what} after {SERVICE_DEADLINE_S} s")


# A real PostgreSQL server for the store's second engine (tests/pg_server.py): one per session, a database per test.
@pytest.fixture(scope="session")
def pg_server():
    from tests import pg_server as pg

    given = os.environ.get(pg.URL_ENV)
    if given:
        yield given
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        psycopg = None
    binaries = pg.server_binaries()
    if binaries is None or psycopg is None:
        reason = ("no PostgreSQL server binary (apt-get install postgresql, or set EXTRACT_PG_URL)" if binaries is None
                  else "psycopg is not installed (pip install -e '.[test]')")  # fmt: skip
        if os.environ.get(pg.REQUIRE_ENV) == "1":
            pytest.fail(f"{pg.REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)
    server = pg.Server(binaries)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: str, request: pytest.FixtureRequest):
    """The URL of an empty database of its own on the test server."""
    from tests import pg_server as pg

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    url = pg.create_database(pg_server, name)
    yield url
    pg.drop_database(pg_server, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An incident database target on each engine: an SQLite file, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "incidents.db")
    return request.getfixturevalue("pg_url")
