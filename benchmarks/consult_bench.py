"""aicop consult analyse on simulated consultations of 2,000 and 20,000 responses: CPU time of the whole
command (a child process: reading, tallies, campaigns, embeddings, themes, reports), with a cold
embedding cache and again with a warm one (an analyst's rebuild), and how well it recovered what the
simulator planted (weighted NMI of themes, campaigns found).

CPU time, not wall time: the machine is shared. Usage: python benchmarks/consult_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from aicop.consult.analysis import analyse
from aicop.consult.evaluate import recovery
from aicop.consult.questionnaire import load_questionnaire
from aicop.consult.responses import read_responses

AICOP = Path(sys.executable).with_name("aicop")


def cpu_of(args: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        args, check=True, stdout=subprocess.DEVNULL, env=os.environ | {"OPENBLAS_NUM_THREADS": "1"}
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="2000,20000")
    args = parser.parse_args()
    questionnaire = load_questionnaire()
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            simulate = [str(AICOP), "consult", "simulate", "--n", str(n), "--seed", "7", "-o", str(folder)]
            subprocess.run(simulate, check=True, stdout=subprocess.DEVNULL)
            cold, warm = [], []
            for run in range(args.runs):
                cache = folder / f"cache-{run}.npz"
                command = [str(AICOP), "consult", "analyse", str(folder / "responses.jsonl"), "-o",
                           str(folder / "report"), "--cache", str(cache)]  # fmt: skip
                cold.append(cpu_of(command))
                warm.append(cpu_of(command))
            responses = read_responses(folder / "responses.jsonl", questionnaire)
            result = analyse(questionnaire, responses, cache=folder / "cache-0.npz")
            planted = json.loads((folder / "planted.json").read_text())
            found = recovery(result, planted)
            worst = found.worst
            whole = sum(1 for k, v in found.campaigns_planted.items() if found.campaigns_found[k] == (v, v))
            print(
                f"{n:>6,} responses: CPU cold cache median {statistics.median(cold):.1f} s "
                f"(runs {', '.join(f'{c:.1f}' for c in cold)}), warm {statistics.median(warm):.1f} s; "
                f"weighted NMI {found.weighted_nmi:.3f}, worst {worst[0]} {worst[1]:.3f}; "
                f"campaigns found whole {whole}/{len(found.campaigns_planted)}, "
                f"spurious {found.spurious_campaigns}; "
                f"load average {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    main()
