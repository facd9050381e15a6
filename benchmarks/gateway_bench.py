"""aicop gateway under load on loopback: latency it adds, limits under a burst, memory over a soak.

Starts the mock upstream and the gateway as processes of their own (``aicop gateway mock-upstream``
and ``aicop gateway serve``, the latter with auth, limits, the heuristic input guard, output guards
and the audit log all on), then drives them from this process with an open-loop load: requests are
sent on a fixed schedule whatever the answers do, and each latency counts from its scheduled time,
so a stall is not hidden (no coordinated omission). Traffic is bounded in count and time and goes to
127.0.0.1 only.

1. the mock upstream directly, at --rate requests a second for --seconds;
2. the same through the gateway: the difference of the percentiles is the latency the gateway adds;
3. a burst at 10x a key's requests-per-minute for --burst-seconds: admitted / allowed;
4. a soak at --rate for --soak seconds: the gateway's resident memory at the start and the end.
With --litellm PYTHON (a venv with litellm[proxy]) its proxy is measured in step 2 as well.

Usage: python benchmarks/gateway_bench.py [--rate 200] [--seconds 20] [--burst-seconds 60] [--soak 60]
                                          [--litellm PYTHON] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from aicop.gateway.loopback import create_key, free_port, wait_up

AICOP = [str(Path(sys.executable).parent / "aicop")]
BODY = {
    "model": "mock-small",
    "messages": [
        {"role": "system", "content": "You are the support assistant of Acme. Be brief and polite."},
        {"role": "user", "content": "Hello, my kettle arrived with a cracked lid. Can I get a replacement?"},
    ],
    "max_tokens": 64,
}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def load(url: str, key: str | None, rate: float, seconds: float, warm: int = 20) -> dict[str, Any]:
    """Open loop: request i is due at start + i / rate; its latency counts from then."""
    headers = {"authorization": f"Bearer {key}"} if key else {}
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        # warm the connections and the servers (not for a burst: they would spend the key's budget)
        for _ in range(warm):
            await client.post(url, json=BODY, headers=headers)
        total = int(rate * seconds)
        start = time.perf_counter() + 0.05

        async def one(due: float) -> None:
            try:
                response = await client.post(url, json=BODY, headers=headers)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            except httpx.HTTPError:
                statuses[0] = statuses.get(0, 0) + 1
            latencies.append(time.perf_counter() - due)

        # tasks are made when they fall due, so only those in flight exist (120,000 made at once
        # would cost the load more than the servers)
        running: set[asyncio.Task[None]] = set()
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(due))
            running.add(task)
            task.add_done_callback(running.discard)
        while running:
            await asyncio.gather(*list(running))
        elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "requests": total,
        "rps": round(total / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "statuses": statuses,
    }


def start(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--burst-seconds", type=float, default=60)
    parser.add_argument("--soak", type=float, default=60, help="seconds (600 for the 10-minute soak)")
    parser.add_argument(
        "--litellm", default=None, metavar="PYTHON", help="a venv's python with litellm[proxy]"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {"rate": args.rate}
    with tempfile.TemporaryDirectory(prefix="aicop-gw-bench-") as tmp:
        folder = Path(tmp)
        mock_port, gw_port = free_port(), free_port()
        mock = start([*AICOP, "gateway", "mock-upstream", "--port", str(mock_port)])
        burst_rpm = 600
        (folder / "gateway.yaml").write_text(
            f"upstream:\n  url: http://127.0.0.1:{mock_port}/v1\n"
            f"listen:\n  port: {gw_port}\n"
            "limits:\n  requests_per_minute: 1000000\n  tokens_per_minute: 100000000\n  concurrent: 512\n"
            "guards:\n  input:\n    injection: block\n    personal_data: flag\n"
            "  output:\n    redact: true\n    leak: block\n    canaries: [CANARY-51f2]\n"
            "audit:\n  path: audit/gateway.jsonl\n"
        )
        (folder / "burst.yaml").write_text(
            (folder / "gateway.yaml")
            .read_text()
            .replace("requests_per_minute: 1000000", f"requests_per_minute: {burst_rpm}")
            .replace(f"port: {gw_port}", "port: BURST")
            .replace("audit/gateway", "audit/burst")
        )
        key = create_key(folder / "gateway.yaml", "bench")
        gateway = start([*AICOP, "gateway", "serve", "--config", str(folder / "gateway.yaml")])
        try:
            wait_up(f"http://127.0.0.1:{mock_port}/v1/models")
            wait_up(f"http://127.0.0.1:{gw_port}/healthz")
            direct = asyncio.run(
                load(f"http://127.0.0.1:{mock_port}/v1/chat/completions", None, args.rate, args.seconds)
            )
            through = asyncio.run(
                load(f"http://127.0.0.1:{gw_port}/v1/chat/completions", key, args.rate, args.seconds)
            )
            results["direct"], results["aicop"] = direct, through
            results["aicop_added_ms"] = {
                "p50": round(through["p50_ms"] - direct["p50_ms"], 2),
                "p99": round(through["p99_ms"] - direct["p99_ms"], 2),
            }
            if args.litellm:
                results["litellm"] = litellm_run(args, folder, mock_port, direct)
            # the soak: memory of the gateway process at the start and the end
            before = rss_mb(gateway.pid)
            soak = asyncio.run(
                load(f"http://127.0.0.1:{gw_port}/v1/chat/completions", key, args.rate, args.soak)
            )
            results["soak"] = {
                "seconds": args.soak,
                "rss_start_mb": round(before, 1),
                "rss_end_mb": round(rss_mb(gateway.pid), 1),
                "p99_ms": soak["p99_ms"],
                "statuses": soak["statuses"],
            }
        finally:
            gateway.terminate()
            gateway.wait(timeout=15)
        # the burst, on a gateway of its own whose key may make burst_rpm requests a minute
        burst_port = free_port()
        (folder / "burst.yaml").write_text(
            (folder / "burst.yaml").read_text().replace("BURST", str(burst_port))
        )
        burst = start([*AICOP, "gateway", "serve", "--config", str(folder / "burst.yaml")])
        try:
            wait_up(f"http://127.0.0.1:{burst_port}/healthz")
            rate = burst_rpm / 60 * 10
            # no warm-up: its requests would spend the key's budget before the measured minute
            flood = asyncio.run(
                load(
                    f"http://127.0.0.1:{burst_port}/v1/chat/completions",
                    key,
                    rate,
                    args.burst_seconds,
                    warm=0,
                )
            )
            admitted = flood["statuses"].get(200, 0)
            allowed = min(int(rate * args.burst_seconds), burst_rpm * max(1.0, args.burst_seconds / 60))
            results["burst"] = {
                "configured_rpm": burst_rpm,
                "offered_rps": rate,
                "seconds": args.burst_seconds,
                "admitted": admitted,
                "allowed": allowed,
                "error_pct": round((admitted - allowed) / allowed * 100, 2),
                "statuses": flood["statuses"],
            }
        finally:
            burst.terminate()
            burst.wait(timeout=15)
            mock.terminate()
            mock.wait(timeout=15)
        verify = subprocess.run(
            [*AICOP, "audit", "verify", str(folder / "audit" / "gateway.jsonl")],
            capture_output=True,
            text=True,
        )
        results["audit_verify"] = verify.stdout.strip().splitlines()[-1]
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"open-loop load at {args.rate:.0f} rps for {args.seconds:.0f} s; "
        "the load, the gateway and the upstream share the machine's cores"
    )
    print(f"{'path':28} {'rps':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    rows = [("mock upstream direct", results["direct"]), ("through aicop gateway", results["aicop"])]
    if "litellm" in results and "run" in results["litellm"]:
        rows.append(("through LiteLLM proxy", results["litellm"]["run"]))
    for name, row in rows:
        print(f"{name:28} {row['rps']:7.1f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f}  {row['statuses']}")
    added = results["aicop_added_ms"]
    print(f"aicop adds p50 {added['p50']:.2f} ms, p99 {added['p99']:.2f} ms")
    if "litellm" in results:
        print(f"LiteLLM: {results['litellm'].get('added_ms', results['litellm'].get('error'))}")
    b = results["burst"]
    print(
        f"burst: {b['offered_rps']:.0f} rps offered for {b['seconds']:.0f} s "
        f"to a key of {b['configured_rpm']} rpm: "
        f"{b['admitted']} admitted of {b['allowed']:.0f} allowed ({b['error_pct']:+.2f}%)"
    )
    s = results["soak"]
    print(
        f"soak {s['seconds']:.0f} s: gateway RSS {s['rss_start_mb']} -> {s['rss_end_mb']} MB, "
        f"p99 {s['p99_ms']} ms"
    )
    print(f"audit log: {results['audit_verify']}")
    return 0


def litellm_run(
    args: argparse.Namespace, folder: Path, mock_port: int, direct: dict[str, Any]
) -> dict[str, Any]:
    """LiteLLM's proxy in front of the same mock, with a master key (its auth) and no other callbacks."""
    port = free_port()
    config = folder / "litellm.yaml"
    config.write_text(
        "model_list:\n  - model_name: mock-small\n    litellm_params:\n      model: openai/mock-small\n"
        f"      api_base: http://127.0.0.1:{mock_port}/v1\n      api_key: none\n"
        "general_settings:\n  master_key: sk-bench-1234\n"
    )
    binary = Path(args.litellm).parent / "litellm"
    proxy = start(
        [str(binary), "--config", str(config), "--port", str(port), "--host", "127.0.0.1"],
        env={**os.environ, "LITELLM_LOG": "ERROR"},
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/health/liveliness", seconds=90)
        run = asyncio.run(
            load(f"http://127.0.0.1:{port}/v1/chat/completions", "sk-bench-1234", args.rate, args.seconds)
        )
    except TimeoutError as err:
        return {"error": str(err)}
    finally:
        proxy.terminate()
        proxy.wait(timeout=15)
    return {
        "run": run,
        "added_ms": {
            "p50": round(run["p50_ms"] - direct["p50_ms"], 2),
            "p99": round(run["p99_ms"] - direct["p99_ms"], 2),
        },
    }


if __name__ == "__main__":
    raise SystemExit(main())
