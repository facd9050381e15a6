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

- ``own_busy_ms`` (4 ms): the loop is late *and* its thread did not sleep (under 2 ms a probe) *and*
  two or more requests are in flight: the gateway's own work is the queue, and taking more only
  makes every admitted request wait longer (one long request alone, a client sending one at a
  time, is no queue: the next is taken). This holds however little of a processor it gets (a
  container's CPU quota, a shared machine). It does not refuse everything while it lasts (that
  refused in bursts and then let a flood in, whose work made the loop late again: at twice the
  sustainable rate the admitted requests piled up to the 512 places and queue, and waited 600 ms).
  It lowers a limit on the requests in flight instead (AIMD, as TCP's congestion window): at each
  such probe to those in flight scaled by ``own_busy_ms`` over the delay (between 0.5 and 0.9: a loop
  five times too late had five times too much work; never under 4), and back up by an eighth at each
  probe on time, up to ``concurrent``. A request beyond the limit is refused at once (``busy``). The limit
  settles at the concurrency the gateway's share of a processor serves with its loop on time, which
  keeps the admitted requests' latency near that of a gateway that is not overloaded. Requests
  waiting on a slow upstream leave the loop on time, so they never lower it. Why 4 ms and not 10:
  an admitted request waits for the loop three or four times (its request, the upstream's connection
  and answer, its own answer), so the loop's delay is what its latency is made of; on a quiet machine
  at twice the sustainable rate, 10 ms left the admitted p99 at 3-7x the sustainable rate's, 4 ms at
  1.3-2.7x (4 runs with 10 ms, 6 with 4 ms; README).
- ``busy_ms`` (250 ms): the loop is that late for any reason. A gateway with little to do on a
  machine busy with other programs is late too, but sleeps between its requests; the low threshold
  would refuse what it can still serve, so only this high one applies then.

``refusal()`` decides without waiting, so that the server can refuse a request as soon as its
headers are read, before a task, a body or a guard is spent on it (serve.py); ``enter()`` takes a
place, waiting in the queue if need be.

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
# the in-flight limit at a probe that found the gateway's own work late: in flight x own_busy_ms / the
# delay (the work in flight scaled to what keeps the loop on time), within these bounds
DECREASE = (0.5, 0.9)
INCREASE = 8  # ... and at a probe on time: up by limit / this (at least 1), up to ``concurrent``
# the lowest the limit goes: a few requests at once are no queue, and a process descheduled for a moment
# on a shared machine (its thread waiting to run counts as busy) would otherwise refuse a quiet trickle
# of requests until the limit grew back (at 200 rps, load 6: 79 of 9,000 refused with a floor of 2)
FLOOR = 4


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
        # requests in flight beyond which a new one is refused; lowered while the loop is late from
        # the gateway's own work, raised while it is on time (see the module's docstring)
        self.limit = settings.concurrent

    def refusal(self) -> str | None:
        """Why a request arriving now is refused at once ("busy", "queue_full"), or None: it may be
        admitted (``enter`` takes its place). Waits for nothing, so a server can ask it on a request's
        headers alone."""
        settings = self.settings
        if settings.busy_ms or settings.own_busy_ms:
            self._start_probe()
            self._last = asyncio.get_running_loop().time()
            if settings.busy_ms and min(self.lags) * 1000 > settings.busy_ms:
                return "busy"
            if self.active >= self.limit < settings.concurrent:  # the limit the probe lowered
                return "busy"
        if (self.active >= settings.concurrent or self.waiting) and len(self.waiting) >= settings.queue:
            return "queue_full"
        return None

    async def enter(self) -> str | None:
        """Take a place: None once admitted, else why not ("busy", "queue_full", "queue_timeout")."""
        settings = self.settings
        refused = self.refusal()
        if refused is not None:
            return refused
        if self.active < settings.concurrent and not self.waiting:
            self.active += 1
            return None
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
            self._adapt()
        self.lags.extend((0.0, 0.0))  # an idle loop is on time; the next request starts a new probe
        self.slept.extend((PROBE_SECONDS, PROBE_SECONDS))
        self.limit = self.settings.concurrent

    def _adapt(self) -> None:
        """After each probe: lower the in-flight limit when the gateway's own work made the loop late
        (two probes in a row), raise it when the loop is on time."""
        settings = self.settings
        if not settings.own_busy_ms:
            return
        late = min(self.lags) * 1000
        if late > settings.own_busy_ms and max(self.slept) < OWN_SLEEP and self.active >= OWN_QUEUE:
            scale = max(DECREASE[0], min(DECREASE[1], settings.own_busy_ms / late))
            self.limit = max(FLOOR, min(self.limit, int(self.active * scale)))
        elif self.lags[-1] * 1000 <= settings.own_busy_ms:
            self.limit = min(settings.concurrent, self.limit + max(1, self.limit // INCREASE))

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
