"""A local feed server for tests and benchmarks: RSS documents on 127.0.0.1 with ETag and Last-Modified, answering
conditional GETs with 304, counting what it was asked, and noting the most requests it had in flight at once."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape


def rss(items: list[tuple[str, str, str]], title: str = "Test feed", *, start: datetime | None = None,
        step_hours: float = 1.0) -> bytes:  # fmt: skip
    """An RSS 2.0 document of (guid, title, text) items, published `step_hours` apart back from `start`."""
    start = start or datetime(2024, 9, 20, 8, 0, tzinfo=timezone.utc)
    body = "".join(
        f"<item><title>{escape(t)}</title><guid isPermaLink=\"false\">{escape(g)}</guid>"
        f"<link>https://news.test/{escape(g)}</link>"
        f"<pubDate>{format_datetime(start - timedelta(hours=n * step_hours))}</pubDate>"
        f"<description>{escape(text)}</description></item>"
        for n, (g, t, text) in enumerate(items)
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>https://news.test/</link><description>d</description>{body}</channel></rss>").encode()  # fmt: skip


def attack_items(n: int, prefix: str = "a", towns=("Bamako", "Niamey", "Mogadishu", "Kabul")) -> list[tuple[str, str, str]]:
    return [
        (f"{prefix}-{k}", f"Gunmen kill {k + 2} in attack near {towns[k % len(towns)]}",
         f"Gunmen killed {k + 2} villagers in an attack near {towns[k % len(towns)]} on Thursday, officials said. "
         f"At least {k + 1} others were wounded in the assault on the market.")
        for k in range(n)
    ]  # fmt: skip


@dataclass
class Stats:
    requests: int = 0
    conditional: int = 0  # requests carrying If-None-Match or If-Modified-Since
    not_modified: int = 0  # answered 304
    errors: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    by_path: dict[str, int] = field(default_factory=dict)


class FeedServer:
    """`server.documents[path] = bytes` (or `server.failing.add(path)` for HTTP 500); `delay_s` per answer."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.documents: dict[str, bytes] = {}
        self.failing: set[str] = set()
        self.delay_s = delay_s
        self.stats = Stats()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                with outer.lock:
                    s = outer.stats
                    s.requests += 1
                    s.by_path[self.path] = s.by_path.get(self.path, 0) + 1
                    s.in_flight += 1
                    s.max_in_flight = max(s.max_in_flight, s.in_flight)
                try:
                    if outer.delay_s:
                        time.sleep(outer.delay_s)
                    self._answer()
                finally:
                    with outer.lock:
                        outer.stats.in_flight -= 1

            def _answer(self) -> None:
                if self.path in outer.failing or self.path not in outer.documents:
                    with outer.lock:
                        outer.stats.errors += 1
                    self.send_response(500 if self.path in outer.failing else 404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = outer.documents[self.path]
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                modified = "Fri, 20 Sep 2024 08:00:00 GMT"
                conditional = self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
                with outer.lock:
                    outer.stats.conditional += bool(conditional)
                if self.headers.get("If-None-Match") == etag:
                    with outer.lock:
                        outer.stats.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
