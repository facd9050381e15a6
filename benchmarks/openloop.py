"""An open-loop HTTP/1.1 load generator on bare asyncio protocols, for gateway_bench.py.

Why it exists: on a 2-core machine the load generator, the mock upstream and the gateway share the
processors, so whatever the generator spends a request is taken from what is measured. aiohttp's
client spends ~0.2-0.3 ms of CPU a request (a task, its connector, its parser, its response object);
this sends bytes prepared once and reads the answer with two ``find`` calls, from timer callbacks,
with no task a request.

What it keeps honest: request i is due at start + i / rate and is sent then whatever the answers do
(open loop); its latency counts from that due time, so a stall of the generator itself, of the
network or of the server is never hidden (no coordinated omission). Each connection carries one
request at a time (keep-alive, no pipelining), as aiohttp's pool does; when none is idle a new one
is opened, up to ``connections`` (512): beyond that a due request waits here for the first
connection to come free, its latency still counted from its due time (as wrk2 does with its fixed
connections). Without a bound, a server that stalls for a moment is sent thousands of new
connections at once, and what is then measured is the kernel's SYN queue (connections retried
after 1 s and 3 s), not the server.

What it deliberately does not do: TLS, redirects, pipelining, HTTP/2, anything beyond 127.0.0.1
benchmarks. It understands answers with a Content-Length or a chunked body; anything else closes
the connection and counts as a failure (status 0).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

Record = tuple[int, float]  # (status, seconds from the due time to the whole answer); status 0 = failed


class Target:
    """One URL to POST to, with its request bytes made once."""

    def __init__(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"openloop: only http:// URLs on loopback ({url})")
        self.host, self.port = parts.hostname, parts.port or 80
        head = [f"POST {parts.path or '/'} HTTP/1.1", f"host: {parts.netloc}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head += [f"content-length: {len(body)}", "", ""]
        self.request = "\r\n".join(head).encode("latin-1") + body


class Connection(asyncio.Protocol):
    """A keep-alive connection with at most one request in flight; parses just enough of the answer
    to know its status and where it ends."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.due: float | None = None  # the due time of the request in flight
        self.queued: float | None = None  # a request handed over before the connection was made
        self.status = 0
        self.body_end = -1  # offset in buffer where the answer ends (Content-Length), or -1
        self.chunked = False
        self.closed = False

    # ------------------------------------------------------------------ asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport subclass
        if self.queued is not None:
            due, self.queued = self.queued, None
            self.send(due)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.due is not None:
            self._parse()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.lost(self)
        for due in (self.due, self.queued):
            if due is not None:
                self.pool.done(self, 0, due, reuse=False)
        self.due = self.queued = None

    # ------------------------------------------------------------------ requests
    def send(self, due: float) -> None:
        if self.transport is None:
            self.queued = due
            return
        self.due, self.status, self.body_end, self.chunked = due, 0, -1, False
        self.transport.write(self.pool.target.request)

    def _parse(self) -> None:
        buffer = self.buffer
        if self.status == 0:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = bytes(buffer[:head_end]).lower()
            try:
                self.status = int(head[9:12])
            except ValueError:
                self._fail()
                return
            length = head.find(b"\r\ncontent-length:")
            if length >= 0:
                stop = head.find(b"\r\n", length + 2)
                value = head[length + 17 : stop if stop >= 0 else len(head)]
                self.body_end = head_end + 4 + int(value.strip())
            elif b"\r\ntransfer-encoding: chunked" in head:
                self.chunked = True
                del buffer[: head_end + 4]
            else:
                self._fail()
                return
        if self.chunked:
            end = buffer.find(b"\r\n0\r\n\r\n") if buffer[:5] != b"0\r\n\r\n" else 0
            if end < 0:
                return
            self._complete(end + (5 if end == 0 else 7))
        elif len(buffer) >= self.body_end:
            self._complete(self.body_end)

    def _complete(self, end: int) -> None:
        del self.buffer[:end]
        due, self.due = self.due, None
        assert due is not None
        self.pool.done(self, self.status, due, reuse=True)

    def _fail(self) -> None:
        due, self.due = self.due, None
        if self.transport is not None:
            self.transport.abort()
        if due is not None:
            self.pool.done(self, 0, due, reuse=False)


class Pool:
    """Idle connections to one target, and the records of the requests sent through them."""

    def __init__(self, target: Target, loop: asyncio.AbstractEventLoop, connections: int = 512) -> None:
        self.target, self.loop, self.connections = target, loop, connections
        self.idle: deque[Connection] = deque()
        self.open: set[Connection] = set()
        self.pending: deque[float] = deque()  # due times of requests waiting for a connection
        self.records: list[Record] = []
        self.in_flight = 0
        self.on_idle: Callable[[], None] | None = None  # called when nothing is in flight

    def send(self, due: float) -> None:
        self.in_flight += 1
        while self.idle:
            connection = self.idle.pop()  # the most recently used: warm, and lets spare ones close
            if not connection.closed:
                connection.send(due)
                return
        if len(self.open) >= self.connections:
            self.pending.append(due)
            return
        connection = Connection(self)
        self.open.add(connection)
        connection.send(due)  # queued until connected
        self.loop.create_task(self._connect(connection))

    async def _connect(self, connection: Connection) -> None:
        try:
            await self.loop.create_connection(lambda: connection, self.target.host, self.target.port)
        except OSError:
            connection.connection_lost(None)

    def done(self, connection: Connection, status: int, due: float, reuse: bool) -> None:
        self.records.append((status, self.loop.time() - due))
        self.in_flight -= 1
        if reuse and not connection.closed:
            if self.pending:
                connection.send(self.pending.popleft())
                return
            self.idle.append(connection)
        elif self.pending and len(self.open) < self.connections:
            self.in_flight -= 1  # sent again below, which counts it
            self.send(self.pending.popleft())
        if self.in_flight == 0 and self.on_idle is not None:
            self.on_idle()

    def lost(self, connection: Connection) -> None:
        self.open.discard(connection)
        if self.pending:  # its place may take a waiting request
            self.in_flight -= 1  # sent again, which counts it
            self.send(self.pending.popleft())

    def give_up(self) -> None:
        """Every request still unanswered fails (status 0), each counted from its own due time; its
        connection is dropped, so that a late answer cannot land in the next run's records."""
        now = self.loop.time()
        outstanding = list(self.pending)
        self.pending.clear()
        for connection in list(self.open):
            for due in (connection.due, connection.queued):
                if due is not None:
                    outstanding.append(due)
            if connection.due is not None or connection.queued is not None:
                connection.due = connection.queued = None
                if connection.transport is not None:
                    connection.transport.abort()
        self.records += [(0, now - due) for due in outstanding]
        self.in_flight = 0

    def close(self) -> None:
        for connection in list(self.open):
            if connection.transport is not None:
                connection.transport.close()
        self.idle.clear()


async def run(pool: Pool, rate: float, seconds: float, grace: float = 60.0) -> dict[str, Any]:
    """Send ``rate * seconds`` requests, request i due at start + i / rate, from timer callbacks;
    wait up to ``grace`` seconds for the last answers (those still missing count as status 0)."""
    loop = pool.loop
    total = max(1, int(rate * seconds))
    start = loop.time() + 0.02
    pool.records = []
    finished = loop.create_future()
    sent = 0

    def fire() -> None:
        nonlocal sent
        now = loop.time()
        while sent < total:
            due = start + sent / rate
            if due > now:
                loop.call_at(due, fire)
                return
            sent += 1
            pool.send(due)  # late: its latency still counts from its due time
        if pool.in_flight == 0 and not finished.done():
            finished.set_result(None)

    def idle() -> None:
        if sent >= total and not finished.done():
            finished.set_result(None)

    pool.on_idle = idle
    loop.call_at(start, fire)
    try:
        await asyncio.wait_for(asyncio.shield(finished), seconds + grace)
    except TimeoutError:
        pool.give_up()
    finally:
        pool.on_idle = None
    elapsed = loop.time() - start
    return {"elapsed": elapsed, "done": pool.records}


async def warm(pool: Pool, count: int) -> None:
    """``count`` requests one after the other (connections made, servers warmed)."""
    loop = pool.loop
    for _ in range(count):
        waiter = loop.create_future()
        pool.on_idle = lambda w=waiter: w.done() or w.set_result(None)
        pool.send(loop.time())
        await waiter
    pool.on_idle = None
    pool.records = []
