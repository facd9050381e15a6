"""Admission: how much the gateway takes on at once, and a quick 503 for the rest (overload).

Without it an overloaded gateway accepts everything and every answer gets slower, to seconds, until
clients time out and retry. With it, a request is admitted at once while fewer than ``concurrent``
are in flight, waits in a queue of at most ``queue`` for a place (``queue_seconds`` at most), and is
otherwise answered 503 with ``Retry-After`` at once.

Places count requests waiting on the upstream as much as those using the processor, so they bound
memory, not CPU. A gateway short of CPU is seen by its event loop's delay, probed every 10 ms (as
Fastify's under-pressure and Node's toobusy do), beside how long the loop's thread slept meanwhile
(Linux's schedstat: the time it was neither on a processor nor waiting in the run queue for one).
Two signals, each over the last two probes:

- ``own_busy_ms`` (10 ms): the loop is late *and* its thread did not sleep (under 2 ms a probe) *and*
  two or more requests are in flight: the gateway's own work is the queue, and taking more only
  makes every admitted request wait longer (one long request alone, a client sending one at a
  time, is no queue: the next is taken).
  This holds however little of a processor it gets (a container's CPU quota, a shared machine). At
  twice the rate it can serve, it refuses in bursts of a probe or two, so that the requests it took
  are served at close to the latency of a gateway that is not overloaded.
- ``busy_ms`` (250 ms): the loop is that late for any reason. A gateway with little to do on a
  machine busy with other programs is late too, but sleeps between its requests; the low threshold
  would refuse what it can still serve, so only this high one applies then.

Where schedstat is missing, the thread's CPU time stands in: time waiting for a processor then
counts as sleep, so on a contended machine only ``busy_ms`` applies.

One late probe alone (a pause of the process, a collection) refuses nothing.

No library does this for an ASGI app in process (a server's ``limit_concurrency`` answers a bare 503
with no record, and counts connections, not requests), so it is ours: a counter, a deque of futures,
a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import deque
from collections.abc import Callable

from aicop.gateway.config import Admission as Settings

PROBE_SECONDS = 0.010
OWN_QUEUE = 2  # the low threshold needs requests in flight: one long request refuses not the next
OWN_SLEEP = 0.002  # a loop whose thread slept less than this in each of two probes is busy with its own work
IDLE_SECONDS = 1.0  # the probe stops after this long without a request (an idle gateway stays idle)


class Admission:
    def __init__(self, settings: Settings, clock: Callable[[], float] | None = None) -> None:
        self.settings = settings
        # seconds the event loop's thread was running or ready to run; made on that thread, by the probe
        self.clock = clock
        self._stat = -1  # the descriptor of /proc/thread-self/schedstat behind the default clock
        self.active = 0  # requests admitted and not yet finished
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.lags: deque[float] = deque([0.0, 0.0], maxlen=2)  # the event loop's last two delays, s
        # how long its thread slept (waited for no processor) in each: ~0 when its own work keeps it busy
        self.slept: deque[float] = deque([PROBE_SECONDS] * 2, maxlen=2)
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
            if (
                settings.own_busy_ms
                and late > settings.own_busy_ms
                and max(self.slept) < OWN_SLEEP
                and self.active >= OWN_QUEUE
            ):
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
        # this task runs on the loop's thread; each run of the probe reads the thread it runs on
        clock = self.clock or self._runnable_clock()
        while loop.time() - self._last < IDLE_SECONDS:
            before, ran = loop.time(), clock()
            await asyncio.sleep(PROBE_SECONDS)
            now = loop.time()
            self.lags.append(max(0.0, now - before - PROBE_SECONDS))
            self.slept.append(max(0.0, (now - before) - (clock() - ran)))
        self.lags.extend((0.0, 0.0))  # an idle loop is on time; the next request starts a new probe
        self.slept.extend((PROBE_SECONDS, PROBE_SECONDS))

    def _runnable_clock(self) -> Callable[[], float]:
        """The calling thread's seconds on a processor or waiting in the run queue for one (Linux's
        schedstat: a loop that never sleeps is busy with its own work, however little of a processor
        it gets, as in a container with a CPU quota); its CPU time alone where that file is missing."""
        self._close_stat()
        try:
            self._stat = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            return time.thread_time
        stat = self._stat

        def runnable() -> float:
            # the file's run time is only brought up to date at a tick or a switch (up to 10 ms behind
            # for the thread reading it, which is running), the thread's CPU clock is exact; its wait
            # time is exact for the reader, whose last wait ended when it was switched in
            waiting = os.pread(stat, 64, 0).split()[1]  # nanoseconds
            return time.thread_time() + int(waiting) / 1e9

        return runnable

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        self._close_stat()

    def _close_stat(self) -> None:
        if self._stat >= 0:
            os.close(self._stat)
            self._stat = -1
