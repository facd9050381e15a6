"""Admission: how much the gateway takes on at once, and a quick 503 for the rest (overload).

Without it an overloaded gateway accepts everything and every answer gets slower, to seconds, until
clients time out and retry. With it, a request is admitted at once while fewer than ``concurrent``
are in flight, waits in a queue of at most ``queue`` for a place (``queue_seconds`` at most), and is
otherwise answered 503 with ``Retry-After`` at once. A second signal covers a gateway short of CPU
rather than of places: the event loop's delay, probed every 25 ms (as Fastify's under-pressure and
Node's toobusy do). While the last two probes both found it over ``busy_ms``, new requests get the
same quick 503, so that the admitted ones finish in time instead of all of them queueing for the
processor (one late probe alone, a pause of the process, refuses nothing).

No library does this for an ASGI app in process (a server's ``limit_concurrency`` answers a bare 503
with no record, and counts connections, not requests), so it is ours: a counter, a deque of futures,
a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from aicop.gateway.config import Admission as Settings

PROBE_SECONDS = 0.025
IDLE_SECONDS = 1.0  # the probe stops after this long without a request (an idle gateway stays idle)


class Admission:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.active = 0  # requests admitted and not yet finished
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.lags: deque[float] = deque([0.0, 0.0], maxlen=2)  # the event loop's last two delays, s
        self._probe: asyncio.Task[None] | None = None
        self._last = 0.0  # the event loop's time of the last request

    async def enter(self) -> str | None:
        """Take a place: None once admitted, else why not ("busy", "queue_full", "queue_timeout")."""
        settings = self.settings
        if settings.busy_ms:
            self._start_probe()
            self._last = asyncio.get_running_loop().time()
            if min(self.lags) * 1000 > settings.busy_ms:
                return "busy"
        if self.active < settings.concurrent and not self.waiting:
            self.active += 1
            return None
        if len(self.waiting) >= settings.queue:
            return "queue_full"
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(place)
        try:
            await asyncio.wait_for(asyncio.shield(place), settings.queue_seconds)
        except TimeoutError:
            if place.done() and not place.cancelled():  # handed a place as the wait ran out: take it
                return None
            place.cancel()
            with contextlib.suppress(ValueError):
                self.waiting.remove(place)
            return "queue_timeout"
        except asyncio.CancelledError:  # the client went away while waiting
            if place.done() and not place.cancelled():
                self.leave()
            else:
                place.cancel()
                with contextlib.suppress(ValueError):
                    self.waiting.remove(place)
            raise
        return None  # the place of a request that left was handed to this one

    def leave(self) -> None:
        """Give the place back: to the longest waiting request, or to the pool."""
        while self.waiting:
            place = self.waiting.popleft()
            if not place.done():
                place.set_result(None)
                return
        self.active = max(0, self.active - 1)

    def _start_probe(self) -> None:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._measure())

    async def _measure(self) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() - self._last < IDLE_SECONDS:
            before = loop.time()
            await asyncio.sleep(PROBE_SECONDS)
            self.lags.append(max(0.0, loop.time() - before - PROBE_SECONDS))
        self.lags.extend((0.0, 0.0))  # an idle loop is on time; the next request starts a new probe

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
