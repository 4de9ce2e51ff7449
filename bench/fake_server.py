"""A fake OpenAI-compatible chat server for tests and benchmarks.

It answers `POST /v1/chat/completions` with one made-up incident whose evidence is the article's first
sentence, and can add latency, rpm/tpm limits (sliding 60 s window), random faults and the
response_format rejections of llama-cpp-python and LM Studio. Run it in a thread
(`with FakeServer(cfg) as server:`) or as a process (`python -m bench.fake_server --port 0 ...`).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import hashlib
import json
import math
import random
import re
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

WINDOW_S = 60.0
REJECT_TEXT = {
    "json_schema": (500, "Input should be 'text' or 'json_object'"),  # llama-cpp-python
    "json_object": (400, "'response_format.type' must be 'json_schema'"),  # LM Studio
}
_ARTICLE = re.compile(r"<article>\n?(.*)</article>", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_INCIDENT = {
    "summary": "Gunmen attacked a village, the fake server says.",
    "date": None,
    "date_text": None,
    "country": None,
    "region": None,
    "location": None,
    "attack_type": "armed_assault",
    "suicide": False,
    "perpetrators": [],
    "targets": [{"type": "civilians", "description": "villagers"}],
    "weapons": ["firearms"],
    "killed": {"min": 1, "max": 1},
    "wounded": None,
    "perpetrators_killed": None,
    "kidnapped": None,
    "claims": [],
    "primary": True,
}
_PREFIX = json.dumps({"incidents": [_INCIDENT]})[: -len("}]}")] + ', "evidence": ['
_SUFFIX = "]}]}"
_VIOLATIONS = (
    {**_INCIDENT, "killed": "six"},
    {k: v for k, v in _INCIDENT.items() if k != "attack_type"},
)


@dataclass
class FakeConfig:
    """Behaviour of the fake server; fault shares are probabilities drawn per request (sum <= 1).

    Latency applies to every answer but 429s; `record_bodies=False` keeps request records small (no body).
    """

    latency: float = 0.0
    jitter: float = 0.0
    rpm: int | None = None
    tpm: int | None = None
    p_429: float = 0.0
    p_500: float = 0.0
    p_timeout: float = 0.0
    p_malformed: float = 0.0
    p_schema_violation: float = 0.0
    retry_after: int = 1
    hang_s: float = 30.0
    reject_modes: frozenset[str] = frozenset()
    seed: int = 0
    model: str = "fake-model"
    record_bodies: bool = True
    # Prompt-prefix cache: report usage.prompt_tokens_details.cached_tokens for a system message seen before.
    cached_prefix: bool = False
    # Batch API (/v1/files, /v1/batches): a batch is `validating` on its first retrieve, then `in_progress` for
    # `batch_polls` retrieves and until `batch_delay` seconds have passed, then ends. Per line, `p_batch_fail` of
    # the requests fail (error file, HTTP 500) and p_malformed / p_schema_violation give invalid replies;
    # `batch_expire_share` > 0 ends the batch `expired` with that share of its lines unanswered (batch_expired).
    batch_polls: int = 1
    batch_delay: float = 0.0
    p_batch_fail: float = 0.0
    batch_expire_share: float = 0.0

    def __post_init__(self) -> None:
        self.reject_modes = frozenset(self.reject_modes)
        unknown = self.reject_modes - REJECT_TEXT.keys()
        if unknown:
            raise ValueError(f"unknown reject_modes {sorted(unknown)}; known: {sorted(REJECT_TEXT)}")
        if self.p_429 + self.p_500 + self.p_timeout + self.p_malformed + self.p_schema_violation > 1:
            raise ValueError("fault shares add up to more than 1")


@dataclass
class RequestRecord:
    """One received chat request: when, its JSON body, sha256 of its article text, and the answer.

    `status` is the HTTP status sent (a hung `timeout` request's late 200); body and key are None for a
    request that could not be parsed.
    """

    time: float
    body: Any
    article_key: str | None
    status: int
    outcome: str


def article_text(body: dict) -> str:
    """The text between `<article>` and `</article>` in the last user message that has one (a re-ask's last
    message is the error), else the last user message."""
    users = [m.get("content") for m in body["messages"] if m.get("role") == "user"]
    content = next((c for c in reversed(users) if isinstance(c, str) and "<article>" in c), users[-1] if users else "")
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    match = _ARTICLE.search(content or "")
    return match[1].removesuffix("\n") if match else content or ""


def article_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def first_sentence(text: str) -> str:
    """The first sentence of at least 20 characters, verbatim; the whole stripped text when none is."""
    return next((s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) >= 20), text.strip())


def valid_content(text: str) -> str:
    return _PREFIX + json.dumps(first_sentence(text)) + _SUFFIX


def wants_attack_list(body: dict) -> bool:
    """Whether the request is the enumerate strategy's first step (it asks for {"attacks": [...]})."""
    fmt = body.get("response_format") or {}
    schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {}
    if "attacks" in (schema.get("properties") or {}):
        return True
    system = next((m.get("content") for m in body.get("messages", []) if m.get("role") == "system"), "") or ""
    return '{"attacks": []}' in system


def attack_list_content(text: str) -> str:
    """One attack: the article's first sentence."""
    return json.dumps({"attacks": [{"what": "an attack", "where": None, "when": None, "sentence": first_sentence(text)}]})


def _error(status: int, message: str, type_: str, code: str | None = None, retry_after: int | None = None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    body = {"error": {"message": message, "type": type_, "code": code}}
    return web.json_response(body, status=status, headers=headers)


class FakeServer:
    """The fake server; `with FakeServer(cfg) as server:` runs it in a daemon thread on 127.0.0.1."""

    def __init__(self, config: FakeConfig | None = None) -> None:
        self.config = config or FakeConfig()
        self.port: int | None = None
        self.requests: list[RequestRecord] = []
        self.stats: collections.Counter[str] = collections.Counter()
        self._window: collections.deque[tuple[float, int]] = collections.deque()
        self._window_tokens = 0
        self._faults = random.Random(self.config.seed)
        self._jitter = random.Random(self.config.seed + 1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self.files: dict[str, dict[str, Any]] = {}  # id -> {"meta": file object, "data": bytes}
        self.batches: dict[str, dict[str, Any]] = {}  # id -> batch object (+ private "_polls", "_created")
        self._seen_prefixes: set[str] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self) -> None:
        """Forget recorded requests, counters and the rate window, and reseed the random draws."""

        def clear() -> None:
            self.requests.clear()
            self.stats.clear()
            self._window.clear()
            self._window_tokens = 0
            self._faults.seed(self.config.seed)
            self._jitter.seed(self.config.seed + 1)

        if self._loop and self._loop.is_running() and threading.current_thread() is not self._thread:
            done = threading.Event()
            self._loop.call_soon_threadsafe(lambda: (clear(), done.set()))
            done.wait()
        else:
            clear()

    # -- rate limits -----------------------------------------------------------------------------------

    def _admit(self, tokens: int, now: float) -> tuple[int, str] | None:
        """Record the request in the window and return None, or return (seconds until it fits, limit)."""
        cfg = self.config
        while self._window and self._window[0][0] <= now - WINDOW_S:
            self._window_tokens -= self._window.popleft()[1]
        if cfg.rpm is not None and len(self._window) >= cfg.rpm:
            return max(1, math.ceil(self._window[len(self._window) - cfg.rpm][0] + WINDOW_S - now)), "requests"
        if cfg.tpm is not None and self._window_tokens + tokens > cfg.tpm:
            excess = self._window_tokens + tokens - cfg.tpm
            for t, used in self._window:
                excess -= used
                if excess <= 0:
                    return max(1, math.ceil(t + WINDOW_S - now)), "tokens"
            return math.ceil(WINDOW_S), "tokens"
        self._window.append((now, tokens))
        self._window_tokens += tokens
        return None

    # -- handlers --------------------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        model = {"id": self.config.model, "object": "model", "created": 0, "owned_by": "fake"}
        return web.json_response({"object": "list", "data": [model]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        try:
            body = json.loads(await request.read())
            text = article_text(body)
            chars = sum(len(m["content"]) for m in body["messages"] if isinstance(m.get("content"), str))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.requests.append(RequestRecord(time.time(), None, None, 400, "bad_request"))
            self.stats["bad_request"] += 1
            return _error(400, f"invalid request body: {exc}", "invalid_request_error")
        response, outcome = self._decide(body, text, chars // 4, now)
        kept = body if self.config.record_bodies else None
        self.requests.append(RequestRecord(time.time(), kept, article_key(text), response.status, outcome))
        self.stats[outcome] += 1
        cfg = self.config
        if outcome == "timeout":
            await asyncio.sleep(cfg.hang_s)
        elif response.status != 429 and (cfg.latency or cfg.jitter):
            await asyncio.sleep(cfg.latency + self._jitter.uniform(0, cfg.jitter))
        return response

    def _decide(self, body: dict, text: str, prompt_tokens: int, now: float) -> tuple[web.Response, str]:
        """The response for one parsed request and its outcome name."""
        cfg = self.config
        content = attack_list_content(text) if wants_attack_list(body) else valid_content(text)
        completion_tokens = max(1, len(content) // 4)
        over = self._admit(prompt_tokens + completion_tokens, now)
        if over is not None:
            wait, limit = over
            message = f"Rate limit reached for {limit} per minute. Please try again in {wait}s."
            return _error(429, message, "rate_limit_error", "rate_limit_exceeded", wait), "rate_limited"
        mode = (body.get("response_format") or {}).get("type", "text")
        if mode in cfg.reject_modes:
            status, message = REJECT_TEXT[mode]
            return _error(status, message, "invalid_request_error"), "rejected"
        roll = self._faults.random()
        for share, outcome in (
            (cfg.p_429, "forced_429"),
            (cfg.p_500, "error_500"),
            (cfg.p_timeout, "timeout"),
            (cfg.p_malformed, "malformed"),
            (cfg.p_schema_violation, "schema_violation"),
        ):
            if roll < share:
                break
            roll -= share
        else:
            outcome = "ok"
        if outcome == "forced_429":
            message = f"Rate limit reached. Please try again in {cfg.retry_after}s."
            return _error(429, message, "rate_limit_error", "rate_limit_exceeded", cfg.retry_after), outcome
        if outcome == "error_500":
            return _error(500, "The server had an error while processing your request.", "server_error"), outcome
        if outcome == "malformed":
            content = content[: len(content) // 2]
        elif outcome == "schema_violation":
            violation = self._faults.choice(_VIOLATIONS)
            content = json.dumps({"incidents": [{**violation, "evidence": [first_sentence(text)]}]})
        completion = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or cfg.model,
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                **self._cache_details(body),
            },
        }
        return web.json_response(completion), outcome

    def _cache_details(self, body: dict) -> dict[str, Any]:
        """usage.prompt_tokens_details when the prefix cache is on: the system message's tokens once seen."""
        if not self.config.cached_prefix:
            return {}
        messages = body.get("messages") or [{}]
        system = messages[0].get("content") if messages[0].get("role") == "system" else None
        cached = 0
        if isinstance(system, str):
            key = article_key(system)
            cached = len(system) // 4 if key in self._seen_prefixes else 0
            self._seen_prefixes.add(key)
        return {"prompt_tokens_details": {"cached_tokens": cached}}

    # -- Batch API -------------------------------------------------------------------------------------

    def _store_file(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = f"file-{uuid.uuid4().hex[:24]}"
        meta = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": filename, "purpose": purpose, "status": "processed"}  # fmt: skip
        self.files[file_id] = {"meta": meta, "data": data}
        return meta

    async def _file_upload(self, request: web.Request) -> web.Response:
        self.stats["files_upload"] += 1
        form = await request.post()
        upload = form.get("file")
        if upload is None or not hasattr(upload, "file"):
            return _error(400, "missing file", "invalid_request_error")
        return web.json_response(self._store_file(upload.file.read(), upload.filename, str(form.get("purpose"))))

    async def _file_get(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["file_id"])
        return web.json_response(found["meta"]) if found else _error(404, "No such file", "invalid_request_error")

    async def _file_content(self, request: web.Request) -> web.Response:
        self.stats["files_content"] += 1
        found = self.files.get(request.match_info["file_id"])
        if not found:
            return _error(404, "No such file", "invalid_request_error")
        return web.Response(body=found["data"], content_type="application/octet-stream")

    async def _batch_create(self, request: web.Request) -> web.Response:
        self.stats["batches_create"] += 1
        body = json.loads(await request.read())
        source = self.files.get(body.get("input_file_id"))
        if source is None:
            return _error(400, "input_file_id not found", "invalid_request_error")
        lines = [line for line in source["data"].decode().splitlines() if line.strip()]
        batch_id = f"batch_{uuid.uuid4().hex[:24]}"
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": body.get("endpoint"), "errors": None,
            "input_file_id": body["input_file_id"], "completion_window": body.get("completion_window", "24h"),
            "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": int(time.time()),
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0}, "metadata": body.get("metadata"),
            "_polls": 0, "_created": time.monotonic(),
        }  # fmt: skip
        return web.json_response(self._public(self.batches[batch_id]))

    @staticmethod
    def _public(batch: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in batch.items() if not k.startswith("_")}

    async def _batch_get(self, request: web.Request) -> web.Response:
        self.stats["batches_retrieve"] += 1
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return _error(404, "No such batch", "invalid_request_error")
        batch["_polls"] += 1
        cfg = self.config
        if batch["status"] == "validating":
            batch["status"] = "in_progress"
        elif batch["status"] == "in_progress":
            if batch["_polls"] > cfg.batch_polls and time.monotonic() - batch["_created"] >= cfg.batch_delay:
                self._finish_batch(batch)
            else:  # some progress to show
                total = batch["request_counts"]["total"]
                batch["request_counts"]["completed"] = min(total, batch["request_counts"]["completed"] + total // 4)
        return web.json_response(self._public(batch))

    def _finish_batch(self, batch: dict[str, Any]) -> None:
        """Answer every line: output file (200s) and error file (failures, expired lines)."""
        cfg = self.config
        lines = self.files[batch["input_file_id"]]["data"].decode().splitlines()
        lines = [json.loads(line) for line in lines if line.strip()]
        answered = len(lines) - math.floor(len(lines) * cfg.batch_expire_share)
        output, errors = [], []
        for n, line in enumerate(lines):
            custom_id = line.get("custom_id")
            if n >= answered:
                self.stats["batch_expired"] += 1
                error = {"code": "batch_expired", "message": "This request could not be executed before the "
                         "completion window expired."}  # fmt: skip
                errors.append({"id": f"batch_req_{n}", "custom_id": custom_id, "response": None, "error": error})
                continue
            status, response_body, outcome = self._batch_answer(line.get("body") or {})
            self.stats[outcome] += 1
            entry = {"id": f"batch_req_{n}", "custom_id": custom_id, "error": None,
                     "response": {"status_code": status, "request_id": uuid.uuid4().hex, "body": response_body}}
            (output if status == 200 else errors).append(entry)

        def encode(rows: list[dict[str, Any]]) -> bytes:
            return "".join(json.dumps(r) + "\n" for r in rows).encode()

        if output:
            batch["output_file_id"] = self._store_file(encode(output), "output.jsonl", "batch_output")["id"]
        if errors:
            batch["error_file_id"] = self._store_file(encode(errors), "errors.jsonl", "batch_output")["id"]
        batch["request_counts"] = {"total": len(lines), "completed": len(output), "failed": len(errors)}
        batch["status"] = "expired" if cfg.batch_expire_share > 0 else "completed"
        batch["completed_at" if batch["status"] == "completed" else "expired_at"] = int(time.time())

    def _batch_answer(self, body: dict) -> tuple[int, dict[str, Any], str]:
        """One batch line's answer: (status, body, outcome)."""
        cfg = self.config
        text = article_text(body)
        roll = self._faults.random()
        if roll < cfg.p_batch_fail:
            error = {"error": {"message": "The server had an error while processing your request.",
                               "type": "server_error", "code": None}}  # fmt: skip
            return 500, error, "batch_failed"
        roll -= cfg.p_batch_fail
        content, outcome = valid_content(text), "batch_ok"
        if roll < cfg.p_malformed:
            content, outcome = content[: len(content) // 2], "batch_malformed"
        elif roll < cfg.p_malformed + cfg.p_schema_violation:
            violation = self._faults.choice(_VIOLATIONS)
            content = json.dumps({"incidents": [{**violation, "evidence": [first_sentence(text)]}]})
            outcome = "batch_schema_violation"
        chars = sum(len(m["content"]) for m in body.get("messages", []) if isinstance(m.get("content"), str))
        prompt_tokens, completion_tokens = chars // 4, max(1, len(content) // 4)
        completion = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model") or cfg.model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens, **self._cache_details(body)},
        }  # fmt: skip
        return 200, completion, outcome

    # -- lifecycle -------------------------------------------------------------------------------------

    async def serve(self, port: int = 0, on_ready=None) -> None:
        """Serve on 127.0.0.1:`port` (0: a free one) until `stop()`; call `on_ready()` once listening."""
        app = web.Application(client_max_size=256 * 1024 * 1024)  # the Batch API takes files up to 200 MB
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/v1/files", self._file_upload)
        app.router.add_get("/v1/files/{file_id}", self._file_get)
        app.router.add_get("/v1/files/{file_id}/content", self._file_content)
        app.router.add_post("/v1/batches", self._batch_create)
        app.router.add_get("/v1/batches/{batch_id}", self._batch_get)
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", port)
            await site.start()
            self.port = runner.addresses[0][1]
            if on_ready:
                on_ready()
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    def stop(self) -> None:
        """Ask a serving server to stop (safe from any thread)."""
        if self._loop and self._stopping:
            self._loop.call_soon_threadsafe(self._stopping.set)

    def _run_thread(self) -> None:
        try:
            asyncio.run(self.serve(on_ready=self._started.set))
        except BaseException as exc:  # reported to the thread that called __enter__
            self._start_error = exc
        finally:
            self._started.set()

    def __enter__(self) -> FakeServer:
        self._thread = threading.Thread(target=self._run_thread, name="fake-openai-server", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._start_error:
            raise RuntimeError("fake server failed to start") from self._start_error
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        self._thread.join(timeout=10)


def _parse_args(argv: list[str] | None) -> tuple[int, FakeConfig]:
    p = argparse.ArgumentParser(prog="python -m bench.fake_server", description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    p.add_argument("--latency", type=float, default=0.0, help="fixed seconds per response")
    p.add_argument("--jitter", type=float, default=0.0, help="extra uniform 0..JITTER seconds")
    p.add_argument("--rpm", type=int, help="requests per minute limit")
    p.add_argument("--tpm", type=int, help="tokens per minute limit")
    for name in ("429", "500", "timeout", "malformed", "schema-violation"):
        p.add_argument(f"--p-{name}", type=float, default=0.0, help=f"share of {name} faults")
    p.add_argument("--retry-after", type=int, default=1, help="Retry-After of forced 429s")
    p.add_argument("--hang-s", type=float, default=30.0, help="how long a timeout fault hangs")
    p.add_argument("--reject", action="append", default=[], choices=sorted(REJECT_TEXT), help="reject a mode")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default="fake-model")
    p.add_argument("--cached-prefix", action="store_true", help="report cached tokens for a repeated system prompt")
    p.add_argument("--batch-polls", type=int, default=1, help="retrieves a batch stays in_progress")
    p.add_argument("--batch-delay", type=float, default=0.0, help="seconds before a batch can end")
    p.add_argument("--p-batch-fail", type=float, default=0.0, help="share of batch lines that fail (HTTP 500)")
    p.add_argument("--batch-expire-share", type=float, default=0.0, help="share of batch lines left to expire")
    a = p.parse_args(argv)
    config = FakeConfig(
        latency=a.latency,
        jitter=a.jitter,
        rpm=a.rpm,
        tpm=a.tpm,
        p_429=a.p_429,
        p_500=a.p_500,
        p_timeout=a.p_timeout,
        p_malformed=a.p_malformed,
        p_schema_violation=a.p_schema_violation,
        retry_after=a.retry_after,
        hang_s=a.hang_s,
        reject_modes=frozenset(a.reject),
        seed=a.seed,
        model=a.model,
        record_bodies=False,
        cached_prefix=a.cached_prefix,
        batch_polls=a.batch_polls,
        batch_delay=a.batch_delay,
        p_batch_fail=a.p_batch_fail,
        batch_expire_share=a.batch_expire_share,
    )
    return a.port, config


async def _main(port: int, config: FakeConfig) -> FakeServer:
    server = FakeServer(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.stop)
    await server.serve(port, on_ready=lambda: print(server.base_url, flush=True))
    return server


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM/SIGINT, printing the base URL first and the outcome counts on stderr at exit."""
    server = asyncio.run(_main(*_parse_args(argv)))
    print(json.dumps(dict(server.stats)), file=sys.stderr)


if __name__ == "__main__":
    main()
