"""aicop scan / inventory over an S3-compatible store at registry scale (issue 21).

Puts 10,000 objects into moto's S3 server on loopback (its own process, an ephemeral port): the scan
tests' corpus (pickles, PyTorch zips, safetensors, GGUF, NumPy, Keras, zip, JSON, text, broken files),
a few hundred medium header-only objects (4-16 MB safetensors and GGUF, PyTorch zips), and a few
multi-GB ones written from sparse files. Then, on this machine:

0. what a user runs (``--cli-runs``): fresh ``aicop scan URL --full`` and unchanged ``aicop scan URL``
   processes, interleaved, medians of each, and the check that their reports agree;
1. a full scan and an unchanged re-run (local executor): objects/s, and bytes read from the store per
   object compared with the objects' sizes, per format;
2. a full inventory (hash of every byte) and an unchanged re-run: GB/s;
3. Ray with 1, 2 and 4 tasks in flight (so as many busy worker processes) on a local one-node
   cluster with 4 CPUs on 127.0.0.2, scanning ``--ray-objects`` objects (copies under a prefix of
   their own) while the server sleeps ``--latency`` ms before answering each request (the S3
   server's threaded wrapper, see tests/registry/s3server.py): throughput per worker, median of
   ``--repeats`` runs, after a first run that starts the worker processes.

Every wall-clock figure is printed with the load average and the CPU time of this process and of the
S3 server. Run with ``nice -n 10 .venv/bin/python benchmarks/registry_bench.py`` (``--small`` for a
quick look). Nothing is kept: the server's data go with its process, the work directory is removed.
The store takes about its objects' size on disk (6.9 GB by default; the server used to keep a copy of
every object per listing page, see ``share_buffers_when_listing``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.registry import corpus  # noqa: E402
from tests.registry.s3server import S3Server  # noqa: E402

from aicop.registry import engine  # noqa: E402
from aicop.registry.executors import LocalExecutor, RayExecutor  # noqa: E402
from aicop.registry.state import State  # noqa: E402
from aicop.registry.store import StoreSpec  # noqa: E402

HEADER_ONLY = ("safetensors", "gguf", "pytorch-zip+pickle")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f} {five:.1f} {fifteen:.1f}"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def populate(s3: S3Server, bucket: str, count: int, medium: int, big: list[int], work: Path) -> int:
    from concurrent.futures import ThreadPoolExecutor

    small = sorted(corpus.corpus().items())
    jobs: list[tuple[str, bytes]] = []
    for i in range(count - medium - len(big)):
        name, data = small[i % len(small)]
        jobs.append((f"hub/org{i % 97}/model{i}/{name.replace('/', '-')}", data))
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda job: s3.client.put_object(Bucket=bucket, Key=job[0], Body=job[1]), jobs))
    builders = [corpus.big_safetensors, corpus.big_gguf]
    for i in range(medium):
        path = work / f"medium{i}"
        size = (4 + (i % 4) * 4) << 20
        kind = ["safetensors", "gguf", "pt"][i % 3]
        if kind == "pt":
            corpus.big_torch_zip(path, size)
        else:
            builders[i % 3](path, size)
        s3.client.upload_file(str(path), bucket, f"hub/medium/m{i}.{kind}")
        path.unlink()
    import boto3
    from botocore.config import Config

    # moto joins the parts of a multipart upload when it completes: minutes for gigabytes, so no
    # client-side time-out and no retry (a retried completion finds its upload gone and fails).
    patient = boto3.client(
        "s3", endpoint_url=s3.endpoint, config=Config(read_timeout=1800, retries={"total_max_attempts": 1})
    )
    for i, size in enumerate(big):
        path = work / f"big{i}"
        kind = ["safetensors", "gguf", "pt"][i % 3]
        if kind == "pt":
            corpus.big_torch_zip(path, size)
        else:
            builders[i % 3](path, size)
        patient.upload_file(str(path), bucket, f"hub/big/b{i}.{kind}")
        path.unlink()
    return len(jobs) + medium + len(big)


SERVER: list[int] = []  # the S3 server's process id, once started


def timed(label: str, function: Any) -> tuple[Any, dict[str, Any]]:
    """The function's value, and its wall time, this process's CPU time, the S3 server's CPU time
    and the load average at its end."""
    before_cpu, before_server, start = cpu(), process_cpu(SERVER), time.monotonic()
    value = function()
    figures = {
        "seconds": time.monotonic() - start,
        "cpu_seconds": cpu() - before_cpu,
        "server_cpu_seconds": process_cpu(SERVER) - before_server,
        "load": load(),
    }
    print(
        f"  {label}: {figures['seconds']:.1f} s wall, {figures['cpu_seconds']:.1f} s CPU here, "
        f"{figures['server_cpu_seconds']:.1f} s CPU in the server ({figures['load']})"
    )
    return value, figures


def bytes_read_by_format(report: Any, sizes: dict[str, int], read: dict[str, int]) -> dict[str, Any]:
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for f in report.files:
        if f.error is not None:
            continue
        big_enough = sizes[f.path] >= 1 << 20
        key = f"{f.format or 'other'}{' (>= 1 MiB)' if big_enough else ''}"
        by[key][0] += 1
        by[key][1] += sizes[f.path]
        by[key][2] += read.get(f.path, 0)
    return {
        k: {"objects": n, "bytes": s, "read": r, "ratio": r / s if s else 0}
        for k, (n, s, r) in sorted(by.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--medium", type=int, default=150)
    parser.add_argument("--big", default="2048,2048,1024", help="sizes in MiB of the multi-GB objects")
    parser.add_argument("--latency", type=float, default=20.0, help="ms the server waits per request (Ray)")
    parser.add_argument("--ray-objects", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="Ray runs per number in flight")
    parser.add_argument("--ray-only", action="store_true", help="upload the objects, then only the Ray runs")
    parser.add_argument("--small", action="store_true", help="500 objects, no big ones: a quick look")
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument(
        "--cli-runs",
        type=int,
        default=3,
        help="fresh `aicop scan URL --full` then `aicop scan URL` processes, this many of each (0: none)",
    )
    a = parser.parse_args()
    if a.small:
        a.objects, a.medium, a.big, a.ray_objects = 500, 12, "64", 200
    big = [int(x) << 20 for x in a.big.split(",") if x]
    results: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "start": load()}}
    work = Path(tempfile.mkdtemp(prefix="aicop-bench-"))
    s3 = S3Server()
    SERVER.append(s3.process.pid)
    os.environ["AWS_ENDPOINT_URL_S3"] = s3.endpoint
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    try:
        bucket = s3.bucket("registry-bench")
        print(f"populating s3://{bucket}/hub with {a.objects} objects ({load()})")
        _, figures = timed("upload", lambda: populate(s3, bucket, a.objects, a.medium, big, work))
        spec = StoreSpec(f"s3://{bucket}/hub", s3.endpoint)
        spec.open()  # s3fs imported
        listing, listed = timed("one listing (what an unchanged re-run cannot avoid)", spec.open().list)
        sizes = {o.url: o.size for o in listing}
        total = sum(sizes.values())
        results["store"] = {"objects": len(listing), "bytes": total, "upload": figures, "listing": listed}
        print(f"  {len(listing)} objects, {total / 1e9:.2f} GB")

        if not a.ray_only and a.cli_runs:
            results["cli"] = cli_runs(s3, spec.url, work, a.cli_runs)

        if not a.ray_only:
            # 1. scan: full, then unchanged
            read: dict[str, int] = {}
            real_task = engine.scan_task

            def counting_task(*args: Any) -> Any:
                out = real_task(*args)
                for key, _, nbytes, _ in out:
                    read[f"{spec.url}/{key}"] = nbytes
                return out

            engine.scan_task = counting_task  # type: ignore[assignment]
            state = work / "scan-state.json"
            print("scan")
            (report, counters), full = timed(
                "full scan", lambda: engine.scan_store(spec, LocalExecutor(8), state=State(state, spec.url))
            )
            (_, again), rerun = timed(
                "unchanged re-run",
                lambda: engine.scan_store(spec, LocalExecutor(8), state=State(state, spec.url)),
            )
            engine.scan_task = real_task  # type: ignore[assignment]
            results["scan"] = {
                "full": {
                    **full,
                    "objects_per_s": len(listing) / full["seconds"],
                    "bytes_read": counters.bytes_read,
                    "requests": counters.requests,
                    "errors": len(report.errors),
                    "unsafe": sum(f.unsafe for f in report.files),
                },
                "unchanged": {
                    **rerun,
                    "objects_per_s": len(listing) / rerun["seconds"],
                    "bytes_read": again.bytes_read,
                },
                "speedup": full["seconds"] / rerun["seconds"],
                "read_by_format": bytes_read_by_format(report, sizes, read),
            }
            print(
                f"  bytes read {counters.bytes_read:,} of {total:,} ({counters.bytes_read / total:.5%}); "
                f"re-run {results['scan']['speedup']:.1f}x faster, {again.bytes_read} bytes read"
            )
            for fmt, row in results["scan"]["read_by_format"].items():
                print(
                    f"    {fmt:32} {row['objects']:6} objects {row['bytes']:>15,} B  read {row['ratio']:.4%}"
                )

            # 2. inventory: full hash, then unchanged
            print("inventory")
            hstate = work / "hash-state.json"
            (assets, _), hfull = timed(
                "full hash", lambda: engine.hash_store(spec, LocalExecutor(8), state=State(hstate, spec.url))
            )
            (_, hc2), hrerun = timed(
                "unchanged re-run",
                lambda: engine.hash_store(spec, LocalExecutor(8), state=State(hstate, spec.url)),
            )
            results["inventory"] = {
                "full": {
                    **hfull,
                    "gb_per_s": total / 1e9 / hfull["seconds"],
                    "objects_per_s": len(assets) / hfull["seconds"],
                },
                "unchanged": {
                    **hrerun,
                    "objects_per_s": len(assets) / hrerun["seconds"],
                    "bytes_read": hc2.bytes_read,
                },
                "speedup": hfull["seconds"] / hrerun["seconds"],
            }
            rate, speedup = results["inventory"]["full"]["gb_per_s"], results["inventory"]["speedup"]
            print(f"  {rate:.2f} GB/s full; re-run {speedup:.1f}x faster")

        # 3. Ray: 1, 2, 4 concurrent tasks under an injected per-request latency
        if not a.no_ray:
            chosen = [o for o in listing if o.size <= 16 << 20][: a.ray_objects]  # no multi-GB copies
            results["ray"] = ray_runs(s3, spec, chosen, a.latency, a.repeats)
    finally:
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2, default=str))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_runs(s3: S3Server, url: str, work: Path, runs: int) -> dict[str, Any]:
    """What a user sees: a fresh ``aicop scan URL --full`` process, then a fresh unchanged
    ``aicop scan URL`` (its state in aicop's cache folder), ``runs`` times each, interleaved. Each
    figure: wall time, the CPU time of the aicop process (user + system) and of the S3 server, and the
    load average. The reports (JSON, written with ``-o``) must be the same but for the timings."""
    import subprocess
    from statistics import median

    from tests.registry.s3server import ENV

    env = {
        **os.environ,
        **ENV,
        "AWS_ENDPOINT_URL_S3": s3.endpoint,
        "AICOP_CACHE_DIR": str(work / "cli-cache"),
    }
    aicop = str(Path(sys.executable).with_name("aicop"))
    print(f"fresh processes: aicop scan {url} [--full], {runs} of each ({load()})")
    figures: dict[str, list[dict[str, Any]]] = {"full": [], "unchanged": []}
    reports: list[Any] = []
    for _ in range(runs):
        for kind, extra in (("full", ["--full"]), ("unchanged", [])):
            out = work / f"cli-{kind}.json"
            command = [aicop, "scan", url, "--format", "json", "-o", str(out), *extra]
            before, server, start = children_cpu(), process_cpu(SERVER), time.monotonic()
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            row = {
                "seconds": time.monotonic() - start,
                "cpu_seconds": children_cpu() - before,
                "server_cpu_seconds": process_cpu(SERVER) - server,
                "load": load(),
                "exit": done.returncode,
            }
            if done.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr}")
            figures[kind].append(row)
            print(
                f"  {kind}: {row['seconds']:.2f} s wall, {row['cpu_seconds']:.2f} s CPU in aicop, "
                f"{row['server_cpu_seconds']:.2f} s CPU in the server ({row['load']}); "
                f"{_summary_line(done.stderr)}"
            )
            reports.append(_without_timings(json.loads(out.read_text())))
    if any(r != reports[0] for r in reports):
        raise SystemExit("a fresh re-run's report differs from the full scan's")
    out_figures: dict[str, Any] = {k: {"runs": v} for k, v in figures.items()}
    for kind in figures:
        for field in ("seconds", "cpu_seconds", "server_cpu_seconds"):
            out_figures[kind][field] = median(r[field] for r in figures[kind])
    wall = out_figures["full"]["seconds"] / out_figures["unchanged"]["seconds"]
    cpu_total = (out_figures["full"]["cpu_seconds"] + out_figures["full"]["server_cpu_seconds"]) / (
        out_figures["unchanged"]["cpu_seconds"] + out_figures["unchanged"]["server_cpu_seconds"]
    )
    out_figures["speedup_wall"], out_figures["speedup_cpu"] = wall, cpu_total
    print(
        f"  medians: unchanged re-run {wall:.1f}x faster (wall), "
        f"{cpu_total:.1f}x cheaper (CPU, aicop and server)"
    )
    return out_figures


def _summary_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("scanned ")]
    return lines[-1] if lines else stderr.strip()


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def process_cpu(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (and their waited-for children), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
    return total


def ray_runs(
    s3: S3Server, spec: StoreSpec, objects: list[Any], latency: float, repeats: int
) -> dict[str, Any]:
    # The Ray runs get a prefix of their own, copies of the chosen objects (server-side): listing the
    # whole bucket and keeping a subset would make every run pay for listing 10,000 objects.
    from concurrent.futures import ThreadPoolExecutor
    from statistics import median

    from tests.registry.raycluster import RayCluster
    from tests.registry.s3server import ENV

    bucket = spec.url.split("://", 1)[1].split("/", 1)[0]
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda o: s3.client.copy_object(
                    Bucket=bucket,
                    Key=f"ray/{o.key}",
                    CopySource={"Bucket": bucket, "Key": o.path.split("/", 1)[1]},
                ),
                objects,
            )
        )
    spec = StoreSpec(f"s3://{bucket}/ray", spec.endpoint_url)
    print(f"ray: {len(objects)} objects, {latency:g} ms per request, {repeats} runs each ({load()})")
    cluster = RayCluster(workers=0, head_cpus=4, env={**ENV, "AWS_ENDPOINT_URL_S3": s3.endpoint})
    out: dict[str, Any] = {"latency_ms": latency, "objects": len(objects), "repeats": repeats}
    s3.latency(latency)
    try:
        executor = RayExecutor(cluster.address)
        # Ray starts a worker process per task in flight the first time; each imports aicop and s3fs
        # and opens a client (seconds of CPU on a loaded machine). A long run pays that once: it is
        # measured here once, with 4 in flight, and kept out of the figures below.
        executor.parallel = 4
        _, figures = timed(
            "first run, 4 in flight (starts the worker processes)", lambda: engine.scan_store(spec, executor)
        )
        out["first-run-4"] = {**figures, "objects_per_s": len(objects) / figures["seconds"]}
        for parallel in (1, 2, 4):
            executor.parallel = parallel
            runs = []
            for _ in range(repeats):
                workers = cluster.processes()
                cluster_before = process_cpu(workers)
                (_, counters), figures = timed(
                    f"{parallel} in flight", lambda: engine.scan_store(spec, executor)
                )
                figures["cluster_cpu_seconds"] = process_cpu(workers) - cluster_before
                figures["objects_per_s"] = len(objects) / figures["seconds"]
                figures["requests"] = counters.requests
                runs.append(figures)
            rate = median(r["objects_per_s"] for r in runs)
            out[str(parallel)] = {"runs": runs, "objects_per_s": rate, "per_worker": rate / parallel}
            print(
                f"    median {rate:.1f} objects/s, {rate / parallel:.1f} per worker; "
                f"server CPU {median(r['server_cpu_seconds'] for r in runs):.1f} s, "
                f"Ray processes' CPU {median(r['cluster_cpu_seconds'] for r in runs):.1f} s a run"
            )
        (_, counters), figures = timed(
            "local executor, 4 threads", lambda: engine.scan_store(spec, LocalExecutor(4))
        )
        out["local-4-threads"] = {**figures, "objects_per_s": len(objects) / figures["seconds"]}
        executor.close()
    finally:
        s3.latency(0)
        cluster.stop()
    return out


if __name__ == "__main__":
    main()
