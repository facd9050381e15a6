"""aicop monitor: false alarms on steady traffic, how soon a shift and a probing key are found, and how
fast logs are read. Prints figures that can be compared between runs.

    python benchmarks/monitor_bench.py [--seeds 20] [--records 50000] [--embedded 2000]

Speed is given as records per second of the process's CPU time (the figure to compare on a shared
machine) and of wall time, with the load average beside it. Without embeddings all of it runs in one
process; with them, also on two (this one and an embedding worker, each on one BLAS thread).

Detection runs feed the seeded requests (aicop.monitor.simulate) straight to the monitor; the speed
runs read a written log from disk, chain verification included. Evidently's DataDriftPreset, where its
own venv exists (benchmarks/.venv-evidently, made by `make bench-monitor`), gets the same traffic as
feature tables, in consecutive windows of 500 (benchmarks/monitor_evidently.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from aicop.monitor.detect import Monitor, Settings
from aicop.monitor.embedding import TOKENS, MiniLM
from aicop.monitor.events import open_log, request_from
from aicop.monitor.simulate import Plan, requests, write_log


def _feed(plan: Plan, settings: Settings) -> Monitor:
    monitor = Monitor(settings)
    for i, item in enumerate(requests(plan)):
        found = request_from(item["data"], item["time"], item["actor"], i)
        assert found is not None
        monitor.feed(found)
    monitor.finish()
    return monitor


def false_alarms(seeds: int) -> None:
    alarmed, keys = 0, 0
    for seed in range(seeds):
        monitor = _feed(Plan(requests=11_000, seed=1000 + seed), Settings())
        alarmed += bool(monitor.alarms)
        keys += sum(k.flagged for k in monitor.key_results())
    print(
        f"steady traffic, 10,000 monitored requests x {seeds} seeds: {alarmed} runs with any alarm "
        f"({alarmed / seeds:.0%}; budget 5%), benign keys flagged: {keys}"
    )


def shift(seeds: int) -> None:
    delays, missed = [], 0
    for seed in range(seeds):
        monitor = _feed(Plan(requests=4500, seed=2000 + seed, shift_at=2500), Settings())
        starts = [
            a.start_index for a in monitor.alarms if a.signal.startswith("input.") and a.start_index > 2500
        ]
        if starts:
            delays.append(min(starts) - 2500)
        else:
            missed += 1
    print(
        f"10% shift to an unseen domain, {seeds} seeds: found in {seeds - missed}; requests after the shift "
        f"until the alarm: median {statistics.median(delays):.0f}, max {max(delays)} (goal <= 500)"
    )


def probing(seeds: int) -> None:
    after, benign, missed = [], 0, 0
    for seed in range(seeds):
        monitor = _feed(Plan(requests=4000, seed=3000 + seed, probe_at=1500), Settings())
        results = {k.key: k for k in monitor.key_results()}
        probe = results["probe"]
        if probe.flagged and probe.flagged_after is not None:
            after.append(probe.flagged_after)
        else:
            missed += 1
        benign += sum(k.flagged for name, k in results.items() if name != "probe")
    print(
        f"probing client, {seeds} seeds: flagged in {seeds - missed}, "
        f"after median {statistics.median(after):.0f} "
        f"and at most {max(after)} of its requests (goal <= 200); benign keys flagged: {benign}"
    )


def _timed(log: Path, settings: Settings, embed: object = None) -> tuple[float, float, float, Monitor]:
    """(CPU seconds of this process, wall seconds, load average at the end, the monitor) for one run:
    read, verify and monitor ``log``. CPU time is the figure to compare on a shared machine; wall time
    is given with the load beside it."""
    cpu, wall = time.process_time(), time.perf_counter()
    monitor = Monitor(settings, embed)  # type: ignore[arg-type]
    for request in open_log(str(log)):
        monitor.feed(request)
    monitor.finish()
    return time.process_time() - cpu, time.perf_counter() - wall, os.getloadavg()[0], monitor


def _rates(label: str, records: int, runs: list[tuple[float, float, float, Monitor]], goal: str) -> None:
    cpu = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    loads = ", ".join(f"{r[2]:.1f}" for r in runs)
    print(
        f"{label}: median of {len(runs)}: {records / cpu:,.0f} records/s of CPU time, "
        f"{records / wall:,.0f} records/s wall at load {loads} (goal {goal})"
    )


def speed(records: int, embedded: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gw.jsonl"
        write_log(Plan(requests=records, seed=7, probe_at=records // 2), log)
        size = log.stat().st_size / 1e6
        runs = [_timed(log, Settings()) for _ in range(3)]
        _rates(f"read, verify and monitor {records} records ({size:.0f} MB)", records, runs, ">= 20,000")
        for count in (records // 5, records):
            tracemalloc.start()
            monitor = Monitor(Settings())
            for i, request in enumerate(open_log(str(log))):
                if i >= count:
                    break
                monitor.feed(request)
            monitor.finish()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"  peak Python memory over {count} records: {peak / 1e6:.1f} MB")
        if embedded:
            embeddings(Path(tmp), embedded)


def _embedded_run(log: Path, settings: Settings, model: MiniLM) -> tuple[float, float, float, float, Monitor]:
    """(this process's CPU seconds, the embedding workers' CPU seconds, wall seconds, load at the end,
    the monitor) for one run over ``log`` with ``model``."""
    workers = sum(model.worker_cpu)
    cpu, wall = time.process_time(), time.perf_counter()
    monitor = Monitor(settings, model)
    for request in open_log(str(log)):
        monitor.feed(request)
    monitor.finish()
    return (
        time.process_time() - cpu,
        sum(model.worker_cpu) - workers,
        time.perf_counter() - wall,
        os.getloadavg()[0],
        monitor,
    )


def embeddings(folder: Path, records: int) -> None:
    """With MiniLM as the monitor runs it (aicop.monitor.embedding.MiniLM: packed batches, tanh GELU,
    a prompt's first 64 tokens): the simulator's traffic (templated prompts, so the cache of prompts
    hits), then the worst case, every prompt distinct (no cache hit), embedding every request and one
    in four, on one process and on two (this one and a worker).

    On two processes, "per core" is records / the larger of the two processes' CPU times: the rate two
    free cores give, each process on one. The wall rate is given with the load beside it."""
    from aicop.gateway import classifier

    if classifier.missing():
        print(f"embeddings: skipped ({classifier.missing()})")
        return
    model_folder = classifier.model_dir()
    assert model_folder is not None
    baseline = min(1000, records // 2)
    distinct = Plan(requests=records, seed=8, shift_at=records // 2, distinct=True)
    cases = [  # (what, traffic, embed one request in, processes, a prompt's first tokens, runs)
        ("simulated traffic", Plan(requests=records, seed=8, shift_at=records // 2), 1, 1, TOKENS, 3),
        ("every prompt distinct", distinct, 1, 1, TOKENS, 3),
        ("every prompt distinct", distinct, 1, 2, TOKENS, 3),
        ("every prompt distinct", distinct, 4, 2, TOKENS, 1),
        # the simulator's prompts are at most 32 tokens, under the default cap: a cap that cuts them
        ("every prompt distinct", distinct, 1, 2, 12, 1),
    ]
    for label, plan, every, processes, tokens, repeat in cases:
        log = folder / f"embedded-{plan.distinct}.jsonl"
        if not log.exists():
            write_log(plan, log)
        settings = Settings(baseline=baseline, embeddings=True, embed_every=every)
        with MiniLM(model_folder, processes=processes, tokens=tokens) as model:
            runs = [_embedded_run(log, settings, model) for _ in range(repeat)]
        monitor = runs[-1][4]
        assert monitor.embed is not None
        alarms = [a.start_index for a in monitor.alarms if a.signal == "input.embedding" and a.scope == "all"]
        main, workers = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        wall = statistics.median(r[2] for r in runs)
        embedded = max(1, monitor.embed.computed)
        print(
            f"with MiniLM embeddings, {label}, one request in {every} embedded, {processes} process(es), "
            f"a prompt's first {tokens} tokens, "
            f"{records} records ({monitor.embed.computed} of {monitor.embed.asked} prompts embedded, the "
            f"rest cached; embedding drift found "
            f"{alarms[0] - plan.shift_at if alarms and plan.shift_at else '-'} requests after the shift): "
            f"median of {len(runs)}: CPU {main:.2f} s here + {workers:.2f} s in the worker "
            f"= {(main + workers) / embedded * 1000:.2f} ms per embedded prompt (all the work); "
            f"{records / max(main, workers):,.0f} records/s of CPU time per core; "
            f"{records / wall:,.0f} records/s wall at load {', '.join(f'{r[3]:.1f}' for r in runs)} "
            f"(goal >= 300)"
        )


def _tables(folder: Path, name: str, plan: Plan, window: int = 500) -> dict[str, object]:
    """The per-request features Evidently gets (prompt text, lengths, refusal, latency), as CSVs: the
    baseline (first 1,000) and consecutive windows after it."""
    import csv

    from aicop.monitor.features import is_refusal

    rows = []
    for i, item in enumerate(requests(plan)):
        r = request_from(item["data"], item["time"], item["actor"], i)
        assert r is not None
        rows.append(
            {
                "prompt": r.prompt or "",
                "prompt_length": len(r.prompt or ""),
                "answer_length": len(r.answer or ""),
                "refusal": int(is_refusal(r.answer or "")),
                "latency_ms": r.upstream_ms or 0.0,
            }
        )

    def write(file: str, part: list[dict[str, object]]) -> None:
        with (folder / file).open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(part[0]))
            writer.writeheader()
            writer.writerows(part)

    write(f"{name}-baseline.csv", rows[:1000])
    windows = []
    for start in range(1000, len(rows) - window + 1, window):
        file = f"{name}-{start}.csv"
        write(file, rows[start : start + window])
        windows.append({"file": file, "end": start + window})
    return {"name": name, "baseline": f"{name}-baseline.csv", "windows": windows}


def evidently(seeds: int, text: bool = False) -> None:
    import json

    python = Path(__file__).parent / ".venv-evidently" / "bin" / "python"
    if not python.exists():
        print("Evidently: skipped (no benchmarks/.venv-evidently; `make bench-monitor` creates it)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs = []
        for seed in range(min(seeds, 5)):
            runs.append(_tables(folder, f"steady{seed}", Plan(requests=6000, seed=4000 + seed)))
            runs.append(_tables(folder, f"shift{seed}", Plan(requests=6000, seed=5000 + seed, shift_at=3000)))
        (folder / "runs.json").write_text(json.dumps(runs))
        done = subprocess.run(
            [str(python), str(Path(__file__).parent / "monitor_evidently.py"), str(folder)]
            + (["--text"] if text else []),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            print(f"Evidently: failed ({done.stderr.strip().splitlines()[-1:]})")
            return
        results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    steady = [r for r in results if r["run"].startswith("steady")]
    shifted = [r for r in results if r["run"].startswith("shift")]
    false_runs = sum(1 for r in steady if r["windows_with_drift"])
    delays = [
        r["first_drift_at"] - 3000 for r in shifted if r["first_drift_at"] and r["first_drift_at"] > 3000
    ]
    seconds = sum(r["seconds"] for r in results) / max(sum(r["windows"] for r in results), 1)
    print(
        f"Evidently DataDriftPreset ({'prompt text, ' if text else ''}lengths, refusal, latency; "
        f"windows of 500): "
        f"steady runs with "
        f"drift in any window {false_runs} of {len(steady)}; shifts found {len(delays)} of {len(shifted)}, "
        f"first flagged window ending {min(delays, default=0)}-{max(delays, default=0)} requests after the "
        f"shift; {seconds:.2f} s per window"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--embedded", type=int, default=2000)
    parser.add_argument(
        "--evidently-text", action="store_true", help="give Evidently the prompt as text (slow)"
    )
    a = parser.parse_args()
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} at start")
    false_alarms(a.seeds)
    shift(a.seeds)
    probing(a.seeds)
    speed(a.records, a.embedded)
    evidently(a.seeds, a.evidently_text)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
