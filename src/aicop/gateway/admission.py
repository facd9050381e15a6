"""Admission: how much the gateway takes on at once, and a quick 503 for the rest (overload).

Without it an overloaded gateway accepts everything and every answer gets slower, to seconds, until
clients time out and retry. With it, a request is admitted at once while fewer than ``concurrent``
are in flight, waits in a queue of at most ``queue`` for a place (``queue_seconds`` at most), and is
otherwise answered 503 with ``Retry-After`` at once.

Places count requests waiting on the upstream as much as those using the processor, so they bound
memory, not CPU. A gateway short of CPU is seen by its event loop's delay, probed every 10 ms (as
Fastify's under-pressure and Node's toobusy do), beside the share of that time the loop's thread was
on a processor. Two signals, each over the last two probes:

- ``own_busy_ms`` (10 ms): the loop is late *and* its thread ran for more than half of the time: the
  gateway's own work is the queue, and taking more only makes every admitted request wait longer. At
  twice the rate it can serve, it refuses in bursts of a probe or two, so that the requests it took
  are served at close to the latency of a gateway that is not overloaded.
- ``busy_ms`` (250 ms): the loop is that late for any reason, a machine short of CPU included. A
  gateway starved by other programs is late with its thread mostly waiting for a processor; the
  low threshold would refuse what it could still serve, so only this high one applies then.

One late probe alone (a pause of the process, a collection) refuses nothing.

No library does this for an ASGI app in process (a server's ``limit_concurrency`` answers a bare 503
with no record, and counts connections, not requests), so it is ours: a counter, a deque of futures,
a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable

from aicop.gateway.config import Admission as Settings

PROBE_SECONDS = 0.010
OWN_SHARE = 0.5  # the loop's thread on a processor for more than this share of a probe: its own work
IDLE_SECONDS = 1.0  # the probe stops after this long without a request (an idle gateway stays idle)


class Admission:
    def __init__(self, settings: Settings, cpu_clock: Callable[[], float] = time.thread_time) -> None:
        self.settings = settings
        self.cpu_clock = cpu_clock  # CPU seconds of the thread that runs the event loop
        self.active = 0  # requests admitted and not yet finished
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.lags: deque[float] = deque([0.0, 0.0], maxlen=2)  # the event loop's last two delays, s
        self.shares: deque[float] = deque([0.0, 0.0], maxlen=2)  # its thread's share of a processor
        self._probe: asyncio.Task[None] | None = None
        self._last = 0.0  # the event loop's time of the last request

    async def enter(self) -> str | None:
        """Take a place: None once admitted, else why not ("busy", "queue_full", "queue_timeout")."""
        settings = self.settings
        if settings.busy_ms or settings.own_busy_ms:
            self._start_probe()
            self._last = asyncio.get_running_loop().time()
            late = min(self.lags) * 1000
            if settings.busy_ms and late > settings.busy_ms:
                return "busy"
            if settings.own_busy_ms and late > settings.own_busy_ms and min(self.shares) > OWN_SHARE:
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
            before, ran = loop.time(), self.cpu_clock()  # this task runs on the loop's thread
            await asyncio.sleep(PROBE_SECONDS)
            now = loop.time()
            self.lags.append(max(0.0, now - before - PROBE_SECONDS))
            self.shares.append((self.cpu_clock() - ran) / max(now - before, 1e-6))
        self.lags.extend((0.0, 0.0))  # an idle loop is on time; the next request starts a new probe
        self.shares.extend((0.0, 0.0))

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
