"""`extract serve` (the HTTP API over an incident database), `extract watch` (feeds kept extracted, no server) and
`extract worker` (one of several processes working one shared queue)."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import app, err, guarded
from .options import SettingOptions, with_setting_options

Db = Annotated[
    str, typer.Option("--db", help="The incident database (SQLite file or postgresql:// URL; created when missing).")
]


def _config(db: str, llm: SettingOptions, **values):
    from ..service import ServiceConfig

    return ServiceConfig(db=db, settings=llm.settings(), config_file=llm.config, prompt=llm.prompt,
                         cache_dir=llm.cache_dir, no_cache=llm.no_cache, **values)  # fmt: skip


def _say(line: str) -> None:
    err.print(line, highlight=False)


@app.command()
@with_setting_options
def serve(
    db: Db,
    host: Annotated[str, typer.Option(help="Address to bind (a non-loopback address needs a token).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[
        list[str] | None,
        typer.Option("--token", help="An API bearer token (repeatable; also EXTRACT_API_TOKENS, comma-separated)."),
    ] = None,
    public_read: Annotated[bool, typer.Option("--public-read", help="Let GET endpoints answer without a token.")] = False,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="No token at all: everything open (refused unless bound to 127.0.0.1).")
    ] = False,
    rate_limit: Annotated[int, typer.Option(min=0, help="Requests per minute per token (0: no limit).")] = 600,
    max_body_bytes: Annotated[int, typer.Option(min=1024, help="Largest request body (bytes); more is 413.")] = 2_097_152,
    max_articles: Annotated[int, typer.Option(min=1, help="Most articles one POST /v1/extract may carry.")] = 50,
    *,
    llm: SettingOptions,
) -> None:
    """Serve the HTTP API over an incident database, extracting posted articles and subscribed feeds."""
    from ..service import serve as run_service, tokens_from

    def start() -> None:
        config = _config(db, llm, host=host, port=port, tokens=tokens_from(token), public_read=public_read,
                         no_auth=no_auth, rate_limit=rate_limit, max_body_bytes=max_body_bytes,
                         max_articles=max_articles)  # fmt: skip
        run_service(config, on_ready=_say)

    guarded(start)


@app.command()
@with_setting_options
def watch(
    feeds: Annotated[list[str], typer.Argument(help="Feed URLs or files to keep extracted.")],
    db: Db,
    every: Annotated[str, typer.Option("--every", help="Poll interval: seconds, or 30s, 15m, 2h, 1d.")] = "15m",
    once: Annotated[bool, typer.Option("--once", help="Poll each feed once, extract what is new, and exit.")] = False,
    *,
    llm: SettingOptions,
) -> None:
    """Keep feeds extracted into an incident database: conditional polls, new and changed articles only."""
    from ..service import parse_duration, watch as run_watch

    summary = guarded(lambda: run_watch(_config(db, llm, no_auth=True), feeds, parse_duration(every), once=once,
                                        on_ready=_say))  # fmt: skip
    _say(f"{summary.polls} poll(s), {summary.not_modified} unchanged (304), {summary.failed} failed; "
         f"{summary.queued} article(s) queued, {summary.done} extracted")


@app.command()
@with_setting_options
def worker(
    db: Db,
    exit_when_idle: Annotated[
        bool, typer.Option("--exit-when-idle", help="Exit once nothing is queued or claimed (the events merged).")
    ] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Articles this process extracts at once (default: the concurrency).")
    ] = None,
    claim_timeout: Annotated[
        float, typer.Option(min=1, help="Seconds without a heartbeat after which another worker takes a claim over.")
    ] = 60.0,
    heartbeat: Annotated[float, typer.Option(min=0.1, help="Seconds between two heartbeats of the claims.")] = 5.0,
    *,
    llm: SettingOptions,
) -> None:
    """Work the queue of a shared incident database (postgresql://, queued by run --enqueue): claim, extract, store."""
    from ..service.worker import run_worker

    config = _config(db, llm, no_auth=True, workers=workers, claim_timeout_s=claim_timeout, heartbeat_s=heartbeat)
    summary = guarded(lambda: run_worker(config, exit_when_idle=exit_when_idle, on_ready=_say))
    _say(f"{summary.done} article(s) extracted in run {summary.run_id}, {summary.taken_over} claim(s) of stopped "
         f"workers taken over, {summary.left_queued} left queued")
