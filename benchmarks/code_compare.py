"""Compare ``aicop code`` with bandit on the same trees, in one run.

Trees: the bundled example; a generated tree with planted issues (so recall and precision are known);
and the source of ML libraries downloaded as wheels from PyPI and unpacked (never installed or
imported). Bandit runs from the anchors' environment (see scan_compare.py). For the rules both tools
have, every bandit hit aicop does not make is listed with its line, for review; the review of a
sample of aicop's findings on real code is recorded in benchmarks/code_compare.md.

Usage: python benchmarks/code_compare.py [--anchors-venv DIR] [--real DIR] [--no-real]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from scan_compare import ensure_anchors  # noqa: E402

REAL_PACKAGES = [
    "transformers==5.24.0",
    "diffusers==0.42.1",
    "sentence-transformers==6.2.0",
    "peft==0.21.2",
    "langchain-community==0.4.2",
    "llama-index-core==0.14.25",
]
# bandit test → the aicop rule that covers the same weakness
OVERLAP = {
    "B301": "AIC102",
    "B302": "AIC102",
    "B614": "AIC101",
    "B506": "AIC104",
    "B615": "AIC301",
    "B307": "AIC202",
    "B102": "AIC202",
    "B105": "AIC401",
    "B106": "AIC401",
    "B107": "AIC401",
}
SHA = "0123456789abcdef0123456789abcdef01234567"

# (file, source, [(line, aicop rule)]): every planted issue, and safe code that must stay quiet.
PLANTED: list[tuple[str, str, list[tuple[int, str]]]] = [
    (
        "load_models.py",
        "import torch, pickle, joblib, yaml\nimport numpy as np\n"
        "a = torch.load('w.pt')\n"
        "b = torch.load('w.pt', weights_only=True)\n"
        "c = pickle.load(open('m.pkl', 'rb'))\n"
        "d = joblib.load('m.joblib')\n"
        "e = yaml.load(open('c.yaml'))\n"
        "f = yaml.safe_load(open('c.yaml'))\n"
        "g = np.load('a.npy', allow_pickle=True)\n",
        [(3, "AIC101"), (5, "AIC102"), (6, "AIC102"), (7, "AIC104"), (9, "AIC103")],
    ),
    (
        "remote.py",
        "from transformers import AutoModel, AutoTokenizer\nfrom datasets import load_dataset\n"
        "m = AutoModel.from_pretrained('org/model')\n"
        f"t = AutoTokenizer.from_pretrained('org/model', revision='{SHA}')\n"
        "r = AutoModel.from_pretrained('org/code', trust_remote_code=True, revision='v2')\n"
        "d = load_dataset('org/data')\n",
        [(3, "AIC301"), (5, "AIC201"), (5, "AIC301"), (6, "AIC301")],
    ),
    (
        "agent.py",
        "from openai import OpenAI\nfrom langchain_community.tools import ShellTool\n"
        "client = OpenAI()\n"
        "reply = client.chat.completions.create(model='m', messages=[])\n"
        "exec(reply.choices[0].message.content)\n"
        "tools = [ShellTool()]\n"
        "value = eval('1 + 1')\n",
        [(3, "AIC501"), (5, "AIC202"), (6, "AIC601")],
    ),
    (
        "settings.py",
        "AWS_KEY = 'AKIAIOSFODNN7EXAMPLF'\n"
        "password = 'Tr0ub4dor&3-horse'\n"
        "api_key = 'your-api-key-here'\n"
        "token_name = 'API_TOKEN'\n",
        [(1, "AIC401"), (2, "AIC401")],
    ),
    (
        "serve.py",
        "from fastapi import FastAPI\nfrom openai import OpenAI\n"
        "app = FastAPI()\nclient = OpenAI()\n\n"
        "@app.post('/chat')\ndef chat(q: str):\n"
        "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n",
        [(4, "AIC501"), (7, "AIC701")],
    ),
]


def make_planted(root: Path) -> set[tuple[str, int, str]]:
    truth = set()
    for name, source, issues in PLANTED:
        (root / name).write_text(source)
        truth |= {(name, line, rule) for line, rule in issues}
    return truth


def run_aicop(tree: Path) -> tuple[list[dict[str, object]], float]:
    start = time.perf_counter()
    out = subprocess.run(
        [str(Path(sys.executable).parent / "aicop"), "code", "--format", "json", str(tree)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    return json.loads(out.stdout)["findings"], seconds


def run_bandit(bandit: Path, tree: Path) -> tuple[list[dict[str, object]], float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        start = time.perf_counter()
        subprocess.run(
            [str(bandit), "-r", "-q", "-f", "json", "-o", report.name, str(tree)],
            capture_output=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        results = json.loads(Path(report.name).read_text())["results"]
    for result in results:
        result["path"] = os.path.relpath(str(result["filename"]), tree)
    return results, seconds


def real_trees(target: Path) -> list[Path]:
    if not target.exists() or not any(target.iterdir()):
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as wheels:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", wheels, *REAL_PACKAGES],
                check=True,
            )
            for wheel in Path(wheels).glob("*.whl"):
                with zipfile.ZipFile(wheel) as archive:
                    archive.extractall(target / wheel.name.split("-")[0])
    return sorted(p for p in target.iterdir() if p.is_dir())


def compare(
    name: str, tree: Path, bandit: Path, truth: set[tuple[str, int, str]] | None = None
) -> dict[str, object]:
    ours, our_seconds = run_aicop(tree)
    theirs, their_seconds = run_bandit(bandit, tree)
    our_hits = {(str(f["path"]), int(f["line"])) for f in ours}  # type: ignore[call-overload]
    overlapping = [r for r in theirs if r["test_id"] in OVERLAP]
    missed = [r for r in overlapping if (r["path"], r["line_number"]) not in our_hits]
    row: dict[str, object] = {
        "tree": name,
        "files": sum(1 for _ in tree.rglob("*.py")),
        "aicop_findings": len(ours),
        "aicop_by_rule": dict(Counter(str(f["rule"]) for f in ours)),
        "bandit_findings": len(theirs),
        "bandit_overlapping": len(overlapping),
        "bandit_overlapping_not_in_aicop": [
            (r["test_id"], r["path"], r["line_number"], str(r["code"]).strip()[:100]) for r in missed
        ],
        "aicop_seconds": round(our_seconds, 2),
        "bandit_seconds": round(their_seconds, 2),
    }
    if truth is not None:
        found = {(str(f["path"]), int(f["line"]), str(f["rule"])) for f in ours}  # type: ignore[call-overload]
        their_found = {(r["path"], r["line_number"], OVERLAP[r["test_id"]]) for r in overlapping}
        row["aicop_recall"] = f"{len(found & truth)}/{len(truth)}"
        row["aicop_false_positives"] = sorted(found - truth)
        row["bandit_recall_on_overlapping_rules"] = f"{len(their_found & truth)}/{len(truth)}"
        row["bandit_false_positives_on_overlapping_rules"] = sorted(their_found - truth)
        row["aicop_missed"] = sorted(truth - found)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anchors-venv", type=Path, default=HERE / ".venv-anchors")
    parser.add_argument(
        "--real", type=Path, default=HERE / ".real-code", help="where the libraries' source goes"
    )
    parser.add_argument("--no-real", action="store_true")
    args = parser.parse_args()
    python = ensure_anchors(args.anchors_venv)
    bandit = python.parent / "bandit"
    if not bandit.exists():
        subprocess.run([str(python), "-m", "pip", "install", "-q", "bandit==1.9.4"], check=True)
    rows = [compare("example", HERE.parent / "examples" / "support-assistant", bandit)]
    with tempfile.TemporaryDirectory() as tmp:
        truth = make_planted(Path(tmp))
        rows.append(compare("planted", Path(tmp), bandit, truth))
    if not args.no_real:
        rows += [compare(tree.name, tree, bandit) for tree in real_trees(args.real)]
    print("| tree | .py files | aicop findings | bandit findings (overlapping rules) | aicop s | bandit s |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['tree']} | {row['files']} | {row['aicop_findings']} {row['aicop_by_rule']} | "
            f"{row['bandit_findings']} ({row['bandit_overlapping']}) | {row['aicop_seconds']} | "
            f"{row['bandit_seconds']} |"
        )
    total_ours = sum(float(r["aicop_seconds"]) for r in rows)  # type: ignore[arg-type]
    total_theirs = sum(float(r["bandit_seconds"]) for r in rows)  # type: ignore[arg-type]
    print(
        f"\ntotal time: aicop {total_ours:.1f} s, bandit {total_theirs:.1f} s "
        f"({total_theirs / total_ours:.2f}x bandit's time)"
    )
    planted = next(r for r in rows if r["tree"] == "planted")
    print(
        f"planted: aicop recall {planted['aicop_recall']} (missed {planted.get('aicop_missed')}), "
        f"false positives {planted['aicop_false_positives']}; "
        f"bandit (overlapping rules) recall {planted['bandit_recall_on_overlapping_rules']}, false positives "
        f"{planted['bandit_false_positives_on_overlapping_rules']}"
    )
    for row in rows:
        for test_id, path, line, code in row["bandit_overlapping_not_in_aicop"]:  # type: ignore[attr-defined]
            print(f"bandit only  {row['tree']}  {test_id}  {path}:{line}  {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
