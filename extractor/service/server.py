"""`serve` (the API on uvicorn, with the worker and scheduler in its lifespan) and `watch` (the worker and the
scheduler alone, for a command line without cron). Both stop gracefully on SIGTERM / Ctrl-C: no new work,
in-flight articles finished, events rebuilt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ConfigError
from ..store import work
from .config import ServiceConfig, require_serve_extra
from .runtime import Runtime

log = logging.getLogger("extractor.service")


def serve(config: ServiceConfig, on_ready: Callable[[str], None] | None = None) -> None:
    """Run the service until SIGTERM or Ctrl-C (uvicorn's graceful shutdown drains the queue worker)."""
    require_serve_extra("fastapi", "uvicorn", "prometheus_client")
    import uvicorn

    from .api import create_app

    config.check()
    sock = _bind(config.host, config.port)  # before anything else: a taken port is one line, nothing opened
    try:
        runtime = Runtime(config)
    except BaseException:
        sock.close()
        raise
    if on_ready:
        port = sock.getsockname()[1]
        on_ready(f"serving {config.db} (run {runtime.run_id}) on http://{config.host}:{port}"
                 + (f"; {runtime.requeued} unfinished article(s) queued again" if runtime.requeued else ""))  # fmt: skip
    app = create_app(runtime)

    class Server(uvicorn.Server):
        """uvicorn's server, whose graceful stop on SIGTERM / Ctrl-C ends the process normally (exit 0) instead of
        raising the signal again once drained."""

        @contextlib.contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    server = Server(uvicorn.Config(
        app, host=config.host, port=config.port, log_level="warning", access_log=False, proxy_headers=False,
        server_header=False, timeout_graceful_shutdown=int(config.drain_timeout_s), lifespan="on",
    ))  # fmt: skip  (uvicorn's access log is off: a request line never carries a token, but keep logs lean)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        asyncio.run(runtime.close())  # (already closed by the app's lifespan after a normal stop)
    if on_ready:
        left = runtime.left_queued
        on_ready("stopped: in-flight articles finished" + (f"; {left} queued for the next start" if left else ""))


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket (IPv4 or IPv6 by the host's form); ConfigError when the address cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


@dataclass
class WatchSummary:
    feeds: int = 0
    polls: int = 0
    not_modified: int = 0
    failed: int = 0
    queued: int = 0
    done: int = 0


def watch(config: ServiceConfig, feeds: list[str], every_s: int, *, once: bool = False,
          on_ready: Callable[[str], None] | None = None) -> WatchSummary:  # fmt: skip
    """Subscribe `feeds` (URLs or files) in the database at `every_s` seconds and keep them extracted: with `once`,
    poll each once, extract what is new, rebuild the events and return; else until SIGTERM / Ctrl-C."""
    if not feeds:
        raise ConfigError("give at least one feed URL or file to watch")
    require_serve_extra("prometheus_client")
    runtime = Runtime(config)
    return asyncio.run(_watch(runtime, feeds, every_s, once, on_ready))


async def _watch(runtime: Runtime, feeds: list[str], every_s: int, once: bool, on_ready) -> WatchSummary:
    summary = WatchSummary(feeds=len(feeds))
    try:
        subscribed = [runtime.write_sync(lambda db, url=url: work.ensure_feed(db, url, every_s)) for url in feeds]
        ids = [feed["feed_id"] for feed in subscribed]
        before, polled = work.queue_counts(runtime.reader()), _fetch_counts(runtime, ids)
        if on_ready:
            on_ready(f"watching {len(feeds)} feed(s) every {every_s} s into {runtime.path} (run {runtime.run_id})")
        await runtime.start(scheduler=not once)
        if once:
            for feed in subscribed:
                full = runtime.write_sync(lambda db, f=feed: work.due_feeds(db, _far_future()))
                row = next(r for r in full if r["feed_id"] == feed["feed_id"])
                await runtime.poll_once(row)
            await runtime.drain()
        else:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        await runtime.stop()
        after, fetched = work.queue_counts(runtime.reader()), _fetch_counts(runtime, ids)
        summary.polls, summary.not_modified, summary.failed = (a - b for a, b in zip(fetched, polled))
        summary.queued = sum(after.values()) - sum(before.values())
        summary.done = after["done"] - before["done"]
        return summary
    finally:
        await runtime.close()


def _fetch_counts(runtime: Runtime, feed_ids: list[int]) -> tuple[int, int, int]:
    """Fetches, 304s and failed fetches so far of the given feeds."""
    rows = [work.get_feed(runtime.reader(), feed_id) for feed_id in feed_ids]
    return tuple(sum(r[k] for r in rows if r) for k in ("fetches", "not_modified", "errors"))  # type: ignore[return-value]


def _far_future():
    import datetime as dt

    return dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)
