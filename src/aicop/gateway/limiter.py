"""Per-key limits (provision 4.3): requests a minute, tokens a minute, requests at once.

Requests are counted in an exact moving window (the ``limits`` library), so a burst admits what the
configured rate allows and no more; tokens, which arrive as large costs, in a sliding-window counter
(a moving window stores one entry per token). State is in memory, or in Redis when ``storage`` is a
redis:// URL, so several gateway instances share one budget per key. Requests at once are a counter
(in Redis: INCR/DECR with an expiry, so a crashed instance cannot hold a slot for ever).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from aicop.gateway.config import Limits


@dataclass
class Refusal:
    what: str  # "requests" or "tokens" (requests at once are refused by enter)
    retry_after: int  # seconds


class Limiter:
    def __init__(self, limits: Limits, prefix: str = "aicop") -> None:
        self.limits = limits
        self.prefix = prefix
        self.redis: Any = None
        if limits.storage == "memory":
            storage: Any = MemoryStorage()
            self.counts: dict[str, int] = {}
        else:
            url = "async+" + limits.storage
            storage = RedisStorage(url, implementation="redispy", key_prefix=f"{prefix}-limits")
            import redis.asyncio

            self.redis = redis.asyncio.from_url(limits.storage)
        self.storage = storage
        self.requests = MovingWindowRateLimiter(storage)
        self.tokens = SlidingWindowCounterRateLimiter(storage)
        self.rpm = RateLimitItemPerMinute(limits.requests_per_minute)
        self.tpm = RateLimitItemPerMinute(limits.tokens_per_minute)

    async def check(self) -> bool:
        """Whether the storage answers (the health endpoint asks)."""
        return bool(await self.storage.check())

    async def admit(self, key: str, tokens: int) -> Refusal | None:
        """Count one request of ``tokens`` (estimated input) against ``key``; a refusal if over."""
        if not await self.requests.hit(self.rpm, "rpm", key):
            return Refusal("requests", await self._retry(self.requests, self.rpm, key, "rpm"))
        if tokens and not await self.tokens.hit(self.tpm, "tpm", key, cost=min(tokens, self.tpm.amount)):
            return Refusal("tokens", await self._retry(self.tokens, self.tpm, key, "tpm"))
        return None

    async def spend(self, key: str, tokens: int) -> None:
        """Count tokens the answer used (known only afterwards); the next request pays if over."""
        if tokens > 0:
            await self.tokens.hit(self.tpm, "tpm", key, cost=min(tokens, self.tpm.amount))

    async def _retry(self, limiter: Any, item: Any, key: str, kind: str) -> int:
        stats = await limiter.get_window_stats(item, kind, key)
        return max(1, math.ceil(float(stats.reset_time) - time.time()))

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
