"""The in-memory windows of the limiter: the same algorithms as the ``limits`` library's (which the
Redis storage still uses), without its thread hand-off after every request."""

from __future__ import annotations

import asyncio
import threading

import pytest

from aicop.gateway.config import Limits
from aicop.gateway.limiter import WINDOW, Limiter, MemoryWindows


def test_moving_window_admits_the_rate_and_no_more() -> None:
    windows = MemoryWindows(requests=3, tokens=1000)
    start = 1000.0
    assert [windows.hit_request("k", start + i) for i in range(3)] == [None, None, None]
    wait = windows.hit_request("k", start + 10)
    assert wait == pytest.approx(50.0)  # the first request leaves the window at start + 60
    assert windows.hit_request("other", start + 10) is None  # per key
    assert windows.hit_request("k", start + 59.9) is not None  # refusals are not counted ...
    assert windows.hit_request("k", start + 60.0) is None  # ... and the window moves: one slot freed
    assert windows.hit_request("k", start + 60.5) is not None


def test_token_window_weights_the_previous_minute() -> None:
    windows = MemoryWindows(requests=100, tokens=100)
    minute = 100 * WINDOW
    assert windows.hit_tokens("k", 80, minute + 30) is None
    assert windows.hit_tokens("k", 30, minute + 40) is not None  # 80 + 30 > 100 in the same minute
    # next minute, a quarter in: the previous 80 weigh 60
    assert windows.hit_tokens("k", 41, minute + WINDOW + 15) is not None
    wait = windows.hit_tokens("k", 41, minute + WINDOW + 15)
    assert wait is not None and wait == pytest.approx(1 / 80 * WINDOW, abs=0.01)  # 1 token must fade
    assert windows.hit_tokens("k", 40, minute + WINDOW + 15) is None
    # two minutes later everything is gone
    assert windows.hit_tokens("k", 100, minute + 4 * WINDOW) is None


def test_spent_tokens_are_counted_even_over_the_limit() -> None:
    windows = MemoryWindows(requests=100, tokens=100)
    assert windows.hit_tokens("k", 90, 0.0) is None
    assert windows.hit_tokens("k", 50, 1.0, force=True) is None  # the answer already used them
    assert windows.hit_tokens("k", 1, 2.0) is not None  # so the next request pays


def test_memory_limiter_uses_no_thread() -> None:
    """The reason for the in-memory windows: ``limits``' async memory storage sends every hit's
    expiry to a thread; hundreds of hits here start none."""
    limiter = Limiter(Limits(requests_per_minute=1000, tokens_per_minute=10**6))
    before = threading.active_count()

    async def go() -> list[object]:
        return [await limiter.admit(f"key-{n % 3}", 10) for n in range(600)]

    results = asyncio.run(go())
    assert results == [None] * 600
    assert threading.active_count() == before
    refusal = asyncio.run(limiter.admit("key-0", 10))
    assert refusal is None  # 200 of 1000 used by key-0
    small = Limiter(Limits(requests_per_minute=2))
    refusals = [asyncio.run(small.admit("k", 0)) for _ in range(3)]
    assert refusals[:2] == [None, None]
    assert refusals[2] is not None and refusals[2].what == "requests"
    assert 1 <= refusals[2].retry_after <= 60
