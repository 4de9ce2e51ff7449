"""The HTTP API (FastAPI): routes thin over the store and the runtime; auth, rate limit and body bound as
dependencies and one middleware. No CORS middleware: browsers on other origins get no access."""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
from importlib import resources
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from ..errors import ConfigError, EndpointUnavailable, ExtractorError, StoreError
from ..store import query, work
from .auth import RateLimiter, TokenCheck, caller_id
from .runtime import Runtime
from .schemas import (
    ArticleBatch,
    ArticleIn,
    ArticleOut,
    EventOut,
    EventPage,
    ExtractOut,
    FeedIn,
    FeedOut,
    FeedPage,
    Health,
    IncidentPage,
    JudgementIn,
    JudgementOut,
    JudgementPage,
)

log = logging.getLogger("extractor.service")
MAX_PAGE = 500
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")]
Country = Annotated[str | None, Query(max_length=200)]
DateFrom = Annotated[str | None, Query(alias="from", pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY-MM-DD")]
DateTo = Annotated[str | None, Query(alias="to", pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY-MM-DD")]
AttackType = Annotated[str | None, Query(max_length=100)]
Search = Annotated[str | None, Query(max_length=500, description="Words all found in the article (full text).")]
Cursor = Annotated[str | None, Query(max_length=500)]
Format = Annotated[str, Query(pattern="^(json|geojson)$")]
ExportWhat = Annotated[str, Query(pattern="^(incidents|events)$")]
ExportFormat = Annotated[str, Query(pattern="^(csv|acled|gtd|jsonl|geojson)$")]
_SUFFIX = {"jsonl": "jsonl", "geojson": "geojson"}
ArticleId = Annotated[str, Path(max_length=2000)]


class BodyLimit:
    """Answer 413 to a request body larger than `limit` bytes: at once when Content-Length says so, else as soon as
    the streamed body passes it (it is read into memory up to the limit, never further)."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            return await self._too_large(send)
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                return await self._too_large(send)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send) -> None:
        payload = json.dumps({"detail": f"request body larger than {self.limit} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})  # fmt: skip
        await send({"type": "http.response.body", "body": payload})


def encode_cursor(key: Any) -> str | None:
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind: type) -> Any:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["k"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise HTTPException(400, "bad cursor: pass the `next` value of the previous page") from None
    if not isinstance(key, kind) or isinstance(key, bool):
        raise HTTPException(400, "bad cursor: pass the `next` value of the previous page")
    return key


def create_app(runtime: Runtime, *, start_background: bool = True) -> FastAPI:
    """The API over `runtime`; with `start_background`, its worker and scheduler run for the app's lifetime (the
    lifespan: started with the server, drained on its graceful shutdown)."""
    config = runtime.config
    tokens = TokenCheck(config.tokens)
    limiter = RateLimiter(config.rate_limit)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if start_background:
            await runtime.start()
        try:
            yield
        finally:
            if start_background:
                await runtime.stop()
                await runtime.close()

    app = FastAPI(title="incident-extractor", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Armed-violence incidents extracted from news, as a service.")  # fmt: skip
    app.state.runtime = runtime
    app.add_middleware(BodyLimit, limit=config.max_body_bytes)

    def caller(request: Request, *, write: bool) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, presented = header.partition(" ")
        presented = presented.strip() if scheme.lower() == "bearer" else ""
        if tokens.valid(presented):
            return "t:" + caller_id(presented)
        if not tokens.enabled:  # --no-auth, on a loopback address only (ServiceConfig.check)
            return "a:" + (request.client.host if request.client else "?")
        if header or write or not config.public_read:
            raise HTTPException(401, "a valid bearer token is required (Authorization: Bearer TOKEN)",
                                headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        return "a:" + (request.client.host if request.client else "?")

    def limited(who: str) -> None:
        wait = limiter.take(who)
        if wait:
            raise HTTPException(429, "rate limit exceeded", headers={"Retry-After": RateLimiter.retry_after(wait)})

    def reader_auth(request: Request) -> None:
        limited(caller(request, write=False))

    def writer_auth(request: Request) -> None:
        limited(caller(request, write=True))

    Read = [Depends(reader_auth)]
    Write = [Depends(writer_auth)]

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.warning("store: %s", exc)
        return JSONResponse({"detail": "the incident database is busy or unreadable; try again"}, status_code=503)

    # -- extraction -----------------------------------------------------------------------------------------------

    @app.post("/v1/extract", response_model=ExtractOut, dependencies=Write, tags=["extract"])
    async def extract(body: ArticleIn | ArticleBatch) -> ExtractOut:
        """One article object, or {"articles": [...]}: their records, through the same pipeline, cache and checks
        as `extract run`, stored in the database. The same content again is answered from the database."""
        given = body.articles if isinstance(body, ArticleBatch) else [body]
        if len(given) > config.max_articles:
            raise HTTPException(413, f"at most {config.max_articles} articles per request")
        ids = [a.id for a in given]
        if len(set(ids)) != len(ids):
            raise HTTPException(422, "the same article id twice in one request")
        try:
            records = await runtime.extract_now([a.article() for a in given])
        except (EndpointUnavailable, ConfigError) as exc:
            log.warning("extract: %s", exc)
            raise HTTPException(503, "the extraction endpoint is unavailable; try again later",
                                headers={"Retry-After": "30"}) from None  # fmt: skip
        return ExtractOut(run_id=runtime.run_id, records=records)

    # -- reading --------------------------------------------------------------------------------------------------


    @app.get("/v1/incidents", response_model=IncidentPage, dependencies=Read, tags=["read"],
             responses={200: {"content": {"application/geo+json": {}}}})  # fmt: skip
    def incidents(country: Country = None, date_from: DateFrom = None, date_to: DateTo = None,
                  attack_type: AttackType = None, q: Search = None, cursor: Cursor = None, limit: Limit = 50,
                  format: Format = "json") -> Any:  # fmt: skip
        """The current run's incidents, filtered, a page at a time; `format=geojson` for a FeatureCollection (with
        the `next` cursor as a member)."""
        filters = query.Filters(country, date_from, date_to, attack_type, q)
        after = decode_cursor(cursor, int) or 0
        rows, key = query.list_incidents(runtime.reader(), filters, run_id=runtime.run_id, after=after, limit=limit)
        if format == "geojson":
            from ..store.export import write_export

            stream = io.StringIO()
            write_export(rows, "geojson", stream)
            collection = json.loads(stream.getvalue())
            collection["next"] = encode_cursor(key)
            return JSONResponse(collection, media_type="application/geo+json")
        return IncidentPage(items=rows, next=encode_cursor(key))

    @app.get("/v1/events", response_model=EventPage, dependencies=Read, tags=["read"])
    def events(country: Country = None, date_from: DateFrom = None, date_to: DateTo = None,
               attack_type: AttackType = None, q: Search = None, cursor: Cursor = None,
               limit: Limit = 50) -> EventPage:  # fmt: skip
        """The current run's events (incidents merged across articles), filtered, a page at a time."""
        filters = query.Filters(country, date_from, date_to, attack_type, q)
        after = decode_cursor(cursor, str) or ""
        rows, key = query.list_events(runtime.reader(), filters, run_id=runtime.run_id, after=after, limit=limit)
        items = [EventOut(**{**r, "figures": json.loads(r["figures"] or "[]"), "claims": json.loads(r["claims"] or "[]")})
                 for r in rows]  # fmt: skip
        return EventPage(items=items, next=encode_cursor(key))

    @app.get("/v1/articles/{article_id:path}", response_model=ArticleOut, dependencies=Read, tags=["read"])
    def article(article_id: ArticleId) -> ArticleOut:
        """A stored article (text included) and its record in the current run."""
        db = runtime.reader()
        row = query.article_row(db, article_id)
        if row is None:
            raise HTTPException(404, "no such article")
        return ArticleOut(**row, record=db.read_record(article_id, runtime.run_id))

    @app.get("/v1/export", dependencies=Read, tags=["read"], response_class=Response,
             responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}, "application/geo+json": {}}}})
    def export(what: ExportWhat = "incidents", format: ExportFormat = "csv") -> Response:  # fmt: skip
        """The current run's incidents or events in one of `extract export`'s formats: csv, acled or gtd (the
        ACLED- and GTD-shaped column sets of docs/exports.md), jsonl or geojson; the whole run, not a page."""
        from ..store.export import export_run

        stream = io.StringIO()
        export_run(runtime.reader(), format, what, stream, runtime.run_id)
        media = {"jsonl": "application/x-ndjson", "geojson": "application/geo+json"}.get(format, "text/csv")
        headers = {"Content-Disposition": f'attachment; filename="{what}-{format}.{_SUFFIX.get(format, "csv")}"'}
        return Response(stream.getvalue(), media_type=media, headers=headers)

    # -- feeds ----------------------------------------------------------------------------------------------------

    @app.post("/v1/feeds", response_model=FeedOut, status_code=201, dependencies=Write, tags=["feeds"])
    def add_feed(body: FeedIn) -> FeedOut:
        """Subscribe to a feed: polled at once, then every `interval` seconds (conditional GETs)."""
        try:
            feed = runtime.write_sync(lambda db: work.add_feed(db, body.url, body.interval, body.name))
        except StoreError as exc:
            if "already subscribed" in str(exc):
                raise HTTPException(409, "this feed URL is already subscribed") from None
            raise
        runtime.wake()
        return FeedOut(**feed)

    @app.get("/v1/feeds", response_model=FeedPage, dependencies=Read, tags=["feeds"])
    def list_feeds(cursor: Cursor = None, limit: Limit = 100) -> FeedPage:
        """Subscriptions with their last fetch, status and counts."""
        after = decode_cursor(cursor, int) or 0
        rows = work.list_feeds(runtime.reader(), after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return FeedPage(items=rows, next=encode_cursor(rows[-1]["feed_id"]) if more else None)

    @app.get("/v1/feeds/{feed_id}", response_model=FeedOut, dependencies=Read, tags=["feeds"])
    def get_feed(feed_id: int) -> FeedOut:
        feed = work.get_feed(runtime.reader(), feed_id)
        if feed is None:
            raise HTTPException(404, "no such feed")
        return FeedOut(**feed)

    @app.delete("/v1/feeds/{feed_id}", status_code=204, dependencies=Write, tags=["feeds"])
    def delete_feed(feed_id: int) -> Response:
        """Unsubscribe (articles already stored or queued stay)."""
        if not runtime.write_sync(lambda db: work.delete_feed(db, feed_id)):
            raise HTTPException(404, "no such feed")
        return Response(status_code=204)

    # -- judgements -----------------------------------------------------------------------------------------------

    @app.post("/v1/judgements", response_model=JudgementOut, status_code=201, dependencies=Write, tags=["judgements"])
    def judge(body: JudgementIn) -> JudgementOut:
        """Mark an incident of the current run correct or wrong (with a reason), correct one of its fields, or flag
        an incident the run missed (a sentence of the article); stored with who and when."""
        from ..errors import GoldenError
        from ..evaluation.judged import corrected, missed
        from ..store.judgements import add_judgement

        db = runtime.reader()
        found = db.query("SELECT text, content_hash FROM articles WHERE article_id = ?", [body.article_id])
        if not found:
            raise HTTPException(404, "no such article")
        text, digest = found[0]["text"], found[0]["content_hash"]
        try:
            if body.verdict == "missed":
                if body.incident_id is not None or body.n is not None:
                    raise GoldenError("a missed incident has no incident_id: give the sentence that reports it")
                if not body.sentence or " ".join(body.sentence.split()) not in " ".join(text.split()):
                    raise GoldenError("sentence: give a passage of the article's text that reports the incident")
                if body.value is not None and not isinstance(body.value, dict):
                    raise GoldenError("value: the missed incident's fields, as an object")
                missed(body.sentence, body.value)
            else:
                if body.incident_id is None and body.n is not None:  # the review page knows incidents by place
                    body.incident_id = next((r["incident_id"] for r in db.query(
                        "SELECT incident_id FROM incidents WHERE article_id = ? AND run_id = ? AND n = ?",
                        [body.article_id, runtime.run_id, body.n])), None)  # fmt: skip
                rows = db.query("SELECT json FROM incidents WHERE incident_id = ? AND article_id = ? AND run_id = ?",
                                [body.incident_id, body.article_id, runtime.run_id])  # fmt: skip
                if not rows:
                    raise GoldenError("incident_id: not an incident of this article in the current run")
                if body.verdict == "wrong" and body.reason is None:
                    raise GoldenError("reason: say why the incident is wrong")
                if body.verdict == "corrected":
                    if body.field is None:
                        raise GoldenError("field: name the field corrected")
                    corrected(json.loads(rows[0]["json"]), body.field, body.value)
        except GoldenError as exc:
            raise HTTPException(422, str(exc)) from None
        row = runtime.write_sync(lambda w: add_judgement(
            w, runtime.run_id, body.article_id, digest, verdict=body.verdict, reviewer=body.reviewer,
            incident_id=body.incident_id, reason=body.reason, field=body.field, value=body.value,
            sentence=body.sentence,
        ))  # fmt: skip
        return JudgementOut(**row)

    @app.get("/v1/judgements", response_model=JudgementPage, dependencies=Read, tags=["judgements"])
    def list_judgements(article_id: Annotated[str | None, Query(max_length=2000)] = None, cursor: Cursor = None,
                        limit: Limit = 100) -> JudgementPage:  # fmt: skip
        """The current run's judgements, oldest first (of one article with `article_id`)."""
        from ..store.judgements import list_judgements as listed

        after = decode_cursor(cursor, int) or 0
        rows = listed(runtime.reader(), runtime.run_id, article_id=article_id, after=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return JudgementPage(items=rows, next=encode_cursor(rows[-1]["judgement_id"]) if more else None)

    # -- operations -----------------------------------------------------------------------------------------------

    @app.get("/health", response_model=Health, tags=["operations"])
    def health() -> Health:
        """Liveness and the queue's state (no authentication: it tells nothing about the data)."""
        counts = work.queue_counts(runtime.reader())
        return Health(status="paused" if runtime.paused else "ok", run_id=runtime.run_id, queue=counts)

    @app.get("/metrics", dependencies=Read, tags=["operations"], response_class=Response)
    def metrics() -> Response:
        """Prometheus text format: articles done / failed / skipped, queue depth, fetches and fetch errors,
        tokens, cost, extraction latency."""
        body, content_type = runtime.metrics.render()
        return Response(body, media_type=content_type)

    @app.get("/review", dependencies=Read, response_class=HTMLResponse, tags=["read"])
    def review() -> HTMLResponse:
        """The review page of the current run, served from the database (the page `extract review --db` writes),
        with judgement controls: each incident marked correct or wrong (with a reason), a sentence selected in the
        text flagged as a missed incident; they post to /v1/judgements with the token typed into the page."""
        from ..review.database import load_database
        from ..review.page import render

        try:
            source, found = load_database(runtime.path, runtime.run_id)
        except ExtractorError as exc:
            raise HTTPException(404, str(exc).replace(str(runtime.path), "the database")) from None
        controls = (resources.files("extractor.service") / "judge.js").read_text(encoding="utf-8")
        return HTMLResponse(render(source, None, found, None, None, extra_script=controls, connect_self=True))

    return app
