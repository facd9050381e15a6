"""What one ``aicop scan FILE`` process costs against one ``picklescan --path FILE``, by measures that a
busy machine moves little: CPU time (user + system) of each process, and instructions counted by
valgrind's callgrind, which no load changes.

This is the case that runs once per file in CI loops, where start-up is most of the work. The two
files are written here: a small malicious pickle (``os.system``, never run) and a PyTorch-style zip
checkpoint holding a benign pickle. picklescan comes from a venv of its own (``python -m venv DIR &&
DIR/bin/pip install picklescan==1.0.5``; never an aicop dependency).

Each round runs every tool ``--repeat`` times on each file and takes the mean CPU time per process;
the ratio is picklescan's over aicop's, and the median of the rounds' ratios is printed with the load
average.

Usage: python benchmarks/scan_startup.py --picklescan DIR/bin/picklescan [--rounds 5] [--repeat 5]
                                         [--callgrind] [--aicop PATH]
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path


def write_files(folder: Path) -> list[Path]:
    malicious = folder / "payload.pkl"
    malicious.write_bytes(b'cos\nsystem\n(S"echo never run"\ntR.')
    checkpoint = folder / "model.pt"
    with zipfile.ZipFile(checkpoint, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(OrderedDict(weight=1, bias=2), protocol=2))
        archive.writestr("archive/version", "3\n")
        archive.writestr("archive/data/0", b"\0" * 64)
    return [malicious, checkpoint]


def cpu_seconds(command: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def instructions(command: list[str]) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    [line] = [ln for ln in out.splitlines() if "Collected" in ln]
    return int(line.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--picklescan", required=True, help="the picklescan executable of its own venv")
    parser.add_argument("--aicop", default=str(Path(sys.executable).with_name("aicop")))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5, help="processes per file and tool in a round")
    parser.add_argument("--callgrind", action="store_true", help="also count instructions (valgrind)")
    args = parser.parse_args()
    tools = {"aicop": [args.aicop, "scan"], "picklescan": [args.picklescan, "--path"]}
    with tempfile.TemporaryDirectory(prefix="aicop-startup-") as tmp:
        files = write_files(Path(tmp))
        for command in tools.values():  # byte-compile and warm the caches once
            for path in files:
                subprocess.run([*command, str(path)], capture_output=True, check=False)
        per_round: dict[str, list[float]] = {tool: [] for tool in tools}
        loads = [os.getloadavg()[0]]
        for _ in range(args.rounds):
            for tool, command in tools.items():
                spent = [cpu_seconds([*command, str(p)]) for p in files for _ in range(args.repeat)]
                per_round[tool].append(statistics.mean(spent))
            loads.append(os.getloadavg()[0])
        ratios = [p / a for a, p in zip(per_round["aicop"], per_round["picklescan"], strict=True)]
        for tool, values in per_round.items():
            shown = ", ".join(f"{v * 1000:.1f}" for v in values)
            print(f"{tool:10} CPU per process, each round (ms): {shown}")
        print(
            f"picklescan / aicop CPU per file: {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"median {statistics.median(ratios):.2f}x (load average {min(loads):.1f}-{max(loads):.1f})"
        )
        if args.callgrind:
            if shutil.which("valgrind") is None:
                print("valgrind not found: no instruction counts", file=sys.stderr)
                return 1
            for path in files:
                counts = {tool: instructions([*command, str(path)]) for tool, command in tools.items()}
                print(
                    f"{path.name}: aicop {counts['aicop'] / 1e6:.1f} M instructions, picklescan "
                    f"{counts['picklescan'] / 1e6:.1f} M: {counts['picklescan'] / counts['aicop']:.2f}x"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
