"""benchmarks/openloop.py: requests a server never answers fail, each counted from its own due time."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import openloop


def test_unanswered_requests_fail_from_their_own_due_times_and_leave_nothing_behind() -> None:
    async def scenario() -> tuple[list[openloop.Record], int, float]:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()  # reads, never answers

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        pool = openloop.Pool(openloop.Target(f"http://127.0.0.1:{port}/", b"{}", {}), loop, connections=4)
        result = await openloop.run(pool, rate=100, seconds=0.1, grace=0.3)
        await asyncio.sleep(0.05)  # the aborted connections' callbacks run
        pool.close()
        server.close()
        return pool.records, pool.in_flight, result["elapsed"]

    records, in_flight, elapsed = asyncio.run(scenario())
    assert len(records) == 10 and {status for status, _ in records} == {0} and in_flight == 0
    waits = sorted(seconds for _, seconds in records)
    # request i is due at i / 100 s: the first waited the whole run, the last about 0.09 s less
    assert waits[-1] <= elapsed + 0.01 and 0.07 <= waits[-1] - waits[0] <= 0.12
