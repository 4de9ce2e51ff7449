"""Nothing of the API key survives into records, errors or logs, whatever a server echoes: not whole, not masked
with its first and last characters kept, not in a response header logged with -v."""

from __future__ import annotations

import http.server
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import hide_secret, scrub
from extractor.models import ArticleRecord

runner = CliRunner()
KEY = "sk-live-Q7rT9vWx2Zy4Ab6Cd8Ef0Gh1Jk3Lm5"
MASKED = f"{KEY[:8]}{'*' * 20}{KEY[-4:]}"  # how OpenAI-style servers echo a wrong key
ARTICLE = {"id": "a1", "title": "Raid", "text": "Gunmen killed three soldiers in Agadez, Niger, on Monday."}


def _parts(text: str) -> list[str]:
    """Whatever of KEY shows in `text`: the key, its first 8 or its last 4 characters."""
    return [p for p in (KEY, KEY[:8], KEY[3:11], KEY[-4:], KEY[-8:]) if p in text]


@pytest.fixture
def echo_server() -> Iterator[tuple[str, list[dict]]]:
    seen: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": json.loads(body)})
            reply = json.dumps({"error": {"message": f"Incorrect API key provided: {MASKED}. You sent {KEY}"}})
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Echo-Key", KEY)
            self.send_header("X-Echo-Masked", MASKED)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply.encode())

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", seen
    httpd.shutdown()
    httpd.server_close()


def test_an_echoed_key_is_in_no_record_error_or_verbose_log(
    echo_server: tuple[str, list[dict]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, seen = echo_server
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    (tmp_path / "extract.toml").write_text("max_attempts = 1\n")
    articles = tmp_path / "in.jsonl"
    articles.write_text(json.dumps(ARTICLE) + "\n")
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # basicConfig installs the CLI's handler afresh

    result = runner.invoke(
        app, ["-v", "run", str(articles), "--model", "test-model", "--base-url", base_url, "-o", "out.jsonl", "-q",
              "--no-cache"],
    )  # fmt: skip

    assert seen and seen[0]["path"] == "/v1/chat/completions" and seen[0]["auth"] == f"Bearer {KEY}"
    assert seen[0]["body"]["model"] == "test-model"
    assert "Gunmen killed" in json.dumps(seen[0]["body"]["messages"])
    assert result.exit_code == 1, result.output
    (record,) = [ArticleRecord.model_validate_json(line) for line in Path("out.jsonl").read_text().splitlines()]
    assert record.status == "failed" and "HTTP 400" in record.error and "Incorrect API key" in record.error
    assert _parts(record.model_dump_json()) == []
    assert "x-echo-key" in result.stderr.lower(), "-v did log the response headers"
    assert _parts(result.stderr) == [] and _parts(result.stdout) == []


def test_a_masked_key_loses_its_prefix_and_suffix() -> None:
    text = f"Incorrect API key provided: {MASKED}; or {KEY[:8]}...{KEY[-4:]}; header (b'x-key', b'{KEY}')"

    hidden = hide_secret(text, KEY)

    assert _parts(hidden) == [] and "Incorrect API key provided: ***" in hidden
    assert hide_secret("killed 12 people in 2024", KEY) == "killed 12 people in 2024"


def test_a_registered_key_is_scrubbed_everywhere() -> None:
    from extractor.errors import remember_secret

    remember_secret(KEY)

    assert _parts(scrub(f"echo {KEY[-8:]} and {KEY[:10]}***")) == []
