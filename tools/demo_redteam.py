"""A short tour of aicop redteam on loopback: the mock upstream with planted weaknesses, a short run
of three suites that finds them, the same run against the robust mock that finds nothing, and the
release gate over a small project. Everything runs in a temporary directory (the last run's reports
are copied to reports/redteam) and stops at the end.

Usage: python tools/demo_redteam.py   (part of make demo)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from aicop.gateway.loopback import free_port, wait_up

AICOP = str(Path(sys.executable).parent / "aicop")
SUITES = ["--suite", "prompt-injection", "--suite", "system-prompt-extraction", "--suite", "tool-misuse"]


def run(*args: str) -> int:
    print(f"\n$ aicop {' '.join(args)}", flush=True)
    return subprocess.run([AICOP, *args], check=False).returncode


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="aicop-redteam-demo-") as tmp:
        folder = Path(tmp)
        (folder / "models").mkdir()
        (folder / "models" / "assistant.bin").write_bytes(b"demo weights")
        (folder / "aicop.yaml").write_text(
            "version: 1\nsystem: {name: demo}\nroles: [developer]\n"
            "models:\n  - {name: assistant, path: models/assistant.bin}\n"
        )
        (folder / "redteam.yaml").write_text(
            "model: assistant\nsamples: 1\n"
            "suites: [prompt-injection, system-prompt-extraction, tool-misuse]\n"
        )
        codes = {}
        for behaviour in ("scripted", "robust"):
            port = free_port()
            mock = subprocess.Popen(
                [AICOP, "gateway", "mock-upstream", "--port", str(port), "--behaviour", behaviour],
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_up(f"http://127.0.0.1:{port}/v1/models")
                print(f"\n== the {behaviour} mock ==", flush=True)
                codes[behaviour] = run(
                    "redteam",
                    "run",
                    "--project",
                    tmp,
                    "--target",
                    f"http://127.0.0.1:{port}/v1",
                    "--model",
                    "mock-small",
                    *SUITES,
                    "--samples",
                    "1",
                )
            finally:
                mock.terminate()
                mock.wait(10)
        gate = run("release", "check", tmp)
        runs = sorted((folder / ".aicop" / "redteam" / "runs").iterdir())
        target = Path("reports") / "redteam"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(runs[0], target, ignore=shutil.ignore_patterns("journal.jsonl"))
        print(f"\nthe scripted mock's reports: {target}/ (report.html, report.md, summary.md, ...)")
    expected = codes == {"scripted": 1, "robust": 0} and gate == 0
    print(
        "demo: findings on the scripted mock, none on the robust one, the gate open"
        if expected
        else f"demo: unexpected exit codes {codes}, gate {gate}"
    )
    return 0 if expected else 1


if __name__ == "__main__":
    sys.exit(main())
