"""The candidates for the gateway's upstream client: CPU time per request against the mock upstream.

Starts ``aicop gateway mock-upstream`` as a process of its own, then sends ``--requests`` chat requests
(eight in flight) with each candidate from this process and divides this process's CPU time (user +
system, ``time.process_time``) by the requests: httpx's AsyncClient, httpcore's connection pool on its
own, and aiohttp's ClientSession, each under asyncio's event loop and, when uvloop is installed, under
uvloop's. CPU time hardly depends on what else the machine runs, so the ratios hold on a busy machine.

Usage: python benchmarks/gateway_clients.py [--requests 2000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpcore
import httpx

from aicop.gateway.loopback import free_port, wait_up

AICOP = [str(Path(sys.executable).parent / "aicop")]
BODY = json.dumps(
    {"model": "mock-small", "messages": [{"role": "user", "content": "Hello, my kettle has a cracked lid."}]}
).encode()
HEADERS = {"content-type": "application/json"}
IN_FLIGHT = 8


async def measure(make: Callable[[], Any], one: Callable[[Any], Awaitable[None]], requests: int) -> float:
    """CPU milliseconds per request of ``one`` over ``requests``, after 100 to warm up."""
    client = make()
    try:
        for _ in range(100):
            await one(client)
        todo = iter(range(requests))

        async def worker() -> None:
            for _ in todo:
                await one(client)

        started = time.process_time()
        await asyncio.gather(*[worker() for _ in range(IN_FLIGHT)])
        return (time.process_time() - started) / requests * 1000
    finally:
        await (client.close() if isinstance(client, aiohttp.ClientSession) else client.aclose())


def candidates(url: str) -> dict[str, tuple[Callable[[], Any], Callable[[Any], Awaitable[None]]]]:
    async def with_httpx(client: httpx.AsyncClient) -> None:
        (await client.post(url, content=BODY, headers=HEADERS)).json()

    async def with_httpcore(pool: httpcore.AsyncConnectionPool) -> None:
        response = await pool.request("POST", url, content=BODY, headers=list(HEADERS.items()))
        json.loads(response.content)

    async def with_aiohttp(session: aiohttp.ClientSession) -> None:
        async with session.post(url, data=BODY, headers=HEADERS) as response:
            json.loads(await response.read())

    return {
        "httpx": (lambda: httpx.AsyncClient(limits=httpx.Limits(max_connections=512)), with_httpx),
        "httpcore": (lambda: httpcore.AsyncConnectionPool(max_connections=512), with_httpcore),
        "aiohttp": (lambda: aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512)), with_aiohttp),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    loops: dict[str, Callable[[Any], Any]] = {"asyncio": asyncio.run}
    try:
        import uvloop

        loops["uvloop"] = uvloop.run
    except ImportError:
        pass
    port = free_port()
    mock = subprocess.Popen(
        [*AICOP, "gateway", "mock-upstream", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, dict[str, float]] = {}
    load_before = os.getloadavg()[0]
    try:
        wait_up(f"http://127.0.0.1:{port}/v1/models")
        for loop, run in loops.items():
            for name, (make, one) in candidates(f"http://127.0.0.1:{port}/v1/chat/completions").items():
                results.setdefault(name, {})[loop] = round(run(measure(make, one, args.requests)), 3)
    finally:
        mock.terminate()
        mock.wait(timeout=15)
    load_after = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"cpu_ms_per_request": results, "load": [load_before, load_after]}, indent=2))
        return 0
    print(
        f"upstream client candidates: CPU per request of the client's process, {args.requests} requests, "
        f"{IN_FLIGHT} in flight, against the mock on loopback "
        f"(load average {load_before:.1f} -> {load_after:.1f})"
    )
    print("| client | " + " | ".join(loops) + " |\n|---|" + "---|" * len(loops))
    for name, row in results.items():
        print(f"| {name} | " + " | ".join(f"{row[loop]:.3f} ms" for loop in loops) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
