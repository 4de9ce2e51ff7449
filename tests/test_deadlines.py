"""Deadlines and size caps on every network read: a feed URL that trickles is stopped at fetch_timeout, a body
over max_feed_bytes is refused, a gzip body is decoded; an LLM endpoint that trickles its reply is stopped at
--timeout and the article's budget, and the article's record is written with the error."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import FeedError
from extractor.feeds import FetchLimits, iter_articles, load_feed
from extractor.models import ArticleRecord

from .conftest import FEED

runner = CliRunner()
GOLDEN_FEED = Path(__file__).parent.parent / "golden" / "feed.xml"


class _Server:
    """A loopback HTTP server in a thread; `requests` holds (method, path, body) of what it received."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.requests: list[tuple[str, str, bytes]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                owner.requests.append(("GET", self.path, b""))
                owner.serve(self)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.requests.append(("POST", self.path, body))
                owner.serve(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        path = handler.path
        try:
            if path.startswith("/trickle") or path.endswith("/chat/completions"):
                handler.send_response(200)
                handler.send_header("Content-Type", "application/json" if "chat" in path else "application/rss+xml")
                handler.send_header("Content-Length", "100000")
                handler.end_headers()
                while not self.stop.wait(0.2):  # a byte at a time: every read gets something, the body never ends
                    handler.wfile.write(b" ")
                    handler.wfile.flush()
            elif path == "/big":  # no Content-Length: only counting the bytes finds out
                handler.send_response(200)
                handler.send_header("Connection", "close")
                handler.end_headers()
                chunk = b"<!-- " + b"x" * 65536 + b" -->"
                for _ in range(64):
                    handler.wfile.write(chunk)
            elif path == "/gzip":
                body = gzip.compress(GOLDEN_FEED.read_bytes())
                handler.send_response(200)
                handler.send_header("Content-Type", "application/rss+xml")
                handler.send_header("Content-Encoding", "gzip")
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)
            else:
                handler.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()


def test_a_trickling_feed_is_stopped_at_its_total_deadline(server: _Server) -> None:
    with pytest.raises(FeedError, match=r"not fetched within the deadline of 1 s \(setting fetch_timeout\)"):
        load_feed(f"{server.url}/trickle", FetchLimits(timeout=1))
    assert server.requests[0][:2] == ("GET", "/trickle")


def test_the_cli_names_the_fetch_deadline_in_one_line(server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRACT_FETCH_TIMEOUT", "1")

    result = runner.invoke(app, ["run", f"{server.url}/trickle", "--model", "baseline", "-o", "out.jsonl", "-q"])

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error:") and "fetch_timeout" in lines[-1] and "Traceback" not in result.stderr
    assert not Path("out.jsonl").exists()


def test_a_body_over_the_size_cap_is_refused(server: _Server) -> None:
    with pytest.raises(FeedError, match=r"body larger than 1000000 bytes \(setting max_feed_bytes\)"):
        load_feed(f"{server.url}/big", FetchLimits(max_bytes=1_000_000))


def test_a_gzip_feed_is_decoded_and_parsed(server: _Server) -> None:
    articles = list(iter_articles(f"{server.url}/gzip"))

    assert len(articles) == 10 and articles[0].id == "https://thedefensepost.com/?p=85891"


def test_the_fetch_settings_are_settings() -> None:
    from extractor.settings import LLMSettings

    defaults = LLMSettings()
    assert (defaults.fetch_timeout, defaults.max_feed_bytes) == (30.0, 50 * 1024 * 1024)


def test_a_trickling_llm_endpoint_fails_the_articles_at_the_timeout_not_the_run(
    server: _Server, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED)
    (tmp_path / "extract.toml").write_text("max_attempts = 1\nretry_initial_wait = 0\n")

    result = runner.invoke(
        app,
        ["run", str(feed), "--model", "test-model", "--base-url", f"{server.url}/v1", "-o", "out.jsonl", "-q",
         "--timeout", "1", "--article-budget", "3", "--concurrency", "3", "--no-cache"],
    )  # fmt: skip

    assert result.exit_code == 1, result.output  # articles failed; the run itself finished
    got = [ArticleRecord.model_validate_json(line) for line in Path("out.jsonl").read_text().splitlines()]
    assert sorted(r.article_id for r in got) == ["a1", "a2", "a3"]
    assert all(r.status == "failed" and "BackendTimeout" in (r.error or "") for r in got)
    assert any("--timeout 1 s" in (r.error or "") for r in got)
    posts = [body for method, path, body in server.requests if method == "POST"]
    assert posts and all(path == "/v1/chat/completions" for method, path, _ in server.requests if method == "POST")
    sent = json.loads(posts[0])
    assert sent["model"] == "test-model" and any("Gunmen" in m["content"] or "Militants" in m["content"]
                                                   or "An " in m["content"] for m in sent["messages"])


def test_the_article_budget_bounds_every_window_of_an_article(server: _Server, tmp_path: Path) -> None:
    paragraph = "Gunmen killed three villagers near the market on Monday, officials said. " * 8
    line = {"id": "long", "title": "Long", "text": "\n\n".join([paragraph] * 12)}
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps(line) + "\n")
    (tmp_path / "extract.toml").write_text("max_attempts = 1\nretry_initial_wait = 0\n")

    result = runner.invoke(
        app,
        ["run", str(articles), "--model", "test-model", "--base-url", f"{server.url}/v1", "-o", "out.jsonl", "-q",
         "--timeout", "2", "--article-budget", "1", "--max-input-chars", "1000", "--no-cache"],
    )  # fmt: skip

    assert result.exit_code == 1, result.output
    (record,) = [ArticleRecord.model_validate_json(x) for x in Path("out.jsonl").read_text().splitlines()]
    assert record.status == "failed" and "BackendTimeout" in (record.error or "")
    assert "--article-budget" in (record.error or "")
    posts = [body for method, _, body in server.requests if method == "POST"]
    assert len(posts) == 1, "the first window's request used the budget up: no window after it was asked"
