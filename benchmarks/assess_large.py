"""Time ``aicop assess`` on a generated 20,000-file repository (the issue's goal: under 10 s).

The tree looks like a large ML monorepo: source packages, notebooks, a data directory of many small
files, model checkpoints (a few bytes each: assess never reads tensors), documents, prompts, nested
.gitignore files and ignored build output. Prints one line of figures that can be compared between
runs. Usage: python benchmarks/assess_large.py [--files N] [--runs R]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOCS = {
    "SECURITY.md": "# Security\nReport vulnerabilities to security@example.com\n",
    "docs/threat-model.md": (
        "# TM\n## Adversarial motivations\n- fraud\n## Attack routes\n- prompt injection\n"
    ),
    "docs/incident-response.md": "# IR\n## Roles\nOn-call.\n## Detection\nAlerts.\n## Recovery\nRoll back.\n",
    "docs/model-card.md": "# Card\n## Training data\nTickets.\n## Maintenance\nMonthly.\n",
    "requirements.txt": "numpy==1.26.4\ntorch\n",
}


def build(root: Path, files: int) -> tuple[int, int]:
    """Write ``files`` distinct files that the walk must see, plus a tenth as many that .gitignore
    files hide; return (seen, ignored)."""
    for rel, text in DOCS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / ".gitignore").write_text("build/\n__pycache__/\n")
    kinds = [
        ("src/pkg{a}/mod{b}.py", "import os\n"),
        ("data/shard{a}/row{b}.jsonl", '{"text": "x"}\n'),
        ("notebooks/nb{a}/n{b}.ipynb", "{}"),
        ("models/m{a}/part{b}.safetensors", "x"),
        ("prompts/p{a}/t{b}.j2", "{{ x }}"),
        ("docs/area{a}/page{b}.md", "# Page\n"),
    ]
    seen = len(DOCS) + 1
    for i in range(files - seen):
        template, text = kinds[i % len(kinds)]
        path = root / template.format(a=i // 600, b=i)
        if not path.parent.exists():
            path.parent.mkdir(parents=True)
            if template.startswith("src/"):
                (path.parent / ".gitignore").write_text("*.tmp\n")
                seen += 1
        path.write_text(text)
        seen += 1
    ignored = files // 10
    for i in range(ignored):
        path = root / ("build" if i % 2 else f"src/pkg{i % 5}") / f"out{i}.{'o' if i % 2 else 'tmp'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    return seen, ignored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    exe = Path(sys.executable).parent / "aicop"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        written, ignored = build(root, args.files)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            done = subprocess.run(
                [str(exe), "assess", str(root), "--fail-on", "never", "-q", "--format", "json"],
                capture_output=True,
                check=False,
            )
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                print(done.stderr.decode(), file=sys.stderr)
                return 1
    best, median = min(times), statistics.median(times)
    print(
        f"assess_large files={written} ignored={ignored} runs={args.runs} "
        f"best_s={best:.2f} median_s={median:.2f} "
        f"goal_s=10 {'OK' if median < 10 else 'OVER'}"
    )
    return 0 if median < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
