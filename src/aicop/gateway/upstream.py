"""The gateway's client to its upstream (aiohttp), and the upstream's failures as the gateway's answers.

aiohttp's client was chosen by measurement: CPU time per request of each candidate against the mock
upstream on loopback (``benchmarks/gateway_clients.py``, eight requests in flight): httpx 1.4–1.6 ms,
httpcore on its own 0.93–0.96 ms, aiohttp 0.22–0.26 ms (its HTTP parser is compiled, and it writes
a request's head and a small body in one ``send``). The gateway spent two thirds of its CPU in httpx.

- Timeouts are as before: ``timeout`` seconds to get a connection from the pool and between two reads
  of the answer (a stream may last longer, as long as it keeps coming), 10 s at most to connect.
- No cookie jar: an upstream's cookie set for one key's request must not ride on another key's.
- A proxy from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``) is honoured, as httpx
  did, but looked up once for the upstream's URL: aiohttp's ``trust_env`` looks it up again on every
  request and reads ``~/.netrc`` in a worker thread each time (a third of the CPU left after httpx).
"""

from __future__ import annotations

import contextlib
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from yarl import URL


class UpstreamFailed(Exception):
    """The upstream could not be reached or did not answer in time: (status, code, message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@contextlib.contextmanager
def reaching() -> Iterator[None]:
    """The upstream's transport errors as the gateway's answers: 504 on a timeout, 502 otherwise."""
    try:
        yield
    except TimeoutError as err:  # aiohttp's timeouts are TimeoutErrors too
        raise UpstreamFailed(504, "upstream_timeout", "the upstream did not answer in time") from err
    except (aiohttp.ClientError, OSError) as err:
        raise UpstreamFailed(
            502, "upstream_unavailable", f"the upstream could not be reached ({type(err).__name__})"
        ) from err


@dataclass(frozen=True)
class Answer:
    """A whole answer of the upstream."""

    status: int
    media: str  # its content type without parameters, or "no content type"
    path: str  # the path asked for, for messages
    body: bytes


class Upstream:
    def __init__(self, url: str, timeout: float, headers: dict[str, str]) -> None:
        self.url = url
        self.headers = headers
        self.timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout, sock_connect=min(10.0, timeout), sock_read=timeout
        )
        self._session: aiohttp.ClientSession | None = None
        self._targets: dict[str, URL] = {}
        self.proxy = environment_proxy(url)

    def session(self) -> aiohttp.ClientSession:
        """The session, made on first use: it belongs to the event loop that serves the gateway."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                # an idle connection is dropped before the usual servers' 5 s (uvicorn, Node) drop it,
                # so that a request is not sent on one the upstream is closing (a 502 under load)
                connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=4.0),
                timeout=self.timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers=self.headers,
                proxy=self.proxy,
            )
        return self._session

    def target(self, path: str) -> URL:
        """The upstream's URL for a path, parsed once (aiohttp parses a string URL on every request)."""
        url = self._targets.get(path)
        if url is None:
            url = self._targets[path] = URL(self.url + path)
        return url

    async def request(self, method: str, path: str, body: bytes | None = None) -> Answer:
        """The whole answer to one request; transport failures raise ``UpstreamFailed``."""
        with reaching():
            async with self.session().request(method, self.target(path), data=body) as response:
                content = await response.read()
                return Answer(response.status, _media(response), response.url.path, content)

    async def open(self, path: str, body: bytes) -> aiohttp.ClientResponse:
        """A streamed answer, open: the caller reads it and closes it."""
        with reaching():
            return await self.session().post(self.target(path), data=body)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``NO_PROXY`` respected), or None."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(
        f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    ):
        return None
    return proxy


def _media(response: aiohttp.ClientResponse) -> str:
    return response.headers.get("content-type", "no content type").split(";")[0].strip()


def answer_of(response: aiohttp.ClientResponse, body: bytes) -> Answer:
    return Answer(response.status, _media(response), response.url.path, body)


async def lines(response: aiohttp.ClientResponse) -> AsyncIterator[str]:
    """The lines of a streamed answer as they arrive (server-sent events: CR, LF or CRLF ends one)."""
    pending = b""
    async for chunk in response.content.iter_any():
        pending += chunk
        parts = pending.splitlines(keepends=True)
        pending = parts.pop() if parts and not parts[-1].endswith((b"\n", b"\r")) else b""
        for part in parts:
            yield part.rstrip(b"\r\n").decode("utf-8", "replace")
    if pending:
        yield pending.decode("utf-8", "replace")
