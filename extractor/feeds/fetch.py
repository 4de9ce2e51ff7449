"""A feed URL's body, with a deadline on the whole download and a cap on its size.

`fetch(url, limits)` gets the body with httpx2 (the HTTP client the openai SDK already brings): redirects
followed, `Content-Encoding: gzip` / `deflate` decoded, and two bounds, both settings (`fetch_timeout`,
`max_feed_bytes`):

- a total deadline: the whole exchange (connect, headers, every byte of the body) must end within
  `limits.timeout` seconds of wall clock, so a server that trickles a byte every few seconds is stopped at the
  deadline rather than kept alive by each byte (a per-read timeout alone never fires on a trickle);
- a maximum size: the body, as received and once decoded, is refused as soon as it passes `limits.max_bytes`
  (a declared Content-Length above it is refused before reading), so a huge body or a gzip bomb never fills
  memory.

Each bound, when hit, is a FeedError naming the URL and the setting. The download runs in an event loop of its
own (in a helper thread when the caller is already inside one), so it works from any context.

`fetch_conditional(url, limits, etag=, last_modified=)` is the same download for a caller already in an event loop
(the service's feed scheduler), as a conditional GET: it sends `If-None-Match` / `If-Modified-Since` from the last
answer, and a `304 Not Modified` comes back as a `Fetched` with no body (nothing to parse, nothing to extract).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass

from ..errors import FeedError

USER_AGENT = "incident-extractor/0.1 (+feed reader)"
DEFAULT_FETCH_TIMEOUT_S = 30.0
DEFAULT_MAX_FEED_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class FetchLimits:
    """How long a feed download may take in all (seconds) and how large its body may be (bytes)."""

    timeout: float = DEFAULT_FETCH_TIMEOUT_S
    max_bytes: int = DEFAULT_MAX_FEED_BYTES


@dataclass(frozen=True)
class Fetched:
    """One conditional GET's answer: the body (None on 304) and the validators to send next time."""

    status: int
    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _TooLarge(Exception):
    pass


class _NotModified(Exception):
    def __init__(self, etag: str | None, last_modified: str | None) -> None:
        self.etag, self.last_modified = etag, last_modified


def fetch(url: str, limits: FetchLimits | None = None) -> bytes:
    """The decoded body of `url`; FeedError for HTTP and network failures and for either bound."""
    limits = limits or FetchLimits()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_bounded(url, limits))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # inside a loop: the download gets a loop of its own
        return pool.submit(asyncio.run, _bounded(url, limits)).result()


async def fetch_conditional(
    url: str, limits: FetchLimits | None = None, *, etag: str | None = None, last_modified: str | None = None
) -> Fetched:
    """A conditional GET of `url` within `limits`, from inside a running event loop; FeedError as for `fetch`."""
    limits = limits or FetchLimits()
    conditions = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
    answer: dict[str, str | None] = {}
    try:
        body = await _bounded(url, limits, conditions, answer)
    except _NotModified as exc:
        return Fetched(304, None, exc.etag or etag, exc.last_modified or last_modified)
    return Fetched(200, body, answer.get("etag"), answer.get("last-modified"))


async def _bounded(
    url: str, limits: FetchLimits, conditions: dict[str, str] | None = None, answer: dict | None = None
) -> bytes:
    import httpx2  # here: a run over local files never loads the HTTP client

    try:
        return await asyncio.wait_for(
            _download(url, limits.max_bytes, limits.timeout, conditions or {}, answer), limits.timeout
        )
    except (asyncio.TimeoutError, httpx2.TimeoutException):
        raise FeedError(
            f"{url}: not fetched within the deadline of {limits.timeout:g} s (setting fetch_timeout)"
        ) from None
    except _TooLarge:
        raise FeedError(
            f"{url}: body larger than {limits.max_bytes} bytes (setting max_feed_bytes); not read"
        ) from None
    except httpx2.HTTPStatusError as exc:
        raise FeedError(f"{url}: HTTP {exc.response.status_code} {exc.response.reason_phrase}") from None
    except httpx2.DecodingError as exc:
        raise FeedError(f"{url}: cannot decode the body ({exc})") from None
    except (httpx2.HTTPError, OSError) as exc:
        raise FeedError(f"{url}: cannot fetch ({type(exc).__name__}: {exc})") from None


async def _download(
    url: str, max_bytes: int, timeout: float, conditions: dict[str, str], answer: dict | None = None
) -> bytes:
    import httpx2

    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **conditions}
    async with httpx2.AsyncClient(timeout=timeout, follow_redirects=True, headers=headers) as client:
        async with client.stream("GET", url) as response:
            if response.status_code == 304 and conditions:
                raise _NotModified(response.headers.get("etag"), response.headers.get("last-modified"))
            response.raise_for_status()
            if answer is not None:
                answer.update(etag=response.headers.get("etag"), **{"last-modified": response.headers.get("last-modified")})
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _TooLarge
            body = bytearray()
            async for chunk in response.aiter_bytes():  # decoded: gzip and deflate undone here
                body += chunk
                if len(body) > max_bytes or response.num_bytes_downloaded > max_bytes:
                    raise _TooLarge
            return bytes(body)
