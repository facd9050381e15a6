"""Compare aicop scan with picklescan, modelscan and fickling on one labelled corpus, in one run.

The anchors live in a virtual environment of their own (never aicop's dependencies), made on first
use from the package registry, together with what the corpus generator needs to write real
checkpoints (torch 2.13.0 CPU, scikit-learn, joblib, Keras 3, ONNX, gguf). For every tool it prints
detection of the malicious files, false positives and errors on the benign ones, and time: one
process per file (start-up counts) and one process for the whole corpus. Then it times aicop on a
2 GB zip checkpoint and a 2 GB safetensors file.

With ``--benign DIR`` (a corpus from benchmarks/benign_corpus.py: what 17 libraries really save), every
K-th of its files (``--benign-every K``) joins the benign side, so false positives are counted on real
library output too.

Usage: python benchmarks/scan_compare.py [--anchors-venv DIR] [--corpus DIR] [--no-large] [--json FILE]
                                         [--benign DIR [--benign-every K]]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANCHOR_PACKAGES = [
    "modelscan==0.8.8",
    "picklescan==1.0.5",
    "fickling==0.1.12",
    "scikit-learn",
    "joblib",
    "keras",
    "h5py",
    "onnx",
    "safetensors",
    "gguf",
    "py7zr",
]


@dataclass
class Tool:
    name: str
    command: list[str]
    detected: set[int]  # exit codes that mean "flagged"
    errors: set[int]  # exit codes that mean "could not scan"
    directories: bool = True


@dataclass
class Outcome:
    tool: str
    detected: int = 0
    missed: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # user + system time of the tool's processes: comparable on a busy machine
    files: int = 0
    directory_seconds: float | None = None


def ensure_anchors(path: Path) -> Path:
    python = path / "bin" / "python"
    if python.exists() and all((path / "bin" / t).exists() for t in ("picklescan", "modelscan", "fickling")):
        return python
    print(f"creating the anchors' environment in {path} (torch 2.13.0 CPU and the scanners; a few minutes)")
    venv.create(path, with_pip=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "torch==2.13.0"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *ANCHOR_PACKAGES], check=True)
    return python


def tools(anchors: Path) -> list[Tool]:
    aicop = Path(sys.executable).parent / "aicop"
    bin_ = anchors.parent
    return [
        Tool("aicop", [str(aicop), "scan"], {1}, {2}),
        Tool("picklescan", [str(bin_ / "picklescan"), "--path"], {1}, {2}),
        Tool("picklescan --strict", [str(bin_ / "picklescan"), "--strict", "--path"], {1}, {2}),
        Tool("modelscan", [str(bin_ / "modelscan"), "-p"], {1}, {2, 4}),
        Tool("fickling", [str(bin_ / "fickling"), "--check-safety"], {1}, {2}, directories=False),
    ]


def run(tool: Tool, corpus: Path, labels: dict[str, dict[str, str]]) -> Outcome:
    outcome = Outcome(tool.name)
    corpus = corpus.resolve()  # the tools run in a scratch folder: a relative --corpus would not be found
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "KERAS_BACKEND": "torch"}
    # each tool runs in a scratch folder: fickling writes safety_results.json where it is run
    scratch = tempfile.mkdtemp(prefix=f"scan-compare-{tool.name.replace(' ', '')}-")
    start, cpu_start = time.perf_counter(), _children_cpu()
    for rel, label in sorted(labels.items()):
        done = subprocess.run(
            [*tool.command, str(corpus / rel)], capture_output=True, env=env, timeout=600, check=False,
            cwd=scratch,
        )  # fmt: skip
        outcome.files += 1
        flagged, failed = done.returncode in tool.detected, done.returncode in tool.errors
        if label["label"] == "malicious":
            if flagged:
                outcome.detected += 1
            else:
                outcome.missed.append(f"{rel} ({label['technique']})")
        elif flagged:
            outcome.false_positives.append(rel)
        if failed and label["label"] == "benign":
            outcome.errors.append(rel)
    outcome.seconds = time.perf_counter() - start
    outcome.cpu_seconds = _children_cpu() - cpu_start
    if tool.directories:
        start = time.perf_counter()
        subprocess.run(
            [*tool.command, str(corpus)], capture_output=True, env=env, timeout=1200, check=False, cwd=scratch
        )
        outcome.directory_seconds = time.perf_counter() - start
    shutil.rmtree(scratch, ignore_errors=True)
    return outcome


def _children_cpu() -> float:
    """CPU seconds used so far by this process's finished children (each tool run is one)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def large_files(workdir: Path, anchors_python: Path) -> dict[str, float]:
    """aicop on a 2 GB safetensors file and a 2 GB torch zip checkpoint: best of three, one process each."""
    size = 2 << 30
    safetensors = workdir / "large.safetensors"
    header = json.dumps({"w": {"dtype": "F32", "shape": [size // 4], "data_offsets": [0, size]}}).encode()
    with safetensors.open("wb") as handle:
        handle.write(struct.pack("<Q", len(header)) + header)
        handle.truncate(8 + len(header) + size)  # sparse: the scanner never reads tensor bytes
    checkpoint = workdir / "large.pt"
    data_pkl = subprocess.run(
        [
            str(anchors_python),
            "-c",
            "import io,torch,zipfile,sys;b=io.BytesIO();"
            "torch.save({'w':torch.zeros(2)},b);z=zipfile.ZipFile(b);"
            "sys.stdout.buffer.write(z.read([n for n in z.namelist() if n.endswith('data.pkl')][0]))",
        ],
        capture_output=True,
        check=True,
    ).stdout
    with zipfile.ZipFile(checkpoint, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        with archive.open("archive/data/0", "w", force_zip64=True) as member:
            chunk = b"\0" * (64 << 20)
            for _ in range(size // len(chunk)):
                member.write(chunk)
        archive.writestr("archive/version", b"3\n")
    aicop = Path(sys.executable).parent / "aicop"
    timings = {}
    for path in (safetensors, checkpoint):
        best = min(_timed([str(aicop), "scan", str(path)]) for _ in range(3))
        timings[path.name] = best
    return timings


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False)
    return time.perf_counter() - start


def add_benign(corpus: Path, benign: Path, every: int) -> dict[str, dict[str, str]]:
    """Copy every ``every``-th file of a benign_corpus.py corpus under corpus/benign-libraries/."""
    import shutil

    source = json.loads((benign / "labels.json").read_text())
    added = {}
    for rel in sorted(source)[::every]:
        target = corpus / "benign-libraries" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(benign / rel, target)
        added[f"benign-libraries/{rel}"] = {
            "label": "benign",
            "format": source[rel]["library"],
            "technique": "",
        }
    return added


def report(outcomes: list[Outcome], labels: dict[str, dict[str, str]]) -> None:
    malicious = sum(1 for v in labels.values() if v["label"] == "malicious")
    benign = len(labels) - malicious
    print(f"\ncorpus: {malicious} malicious, {benign} benign files\n")
    print(
        "| tool | detected | false positives | errors on benign | s per file (process each) | files/s | "
        "CPU ms per file | files per CPU s | whole corpus, one process (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for o in outcomes:
        directory = f"{o.directory_seconds:.2f}" if o.directory_seconds is not None else "n/a"
        print(
            f"| {o.tool} | {o.detected}/{malicious} ({100 * o.detected / malicious:.0f}%) | "
            f"{len(o.false_positives)}/{benign} | {len(o.errors)}/{benign} | {o.seconds / o.files:.3f} | "
            f"{o.files / o.seconds:.1f} | {1000 * o.cpu_seconds / o.files:.0f} | "
            f"{o.files / o.cpu_seconds:.1f} | {directory} |"
        )
    by_name = {o.tool: o for o in outcomes}
    if "aicop" in by_name and "picklescan" in by_name:
        ours, theirs = by_name["aicop"], by_name["picklescan"]
        print(
            f"\naicop / picklescan files per second: {theirs.seconds / ours.seconds:.2f}x wall, "
            f"{theirs.cpu_seconds / ours.cpu_seconds:.2f}x CPU; load average {os.getloadavg()}"
        )
    for o in outcomes:
        if o.missed:
            print(f"\n{o.tool} missed {len(o.missed)}: " + "; ".join(o.missed))
        if o.false_positives:
            print(f"{o.tool} false positives: " + ", ".join(o.false_positives))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anchors-venv", type=Path, default=HERE / ".venv-anchors")
    parser.add_argument(
        "--corpus", type=Path, help="use (or write) the corpus here instead of a temporary dir"
    )
    parser.add_argument("--no-large", action="store_true", help="skip the 2 GB files")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--benign", type=Path, help="a corpus written by benchmarks/benign_corpus.py")
    parser.add_argument(
        "--benign-every", type=int, default=1, metavar="K", help="take every K-th of its files"
    )
    parser.add_argument(
        "--tools", default="", help="comma-separated tools to run (default: all), e.g. aicop,picklescan"
    )
    args = parser.parse_args()
    anchors_python = ensure_anchors(args.anchors_venv)
    # pip byte-compiles the anchors when it installs them; an editable aicop is not, and with
    # PYTHONDONTWRITEBYTECODE set it would compile itself in every process. Level the field.
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "src" / "aicop"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus or Path(tmp) / "corpus"
        if not (corpus / "labels.json").exists():
            subprocess.run(
                [str(anchors_python), str(HERE / "make_corpus.py"), str(corpus)],
                check=True,
                env={**os.environ, "KERAS_BACKEND": "torch", "PYTHONWARNINGS": "ignore"},
            )
        labels = json.loads((corpus / "labels.json").read_text())
        if args.benign is not None:
            labels |= add_benign(corpus, args.benign, args.benign_every)
        outcomes = []
        chosen = {t for t in args.tools.split(",") if t}
        for tool in [t for t in tools(anchors_python) if not chosen or t.name in chosen]:
            print(f"running {tool.name} on {len(labels)} files…", file=sys.stderr)
            outcomes.append(run(tool, corpus, labels))
        report(outcomes, labels)
        large = {} if args.no_large else large_files(Path(tmp), anchors_python)
    for name, seconds in large.items():
        print(f"aicop scan {name} (2 GiB): {seconds:.3f} s (goal 0.2 s)")
    if args.json:
        args.json.write_text(
            json.dumps({"outcomes": [o.__dict__ for o in outcomes], "large": large}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
