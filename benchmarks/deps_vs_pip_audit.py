"""aicop deps and pip-audit side by side, with no advisory service reachable.

pip-audit asks a vulnerability service (PyPI's JSON API or OSV) over the network. This script installs
pip-audit in a venv of its own (benchmarks/.venv-pip-audit, gitignored), then runs it on a small
requirements file with every proxy variable pointing at a closed port on 127.0.0.1, so that no service
answers, and prints what it says and its exit code; then aicop deps on the same file, offline, with no
snapshot imported. Usage: python benchmarks/deps_vs_pip_audit.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "benchmarks" / ".venv-pip-audit"
PIP_AUDIT = "pip-audit==2.10.1"
REQUIREMENTS = "torch==2.5.1\nkeras==3.8.0\nflask==2.2.0\nrequests==2.31.0\n"
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens there


def ensure_venv() -> Path:
    tool = VENV / "bin" / "pip-audit"
    if not tool.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", PIP_AUDIT], check=True)
    return tool


def run(label: str, command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    print(f"--- {label}: exit {done.returncode}")
    lines = (done.stdout + done.stderr).strip().splitlines()
    if any(line.startswith("Traceback") for line in lines):
        lines = ["(a Python traceback, ending:)", *lines[-1:]]
    print("\n".join(lines) or "(no output)")


def main() -> None:
    tool = ensure_venv()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "requirements.txt").write_text(REQUIREMENTS)
        offline = dict(os.environ)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
            offline[name] = CLOSED
        offline["NO_PROXY"] = offline["no_proxy"] = ""
        offline["AICOP_ADVISORY_DB"] = str(folder / "no-snapshot.sqlite3")
        print(f"requirements.txt:\n{REQUIREMENTS}")
        for service in ("pypi", "osv"):
            run(
                f"pip-audit -s {service} (no service reachable)",
                [str(tool), "-r", str(folder / "requirements.txt"), "--no-deps", "--disable-pip",
                 "-s", service, "--cache-dir", str(folder / f"cache-{service}"), "--progress-spinner", "off"],
                offline,
            )  # fmt: skip
        run(
            "aicop deps (offline, no snapshot imported)",
            [str(ROOT / ".venv" / "bin" / "aicop"), "deps", str(folder / "requirements.txt")],
            offline,
        )


if __name__ == "__main__":
    main()
