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


class _TooLarge(Exception):
    pass


def fetch(url: str, limits: FetchLimits | None = None) -> bytes:
    """The decoded body of `url`; FeedError for HTTP and network failures and for either bound."""
    limits = limits or FetchLimits()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_bounded(url, limits))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # inside a loop: the download gets a loop of its own
        return pool.submit(asyncio.run, _bounded(url, limits)).result()


async def _bounded(url: str, limits: FetchLimits) -> bytes:
    import httpx2  # here: a run over local files never loads the HTTP client

    try:
        return await asyncio.wait_for(_download(url, limits.max_bytes, limits.timeout), limits.timeout)
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


async def _download(url: str, max_bytes: int, timeout: float) -> bytes:
    import httpx2

    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    async with httpx2.AsyncClient(timeout=timeout, follow_redirects=True, headers=headers) as client:
        async with client.stream("GET", url) as response:
            response.raise_for_status()
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _TooLarge
            body = bytearray()
            async for chunk in response.aiter_bytes():  # decoded: gzip and deflate undone here
                body += chunk
                if len(body) > max_bytes or response.num_bytes_downloaded > max_bytes:
                    raise _TooLarge
            return bytes(body)
