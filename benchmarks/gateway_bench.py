"""aicop gateway under load on loopback: the latency and CPU it adds, overload, limits, memory, LiteLLM.

Starts the mock upstream and the gateway as processes of their own (``aicop gateway mock-upstream`` and
``aicop gateway serve``, the gateway with everything on: auth, limits, the heuristic input guards,
output redaction and leak detection, the audit log), then drives them from this process with an
open-loop load: request i is sent at start + i/rate whatever the answers do, and its latency counts
from that scheduled time, so a stall is never hidden (no coordinated omission). The load comes from
openloop.py (HTTP/1.1 on bare asyncio protocols, a third of aiohttp's client's CPU a request, at most
512 connections), so that the load generator takes less of the shared cores; ``--client aiohttp``
runs aiohttp's client instead, to compare. Traffic is bounded in count and time and goes to 127.0.0.1
only.

1. latency: ``--runs`` runs; each run alternates slices of ``--slice-seconds`` straight to the mock and
   through the gateway (``--slices`` of each), so that both see the same machine; the gateway's p50
   and p99 minus the mock's is what it adds. The figures printed are the median over the runs.
2. CPU per request: the gateway's own CPU time (user + system, from /proc) over its slices, divided
   by the requests it served. Unlike latency this hardly depends on what else the machine runs.
3. overload: the gateway's sustainable rate (rates rising by 25% from ``--rate`` for 5 s each, up to
   ``--max-rate``, until one is not kept up: an answer other than 200, under 97% of the offered rate
   served, or a p99 over ``--sustained-p99-ms``), then that rate again and 2x that rate for
   ``--overload-seconds`` each: admitted requests' latency against the sustainable rate's, and how
   fast the rest were refused (503).
4. a burst at 10x a key's requests-per-minute for ``--burst-seconds``: admitted / allowed.
5. a soak for ``--soak`` seconds: the gateway's resident memory at the start and the end.
6. with ``--litellm PYTHON`` (a venv with litellm[proxy]; ``make bench-gateway`` makes one): LiteLLM's
   proxy (master key only) in front of the same mock, at rising rates to the highest it sustains,
   then at that rate interleaved with the mock and aicop, with its CPU per request.

The machine's load average is read before and after. On a machine busier than its cores the
benchmark refuses to run (exit 3) unless ``--busy-ok``, and then every table says how busy it was:
wall-clock latencies taken so are not meaningful, CPU per request still is.

Usage: python benchmarks/gateway_bench.py [--rate 200] [--runs 5] [--litellm PYTHON] [--busy-ok] [--json]
       [--skip latency,overload,burst,soak] [--overload-rate RPS] [--client raw|aiohttp]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import openloop  # benchmarks/openloop.py, beside this script

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
TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
CLIENT = "raw"  # the load generator: openloop.py ("raw") or aiohttp's client ("aiohttp"); --client


# ---------------------------------------------------------------------------------------- the machine
def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and every process under it, from /proc."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(entry.name)
        children.setdefault(int(fields[1]), []).append(child)
        times[child] = (int(fields[11]) + int(fields[12])) / TICK
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo += children.get(current, [])
    return total


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load() -> float:
    return round(os.getloadavg()[0], 2)


# ---------------------------------------------------------------------------------------- the load
class Target:
    def __init__(self, name: str, url: str, key: str | None, pid: int | None) -> None:
        self.name, self.url, self.pid = name, url, pid
        self.headers = {"content-type": "application/json"}
        if key:
            self.headers["authorization"] = f"Bearer {key}"


async def open_loop(
    session: aiohttp.ClientSession, target: Target, rate: float, seconds: float
) -> dict[str, Any]:
    """Request i is due at start + i / rate; its latency counts from then. Tasks are made when they
    fall due, so only those in flight exist."""
    body = json.dumps(BODY).encode()
    done: list[tuple[int, float]] = []  # (status, latency)

    async def one(due: float) -> None:
        status = 0
        try:
            async with session.post(target.url, data=body, headers=target.headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            pass
        done.append((status, time.perf_counter() - due))

    total = max(1, int(rate * seconds))
    running: set[asyncio.Task[None]] = set()
    start = time.perf_counter() + 0.02
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
    return {"elapsed": time.perf_counter() - start, "done": done}


def summary(slices: list[dict[str, Any]], offered: float) -> dict[str, Any]:
    """Latency percentiles over slices, by status; the rate achieved."""
    done = [d for s in slices for d in s["done"]]
    elapsed = sum(s["elapsed"] for s in slices)
    statuses: dict[int, int] = {}
    for status, _ in done:
        statuses[status] = statuses.get(status, 0) + 1
    ok = sorted(t for status, t in done if status == 200)
    refused = sorted(t for status, t in done if status == 503)
    out: dict[str, Any] = {
        "offered_rps": offered,
        "requests": len(done),
        "rps": round(len(done) / elapsed, 1) if elapsed else 0.0,
        "statuses": statuses,
        **percentiles(ok),
    }
    if refused:
        out["refused"] = {k: v for k, v in percentiles(refused).items()}
    return out


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}

    def pct(p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 2)

    return {"p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": round(values[-1] * 1000, 2)}


async def interleaved(
    targets: list[Target], rate: float, slices: int, seconds: float, warm: int = 100
) -> dict[str, Any]:
    """One run: ``slices`` slices of each target in turn at ``rate``; per target its latency and the
    CPU per request of its process (the mock's CPU is counted over every slice), and the load
    generator's own CPU per request (this process)."""
    if CLIENT == "aiohttp":
        return await interleaved_aiohttp(targets, rate, slices, seconds, warm)
    loop = asyncio.get_running_loop()
    body = json.dumps(BODY).encode()
    pools = {t.name: openloop.Pool(openloop.Target(t.url, body, t.headers), loop) for t in targets}
    try:
        for target in targets:  # warm connections and servers
            await openloop.warm(pools[target.name], warm)
        return await measured(targets, slices, lambda t: openloop.run(pools[t.name], rate, seconds), rate)
    finally:
        for pool in pools.values():
            pool.close()


async def measured(
    targets: list[Target], slices: int, one_slice: Callable[[Target], Any], rate: float
) -> dict[str, Any]:
    taken: dict[str, list[dict[str, Any]]] = {t.name: [] for t in targets}
    cpu: dict[str, float] = {t.name: 0.0 for t in targets}
    own: dict[str, float] = {t.name: 0.0 for t in targets}
    for _ in range(slices):
        for target in targets:
            before, own_before = cpu_seconds(target.pid) if target.pid else 0.0, time.process_time()
            taken[target.name].append(await one_slice(target))
            own[target.name] += time.process_time() - own_before
            if target.pid:
                cpu[target.name] += cpu_seconds(target.pid) - before
    result: dict[str, Any] = {}
    for target in targets:
        row = summary(taken[target.name], rate)
        if target.pid:
            row["cpu_ms_per_request"] = round(cpu[target.name] / max(1, row["requests"]) * 1000, 3)
        row["client_cpu_ms_per_request"] = round(own[target.name] / max(1, row["requests"]) * 1000, 3)
        result[target.name] = row
    return result


async def interleaved_aiohttp(
    targets: list[Target], rate: float, slices: int, seconds: float, warm: int
) -> dict[str, Any]:
    """The same with aiohttp's client (the generator before openloop.py; kept to validate it)."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        for target in targets:  # warm connections and servers
            for _ in range(warm):
                async with session.post(target.url, data=json.dumps(BODY), headers=target.headers) as r:
                    await r.read()
        return await measured(targets, slices, lambda t: open_loop(session, t, rate, seconds), rate)


def run_async(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# ---------------------------------------------------------------------------------------- processes
def start(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def gateway_yaml(mock_port: int, port: int, audit: str, rpm: int = 1_000_000) -> str:
    return (
        f"upstream:\n  url: http://127.0.0.1:{mock_port}/v1\n"
        f"listen:\n  port: {port}\n"
        f"limits:\n  requests_per_minute: {rpm}\n  tokens_per_minute: 100000000\n  concurrent: 100000\n"
        "guards:\n  input:\n    injection: block\n    personal_data: flag\n"
        "  output:\n    redact: true\n    leak: block\n    canaries: [CANARY-51f2]\n"
        f"audit:\n  path: {audit}\n"
    )


def serve(folder: Path, name: str, text: str) -> tuple[subprocess.Popen[bytes], int]:
    port = int(text.split("listen:\n  port: ")[1].split("\n")[0])
    (folder / f"{name}.yaml").write_text(text)
    process = start([*AICOP, "gateway", "serve", "--config", str(folder / f"{name}.yaml")])
    wait_up(f"http://127.0.0.1:{port}/healthz")
    return process, port


def _cpu_to_mock(run: dict[str, Any]) -> float:
    return float(run["aicop"]["cpu_ms_per_request"]) / max(float(run["direct"]["cpu_ms_per_request"]), 1e-9)


def median_of(runs: list[dict[str, Any]], get: Callable[[dict[str, Any]], float]) -> float:
    return round(statistics.median(get(r) for r in runs), 3)


# ---------------------------------------------------------------------------------------- steps
def latency_runs(args: argparse.Namespace, direct: Target, aicop: Target) -> dict[str, Any]:
    runs = []
    for number in range(args.runs):
        run = run_async(interleaved([direct, aicop], args.rate, args.slices, args.slice_seconds))
        run["load"] = load()
        run["added_p50_ms"] = round(run["aicop"]["p50_ms"] - run["direct"]["p50_ms"], 2)
        run["added_p99_ms"] = round(run["aicop"]["p99_ms"] - run["direct"]["p99_ms"], 2)
        runs.append(run)
        print(
            f"  run {number + 1}: added p50 {run['added_p50_ms']} ms, p99 {run['added_p99_ms']} ms; "
            f"gateway CPU {run['aicop']['cpu_ms_per_request']} ms/request, load generator "
            f"{run['aicop']['client_cpu_ms_per_request']} ms/request; load {run['load']}",
            file=sys.stderr,
        )
    return {
        "runs": runs,
        "median": {
            "direct_p50_ms": median_of(runs, lambda r: r["direct"]["p50_ms"]),
            "direct_p99_ms": median_of(runs, lambda r: r["direct"]["p99_ms"]),
            "aicop_p50_ms": median_of(runs, lambda r: r["aicop"]["p50_ms"]),
            "aicop_p99_ms": median_of(runs, lambda r: r["aicop"]["p99_ms"]),
            "added_p50_ms": median_of(runs, lambda r: r["added_p50_ms"]),
            "added_p99_ms": median_of(runs, lambda r: r["added_p99_ms"]),
            "aicop_rps": median_of(runs, lambda r: r["aicop"]["rps"]),
            "direct_rps": median_of(runs, lambda r: r["direct"]["rps"]),
            "cpu_ms_per_request": median_of(runs, lambda r: r["aicop"]["cpu_ms_per_request"]),
            "mock_cpu_ms_per_request": median_of(runs, lambda r: r["direct"]["cpu_ms_per_request"]),
            "client_cpu_ms_per_request": median_of(runs, lambda r: r["aicop"]["client_cpu_ms_per_request"]),
            # the gateway's CPU per request over the mock's in the same run: a control for the machine's speed
            "cpu_to_mock": median_of(runs, _cpu_to_mock),
        },
        "runs_within_5ms_p99": sum(1 for r in runs if r["added_p99_ms"] <= 5),
        "aicop_statuses": {
            status: sum(r["aicop"]["statuses"].get(status, 0) for r in runs)
            for status in sorted({s for r in runs for s in r["aicop"]["statuses"]})
        },
        "cpu_ms_per_request_runs": [r["aicop"]["cpu_ms_per_request"] for r in runs],
    }


def keeps_up(row: dict[str, Any], p99_ms: float) -> bool:
    ok = row["statuses"].get(200, 0) == row["requests"]
    return bool(ok and row["rps"] >= 0.97 * row["offered_rps"] and row["p99_ms"] <= p99_ms)


def highest_sustained(target: Target, rates: list[float], seconds: float, p99_ms: float) -> dict[str, Any]:
    """Rising rates until the target no longer keeps up: the last rate it did, and every step."""
    steps, best = [], None
    for rate in rates:
        row = run_async(interleaved([target], rate, 1, seconds, warm=20))[target.name]
        steps.append(row)
        print(f"  {target.name} at {rate:.0f} rps: {row['rps']} rps, p99 {row['p99_ms']} ms", file=sys.stderr)
        if not keeps_up(row, p99_ms):
            break
        best = rate
    return {"sustained_rps": best, "steps": steps}


def overload(args: argparse.Namespace, aicop: Target) -> dict[str, Any]:
    if args.overload_rate:  # one offered rate, no search: to compare versions on the same machine
        offered = run_async(interleaved([aicop], args.overload_rate, 1, args.overload_seconds, warm=20))
        return {"offered_rps": args.overload_rate, "at_offered": offered["aicop"]}
    rates, rate = [], args.rate
    while rate <= args.max_rate:
        rates.append(round(rate))
        rate *= 1.25
    found = highest_sustained(aicop, rates, 5, args.sustained_p99_ms)
    sustainable = found["sustained_rps"]
    if sustainable is None:
        return {"error": f"the gateway did not keep up even at {args.rate:.0f} rps", **found}
    at_rate = run_async(interleaved([aicop], sustainable, 1, args.overload_seconds, warm=20))["aicop"]
    double = run_async(interleaved([aicop], 2 * sustainable, 1, args.overload_seconds, warm=20))["aicop"]
    return {"sustainable_rps": sustainable, "at_sustainable": at_rate, "at_double": double, **found}


def burst(args: argparse.Namespace, folder: Path, mock_port: int, key: str) -> dict[str, Any]:
    """A gateway of its own whose key may make burst_rpm requests a minute, flooded at 10x that."""
    burst_rpm = 600
    process, port = serve(
        folder, "burst", gateway_yaml(mock_port, free_port(), "audit/burst.jsonl", burst_rpm)
    )
    try:
        rate = burst_rpm / 60 * 10
        target = Target("burst", f"http://127.0.0.1:{port}/v1/chat/completions", key, None)
        # no warm-up: its requests would spend the key's budget before the measured minute
        flood = run_async(interleaved([target], rate, 1, args.burst_seconds, warm=0))["burst"]
    finally:
        stop(process)
    admitted = flood["statuses"].get(200, 0)
    allowed = min(int(rate * args.burst_seconds), burst_rpm * max(1.0, args.burst_seconds / 60))
    return {
        "configured_rpm": burst_rpm,
        "offered_rps": rate,
        "seconds": args.burst_seconds,
        "admitted": admitted,
        "allowed": allowed,
        "error_pct": round((admitted - allowed) / allowed * 100, 2),
        "statuses": flood["statuses"],
    }


def litellm(
    args: argparse.Namespace, folder: Path, mock_port: int, direct: Target, aicop: Target
) -> dict[str, Any]:
    """LiteLLM's proxy in front of the same mock, with a master key (its auth) and no callbacks."""
    port = free_port()
    config = folder / "litellm.yaml"
    config.write_text(
        "model_list:\n  - model_name: mock-small\n    litellm_params:\n      model: openai/mock-small\n"
        f"      api_base: http://127.0.0.1:{mock_port}/v1\n      api_key: none\n"
        "general_settings:\n  master_key: sk-bench-1234\n"
    )
    binary = Path(args.litellm).parent / "litellm"
    version = subprocess.run(
        [args.litellm, "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    proxy = start(
        [str(binary), "--config", str(config), "--port", str(port), "--host", "127.0.0.1"],
        env={**os.environ, "LITELLM_LOG": "ERROR"},
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/health/liveliness", seconds=120)
        target = Target("litellm", f"http://127.0.0.1:{port}/v1/chat/completions", "sk-bench-1234", proxy.pid)
        found = highest_sustained(target, args.litellm_rates, 10, args.sustained_p99_ms_litellm)
        rate = found["sustained_rps"]
        if rate is None:
            return {"version": version, "error": f"did not keep up at {args.litellm_rates[0]} rps", **found}
        side = run_async(interleaved([direct, target, aicop], rate, args.slices, args.slice_seconds))
    except TimeoutError as err:
        return {"version": version, "error": str(err)}
    finally:
        stop(proxy)
    for name in ("litellm", "aicop"):
        side[name]["added_p50_ms"] = round(side[name]["p50_ms"] - side["direct"]["p50_ms"], 2)
        side[name]["added_p99_ms"] = round(side[name]["p99_ms"] - side["direct"]["p99_ms"], 2)
    return {"version": version, "sustained_rps": rate, "side_by_side": side, "steps": found["steps"]}


# ---------------------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=200, help="requests a second for the latency runs")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slices", type=int, default=3, help="slices of each target in a run")
    parser.add_argument("--slice-seconds", type=float, default=5)
    parser.add_argument(
        "--max-rate", type=float, default=6000, help="where the search for the sustainable rate stops"
    )
    parser.add_argument("--sustained-p99-ms", type=float, default=50, help="p99 a sustained rate keeps under")
    parser.add_argument("--sustained-p99-ms-litellm", type=float, default=1000)
    parser.add_argument(
        "--litellm-rates",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[25, 50, 75, 100, 150, 200],
    )
    parser.add_argument("--overload-seconds", type=float, default=10)
    parser.add_argument(
        "--overload-rate", type=float, default=0, help="offer this rate instead of 2x the sustainable one"
    )
    parser.add_argument("--burst-seconds", type=float, default=60)
    parser.add_argument("--soak", type=float, default=60, help="seconds (600 for the 10-minute soak)")
    parser.add_argument("--skip", default="", help="steps to leave out: latency,overload,burst,soak")
    parser.add_argument(
        "--litellm", default=None, metavar="PYTHON", help="a venv's python with litellm[proxy]"
    )
    parser.add_argument("--busy-ok", action="store_true", help="run on a busy machine, and say so")
    parser.add_argument(
        "--client",
        choices=["raw", "aiohttp"],
        default="raw",
        help="the load generator: openloop.py on asyncio protocols, or aiohttp's client (to compare)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    global CLIENT
    CLIENT = args.client
    skip = set(filter(None, args.skip.split(",")))
    before = os.getloadavg()
    busy = before[0] > CORES
    if busy and not args.busy_ok:
        print(
            f"refused: the load average is {before[0]:.1f} on {CORES} cores; latency figures taken now would "
            "say more about the other programs than about the gateway. Run on a quiet machine, or with "
            "--busy-ok to take the figures anyway (CPU per request stays meaningful; latency does not).",
            file=sys.stderr,
        )
        return 3
    results: dict[str, Any] = {
        "rate": args.rate,
        "cores": CORES,
        "client": args.client,
        "load_before": [round(x, 2) for x in before],
    }
    with tempfile.TemporaryDirectory(prefix="aicop-gw-bench-") as tmp:
        folder = Path(tmp)
        mock_port = free_port()
        mock = start([*AICOP, "gateway", "mock-upstream", "--port", str(mock_port)])
        key = create_key_file(folder, mock_port)
        gateway = None
        try:
            wait_up(f"http://127.0.0.1:{mock_port}/v1/models")
            gateway, port = serve(
                folder, "gateway", gateway_yaml(mock_port, free_port(), "audit/gateway.jsonl")
            )
            direct = Target("direct", f"http://127.0.0.1:{mock_port}/v1/chat/completions", None, mock.pid)
            aicop = Target("aicop", f"http://127.0.0.1:{port}/v1/chat/completions", key, gateway.pid)
            if "latency" not in skip:
                print(f"latency at {args.rate:.0f} rps, {args.runs} runs", file=sys.stderr)
                results["latency"] = latency_runs(args, direct, aicop)
            if "overload" not in skip:
                print("overload", file=sys.stderr)
                results["overload"] = overload(args, aicop)
            if args.litellm:
                print("LiteLLM", file=sys.stderr)
                results["litellm"] = litellm(args, folder, mock_port, direct, aicop)
            if "soak" not in skip:
                rss_before = rss_mb(gateway.pid)
                soak = run_async(interleaved([aicop], args.rate, 1, args.soak, warm=0))["aicop"]
                results["soak"] = {
                    "seconds": args.soak,
                    "rss_start_mb": round(rss_before, 1),
                    "rss_end_mb": round(rss_mb(gateway.pid), 1),
                    "statuses": soak["statuses"],
                }
            stop(gateway)
            gateway = None
            if "burst" not in skip:
                results["burst"] = burst(args, folder, mock_port, key)
        finally:
            if gateway is not None:
                stop(gateway)
            stop(mock)
        verify = subprocess.run(
            [*AICOP, "audit", "verify", str(folder / "audit" / "gateway.jsonl")],
            capture_output=True,
            text=True,
        )
        results["audit_verify"] = (verify.stdout.strip().splitlines() or ["(nothing printed)"])[-1]
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    results["busy"] = busy
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results, args)
    return 0


def create_key_file(folder: Path, mock_port: int) -> str:
    """A key in the key file every gateway of this run reads (auth.keys is relative to the yaml)."""
    (folder / "keys.yaml").write_text(gateway_yaml(mock_port, 1, "audit/unused.jsonl"))
    return create_key(folder / "keys.yaml", "bench")


def row(label: str, r: dict[str, Any], *extra: object) -> str:
    cells = [label, r["rps"], f"{r['p50_ms']} ms", f"{r['p99_ms']} ms", *extra]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    before, after, cores = results["load_before"], results["load_after"], results["cores"]
    print(f"machine: {cores} cores; load average {before[0]} before, {after[0]} after (1 min)")
    if results["busy"]:
        print("!" * 100)
        print(f"!! BUSY MACHINE: load {before[0]} on {cores} cores.")
        print("!! The latencies below are NOT meaningful; CPU per request is.")
        print("!" * 100)
    if "latency" in results:
        latency_report(results, args)
    overload_report(results, args)


def latency_report(results: dict[str, Any], args: argparse.Namespace) -> None:
    lat = results["latency"]
    m = lat["median"]
    print(
        "\nthe gateway with auth, limits, heuristic input guards, output guards and the audit log on;\n"
        f"open loop at {args.rate:.0f} rps, latency from each request's scheduled time; median of "
        f"{args.runs} runs, each {args.slices} x {args.slice_seconds:.0f} s slices of each path, "
        "interleaved\n"
    )
    print("| path | rps | p50 | p99 | CPU per request |\n|---|---|---|---|---|")
    direct = {"rps": m["direct_rps"], "p50_ms": m["direct_p50_ms"], "p99_ms": m["direct_p99_ms"]}
    aicop = {"rps": m["aicop_rps"], "p50_ms": m["aicop_p50_ms"], "p99_ms": m["aicop_p99_ms"]}
    print(row("mock upstream directly", direct, f"{m['mock_cpu_ms_per_request']} ms (the mock)"))
    print(row("through aicop gateway", aicop, f"{m['cpu_ms_per_request']} ms (the gateway)"))
    print(
        f"\naicop adds p50 {m['added_p50_ms']} ms, p99 {m['added_p99_ms']} ms (median); p99 added <= 5 ms "
        f"in {lat['runs_within_5ms_p99']} of {len(lat['runs'])} runs; the gateway's CPU per request by run: "
        f"{lat['cpu_ms_per_request_runs']} ms; the gateway's answers over all runs: {lat['aicop_statuses']}; "
        f"the load generator's CPU per request: {m['client_cpu_ms_per_request']} ms"
    )
    if "cpu_to_mock" in m:  # the mock does a small fixed job on the same network path: a speed control
        print(
            f"the gateway's CPU per request is {m['cpu_to_mock']:.2f}x the mock's (the median of the runs' "
            "ratios: it changes with the gateway, not with how fast the machine is that day)"
        )


def overload_report(results: dict[str, Any], args: argparse.Namespace) -> None:
    if "overload" in results:
        o = results["overload"]
        if "at_offered" in o:
            r = o["at_offered"]
            print(
                f"\noverload: {o['offered_rps']:.0f} rps offered for {args.overload_seconds:.0f} s: achieved "
                f"{r['rps']} rps, statuses {r['statuses']}; admitted p50 {r['p50_ms']} ms, "
                f"p99 {r['p99_ms']} ms, max {r['max_ms']} ms; refused (503) {r.get('refused', 'none')}"
            )
        elif "error" in o:
            print(f"\noverload: {o['error']}")
        else:
            at, double = o["at_sustainable"], o["at_double"]
            refused = double.get("refused")
            print(
                f"\noverload: sustainable {o['sustainable_rps']} rps "
                f"(p99 under {args.sustained_p99_ms:.0f} ms);"
                f" there p99 {at['p99_ms']} ms, max {at['max_ms']} ms.\n"
                f"at 2x ({2 * o['sustainable_rps']} rps offered, {args.overload_seconds:.0f} s): "
                f"statuses {double['statuses']}; admitted p50 {double['p50_ms']} ms, "
                f"p99 {double['p99_ms']} ms ({double['p99_ms'] / at['p99_ms']:.1f}x the sustainable rate's; "
                f"goal: within 3x), max {double['max_ms']} ms; the gateway's CPU per answer "
                f"{double['cpu_ms_per_request']} ms"
            )
            if o["sustainable_rps"] >= args.max_rate / 1.25:
                print(f"(the search stopped at --max-rate {args.max_rate:.0f}: the gateway may sustain more)")
            if refused:
                print(f"refused (503) answered in p50 {refused['p50_ms']} ms, p99 {refused['p99_ms']} ms")
    if "litellm" in results:
        lt = results["litellm"]
        if "error" in lt:
            print(f"\nLiteLLM {lt.get('version', '')}: {lt['error']}")
        else:
            side = lt["side_by_side"]
            print(f"\nLiteLLM {lt['version']}: highest sustained rate {lt['sustained_rps']:.0f} rps; there:")
            print("| path | rps | p50 | p99 | added p50 | added p99 | CPU per request |")
            print("|---|---|---|---|---|---|---|")
            print(row("mock upstream directly", side["direct"], "—", "—", "—"))
            for name, label in (("litellm", "through LiteLLM proxy"), ("aicop", "through aicop gateway")):
                r = side[name]
                print(
                    row(
                        label,
                        r,
                        f"{r['added_p50_ms']} ms",
                        f"{r['added_p99_ms']} ms",
                        f"{r['cpu_ms_per_request']} ms",
                    )
                )
    if "burst" in results:
        b = results["burst"]
        print(
            f"\nburst: {b['offered_rps']:.0f} rps for {b['seconds']:.0f} s to a key of {b['configured_rpm']} "
            f"rpm: {b['admitted']} admitted of {b['allowed']:.0f} allowed ({b['error_pct']:+.2f}%)"
        )
    if "soak" in results:
        s = results["soak"]
        rss = f"{s['rss_start_mb']} -> {s['rss_end_mb']} MB"
        print(f"soak {s['seconds']:.0f} s: the gateway's RSS {rss}, statuses {s['statuses']}")
    print(f"audit log: {results['audit_verify']}")


if __name__ == "__main__":
    raise SystemExit(main())
