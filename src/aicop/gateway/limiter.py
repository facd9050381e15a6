"""Per-key limits (provision 4.3): requests a minute, tokens a minute, requests at once.

Requests are counted in an exact moving window, so a burst admits what the configured rate allows
and no more; tokens, which arrive as large costs, in a sliding-window counter (a moving window would
store one entry per token). State is in memory, or in Redis when ``storage`` is a redis:// URL, so
several gateway instances share one budget per key. Requests at once are a counter (in Redis:
INCR/DECR with an expiry, so a crashed instance cannot hold a slot for ever).

In Redis the windows are the ``limits`` library's. In memory they are our own (``MemoryWindows``, the
same two algorithms in a few lines): the library's asynchronous memory storage hands a task to a
thread after every hit to expire old entries, which cost the gateway about a third of its CPU per
request (measured with py-spy); its synchronous one starts a timer thread instead. A deque of times
per key and two counters per key need neither.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aicop.gateway.config import Limits

WINDOW = 60.0  # seconds: both limits are per minute


@dataclass
class Refusal:
    what: str  # "requests" or "tokens" (requests at once are refused by enter)
    retry_after: int  # seconds


class MemoryWindows:
    """Both windows of every key, in this process: no lock is needed on one event loop."""

    def __init__(self, requests: int, tokens: int) -> None:
        self.requests, self.tokens = requests, tokens
        self.hits: dict[str, deque[float]] = {}  # key -> times of its requests in the last minute
        self.counts: dict[str, tuple[int, int, int]] = {}  # key -> (window number, previous, current)

    def hit_request(self, key: str, now: float) -> float | None:
        """Count one request; None if admitted, else the seconds until one would be."""
        times = self.hits.get(key)
        if times is None:
            times = self.hits[key] = deque()
        while times and times[0] <= now - WINDOW:
            times.popleft()
        if len(times) >= self.requests:
            return times[0] + WINDOW - now
        times.append(now)
        return None

    def _window(self, key: str, now: float) -> tuple[int, int, float]:
        """(previous window's count, current window's count, how far into the current window, 0..1)."""
        number, previous, current = self.counts.get(key, (0, 0, 0))
        window = int(now // WINDOW)
        if window != number:  # the current window became the previous, or both are long gone
            previous, current = (current if window == number + 1 else 0), 0
            self.counts[key] = (window, previous, current)
        return previous, current, now / WINDOW - window

    def hit_tokens(self, key: str, cost: int, now: float, force: bool = False) -> float | None:
        """Count ``cost`` tokens; None if admitted (or ``force``), else the seconds until they would be.
        The count is the current window's plus the previous one's weighted by how much of it is still
        inside the last minute (the sliding-window counter of ``limits`` and of Cloudflare)."""
        previous, current, into = self._window(key, now)
        weighted = previous * (1 - into) + current
        if not force and math.floor(weighted) + cost > self.tokens:
            need = weighted + cost - self.tokens  # tokens that must leave the last minute first
            fading = previous * (1 - into)  # what the previous window still weighs: it fades first
            if fading >= need:
                return need / previous * WINDOW
            return (1 - into) * WINDOW + (need - fading) / max(current, 1) * WINDOW
        self.counts[key] = (int(now // WINDOW), previous, current + cost)
        return None


class Limiter:
    def __init__(self, limits: Limits, prefix: str = "aicop") -> None:
        self.limits = limits
        self.prefix = prefix
        self.redis: Any = None
        self.memory: MemoryWindows | None = None
        self.counts: dict[str, int] = {}
        if limits.storage == "memory":
            self.memory = MemoryWindows(limits.requests_per_minute, limits.tokens_per_minute)
            return
        from limits import RateLimitItemPerMinute
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

        url = "async+" + limits.storage
        self.storage = RedisStorage(url, implementation="redispy", key_prefix=f"{prefix}-limits")
        import redis.asyncio

        self.redis = redis.asyncio.from_url(limits.storage)
        self.requests = MovingWindowRateLimiter(self.storage)
        self.tokens = SlidingWindowCounterRateLimiter(self.storage)
        self.rpm = RateLimitItemPerMinute(limits.requests_per_minute)
        self.tpm = RateLimitItemPerMinute(limits.tokens_per_minute)

    async def check(self) -> bool:
        """Whether the storage answers (the health endpoint asks)."""
        if self.memory is not None:
            return True
        return bool(await self.storage.check())

    async def admit(self, key: str, tokens: int) -> Refusal | None:
        """Count one request of ``tokens`` (estimated input) against ``key``; a refusal if over."""
        cost = min(tokens, self.limits.tokens_per_minute)
        if self.memory is not None:
            now = time.monotonic()
            wait = self.memory.hit_request(key, now)
            if wait is not None:
                return Refusal("requests", _seconds(wait))
            wait = self.memory.hit_tokens(key, cost, now) if cost else None
            return None if wait is None else Refusal("tokens", _seconds(wait))
        if not await self.requests.hit(self.rpm, "rpm", key):
            return Refusal("requests", await self._retry(self.requests, self.rpm, key, "rpm"))
        if cost and not await self.tokens.hit(self.tpm, "tpm", key, cost=cost):
            return Refusal("tokens", await self._retry(self.tokens, self.tpm, key, "tpm"))
        return None

    async def spend(self, key: str, tokens: int) -> None:
        """Count tokens the answer used (known only afterwards); the next request pays if over."""
        if tokens <= 0:
            return
        cost = min(tokens, self.limits.tokens_per_minute)
        if self.memory is not None:
            self.memory.hit_tokens(key, cost, time.monotonic(), force=True)
            return
        await self.tokens.hit(self.tpm, "tpm", key, cost=cost)

    async def _retry(self, limiter: Any, item: Any, key: str, kind: str) -> int:
        stats = await limiter.get_window_stats(item, kind, key)
        return _seconds(float(stats.reset_time) - time.time())

    async def enter(self, key: str) -> bool:
        """Take a slot of the key's concurrent requests; False when all are taken."""
        if self.redis is None:
            if self.counts.get(key, 0) >= self.limits.concurrent:
                return False
            self.counts[key] = self.counts.get(key, 0) + 1
            return True
        name = f"{self.prefix}:concurrent:{key}"
        now = int(await self.redis.incr(name))
        await self.redis.expire(name, 600)
        if now > self.limits.concurrent:
            await self.redis.decr(name)
            return False
        return True

    async def leave(self, key: str) -> None:
        if self.redis is None:
            self.counts[key] = max(0, self.counts.get(key, 0) - 1)
            return
        await self.redis.decr(f"{self.prefix}:concurrent:{key}")

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def _seconds(wait: float) -> int:
    """A Retry-After: whole seconds, at least one."""
    return max(1, math.ceil(wait))
