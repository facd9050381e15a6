"""Time a cold ``aicop assess`` (no cache of code facts) on one repository: issue 12's goal is under
3 s on the largest of the field trial (private-gpt, 851 Python modules) on a 2-core machine.

Each run is ``aicop assess REPO -q --fail-on never`` with ``AICOP_CACHE_DIR=off``, in a fresh process.
Prints, per run and as medians: wall time; CPU time (user + system) of the whole run, helpers
included; CPU time of the main process alone, which bounds the wall time from below on an idle
machine (the helpers work beside it); and the load average before the runs, so that a figure taken
on a busy machine is read as such. ``--workers 0`` measures the same run in one process.

Usage: python benchmarks/assess_cold.py REPO [--runs 5] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The run itself, reporting the main process's own CPU time (wait4's figure includes its helpers).
_PROGRAM = """
import json, resource, sys
from pathlib import Path
repo, workers, out = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
if workers is not None:
    from aicop.sourcecheck import parallel
    chosen = parallel.helpers_for
    parallel.helpers_for = lambda files, _=None: chosen(files, workers)
sys.argv = ["aicop", "assess", repo, "-q", "--fail-on", "never"]
from aicop.cli.main import main
try:
    main()
finally:
    own = resource.getrusage(resource.RUSAGE_SELF)
    out.write_text(json.dumps(own.ru_utime + own.ru_stime))
"""


def run_once(repo: Path, workers: int | None) -> tuple[float, float, float]:
    """(wall, CPU of the run and its helpers, CPU of the main process) in seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "own.json"
        env = dict(os.environ, AICOP_CACHE_DIR="off")
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", _PROGRAM, str(repo), json.dumps(workers), str(out)], env=env, cwd=tmp
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"aicop assess exited {process.returncode}")
        return wall, usage.ru_utime + usage.ru_stime, float(json.loads(out.read_text()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None, help="helpers (default: aicop's choice)")
    args = parser.parse_args()
    load = os.getloadavg()
    runs = []
    for _ in range(args.runs):
        runs.append(run_once(args.repo.resolve(), args.workers))
        wall, cpu, own = runs[-1]
        print(f"  wall {wall:.2f} s  CPU {cpu:.2f} s  main process CPU {own:.2f} s", flush=True)
    wall, cpu, own = (statistics.median(r[i] for r in runs) for i in range(3))
    after = os.getloadavg()
    print(
        f"assess_cold repo={args.repo.name} runs={args.runs} workers={args.workers} "
        f"median wall_s={wall:.2f} cpu_s={cpu:.2f} main_cpu_s={own:.2f} "
        f"load_1min before={load[0]:.1f} after={after[0]:.1f} cpus={os.cpu_count()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
