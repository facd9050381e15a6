"""The field trial: aicop on checked-out public AI applications, as a new user would run it.

For each repository directory under REPOS: ``aicop init --print`` (the manifest is kept beside the
results, never written into the repository), then ``assess`` with that manifest, ``code``, ``scan``
and ``data check``, each with its exit code and wall time (assess: the median of --runs runs). Prints
one table row per repository and writes every command's output under --out, where a reviewer marks
each finding right or wrong (benchmarks/field_trial.md).

Usage: python benchmarks/field_trial.py REPOS [--out DIR] [--runs N] [--only NAME,...]
The repositories stay outside this project (fetch them, then extract each under REPOS/NAME).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

AICOP = Path(sys.executable).with_name("aicop")
SKIPPED_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__"}


CPU: dict[str, float] = {}  # the last command's CPU seconds (user + system), by command name


def run(args: list[str | Path], out: Path) -> tuple[int, float, str]:
    """(exit code, seconds, stderr); stdout goes to ``out``; the command's CPU seconds go to ``CPU``."""
    start, cpu = time.perf_counter(), _children_cpu()
    with out.open("wb") as sink:
        done = subprocess.run([str(a) for a in args], stdout=sink, stderr=subprocess.PIPE, check=False)
    CPU[str(args[1])] = _children_cpu() - cpu
    return done.returncode, time.perf_counter() - start, done.stderr.decode("utf-8", "replace")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def count_files(root: Path) -> int:
    total = 0
    for _, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        total += len(files)
    return total


def load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def trial(repo: Path, out: Path, runs: int) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "aicop.yaml"
    row: dict[str, Any] = {"repo": repo.name, "files": count_files(repo), "exit": {}, "seconds": {}}
    code, seconds, err = run([AICOP, "init", "--print", repo], manifest)
    row["exit"]["init"], row["seconds"]["init"] = code, seconds
    (out / "init.stderr").write_text(err, encoding="utf-8")
    row["roles"] = [line.split(":")[0].strip() for line in err.splitlines() if ": +" in line]
    text = manifest.read_text(encoding="utf-8") if manifest.exists() else ""
    row["services"] = sorted(
        line.split("(")[0].strip("# ").strip()
        for line in text.splitlines()
        if line.startswith("#   ") and "): " in line and "tests" not in line
    )
    times, cpu = [], []
    for _ in range(runs):
        code, seconds, err = run(
            [AICOP, "assess", repo, "--manifest", manifest, "--format", "json"], out / "assess.json"
        )
        times.append(seconds)
        cpu.append(CPU["assess"])
    row["exit"]["assess"], row["seconds"]["assess"] = code, statistics.median(times)
    row["cpu"] = {"assess": statistics.median(cpu), "assess runs": cpu}
    (out / "assess.stderr").write_text(err, encoding="utf-8")
    report = load(out / "assess.json") or {}
    findings = [
        f
        for principle in report.get("principles", [])
        for provision in principle["provisions"]
        for f in provision["findings"]
    ]
    row["assess"] = {
        "status": report.get("summary", {}).get("counts", {}),
        "findings": len(findings),
        "absence": sum(1 for f in findings if f.get("absence")),
    }
    for name, args in (
        ("code", [AICOP, "code", repo, "--format", "json"]),
        ("scan", [AICOP, "scan", repo, "--format", "json"]),
        ("data", [AICOP, "data", "check", repo, "--format", "json"]),
    ):
        code, seconds, err = run(args, out / f"{name}.json")
        row["exit"][name], row["seconds"][name], row["cpu"][name] = code, seconds, CPU[str(args[1])]
        (out / f"{name}.stderr").write_text(err, encoding="utf-8")
    code_report = load(out / "code.json") or {}
    row["code"] = dict(Counter(f["rule"] for f in code_report.get("findings", [])))
    scan_report = load(out / "scan.json") or {}
    row["scan"] = {
        "findings": len(scan_report.get("findings", [])),
        "errors": len(scan_report.get("errors", [])),
    }
    data_report = load(out / "data.json") or {}
    row["data"] = dict(Counter(str(f.get("kind", "?")) for f in data_report.get("findings", [])))
    (out / "row.json").write_text(json.dumps(row, indent=2) + "\n", encoding="utf-8")
    return row


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "repos", type=Path, help="a directory of checked-out repositories, one per subdirectory"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("/tmp/field-trial"), help="where results are written"
    )
    parser.add_argument("--runs", type=int, default=3, help="assess runs per repository (median reported)")
    parser.add_argument("--only", default="", help="comma-separated repository names")
    a = parser.parse_args()
    only = {n for n in a.only.split(",") if n}
    # The first assess of each repository runs with an empty cache of code facts, the others with the
    # cache it wrote (the "assess runs" CPU list shows both). An editable aicop is not byte-compiled, and
    # with PYTHONDONTWRITEBYTECODE set it would compile itself in every process: compile it once, as
    # pip does when it installs a package.
    os.environ["AICOP_CACHE_DIR"] = str(a.out / "cache")
    shutil.rmtree(a.out / "cache", ignore_errors=True)
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "src" / "aicop"), quiet=1)
    repos = sorted(p for p in a.repos.iterdir() if p.is_dir() and (not only or p.name in only))
    print(
        f"{'repository':26} {'files':>5}  {'exit i/a/c/s/d':14} {'assess s':>8} {'CPU s':>6} {'code s':>6}  "
        "services (init)"
    )
    rows = []
    for repo in repos:
        row = trial(repo, a.out / repo.name, a.runs)
        rows.append(row)
        codes = "/".join(str(row["exit"][k]) for k in ("init", "assess", "code", "scan", "data"))
        print(
            f"{row['repo'][:26]:26} {row['files']:>5}  {codes:14} {row['seconds']['assess']:>8.2f} "
            f"{row['cpu']['assess']:>6.2f} {row['seconds']['code']:>6.2f}  "
            f"{', '.join(row['services']) or '-'}"
        )
    crashed = [r["repo"] for r in rows if 3 in r["exit"].values()]
    print(f"load average at the end: {os.getloadavg()}")
    print(f"{len(rows)} repositories; internal errors (exit 3): {', '.join(crashed) or 'none'}")
    (a.out / "rows.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
