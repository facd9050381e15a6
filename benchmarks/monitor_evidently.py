"""Evidently's DataDriftPreset on the same traffic as benchmarks/monitor_bench.py, in Evidently's own
venv (benchmarks/.venv-evidently). Reads the per-request feature tables monitor_bench.py writes
(baseline.csv and one CSV per window) and prints, per run, whether and where Evidently found drift.

    benchmarks/.venv-evidently/bin/python benchmarks/monitor_evidently.py TABLES_DIR [--text]

With --text the prompt is also a text column (Evidently then trains a domain classifier per window,
minutes per run on 2 cores); without, the tabular features only.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

NUMERIC = ["prompt_length", "answer_length", "refusal", "latency_ms"]


def drifted(reference: pd.DataFrame, current: pd.DataFrame, text: bool) -> tuple[int, bool]:
    """(columns Evidently calls drifted, its dataset-drift verdict at the default share of 0.5)."""
    columns = NUMERIC + (["prompt"] if text else [])
    definition = DataDefinition(numerical_columns=NUMERIC, text_columns=["prompt"] if text else [])
    ref = Dataset.from_pandas(reference[columns], data_definition=definition)
    cur = Dataset.from_pandas(current[columns], data_definition=definition)
    snapshot = Report([DataDriftPreset()]).run(cur, ref)
    for metric in snapshot.dict()["metrics"]:
        if metric["metric_name"].startswith("DriftedColumnsCount"):
            count = int(metric["value"]["count"])
            return count, metric["value"]["share"] >= 0.5
    raise SystemExit("Evidently's report has no DriftedColumnsCount metric: its format changed")


def main() -> int:
    folder = Path(sys.argv[1])
    text = "--text" in sys.argv[2:]
    runs = json.loads((folder / "runs.json").read_text())
    for run in runs:
        reference = pd.read_csv(folder / run["baseline"])
        started = time.perf_counter()
        hits = []
        for window in run["windows"]:
            current = pd.read_csv(folder / window["file"])
            count, dataset = drifted(reference, current, text=text)
            if count:
                hits.append((window["end"], count, dataset))
        took = time.perf_counter() - started
        first = hits[0] if hits else None
        print(
            json.dumps(
                {
                    "run": run["name"],
                    "windows": len(run["windows"]),
                    "windows_with_drift": len(hits),
                    "first_drift_at": first[0] if first else None,
                    "dataset_drift_windows": sum(1 for h in hits if h[2]),
                    "seconds": round(took, 1),
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
