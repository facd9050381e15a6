"""Synthetic runs for the store's benchmark and the dashboard's screenshots: the real report of the
bundled example (``aicop assess examples/support-assistant``), its provisions' statuses redrawn per run
so that systems differ and drift over time, with every roll-up recomputed as the engine does."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "support-assistant"
ROLLUP = ("not_met", "error", "partial", "needs_attestation")  # worst first, as aicop.assess.engine
JUDGED = ("met", "partial", "not_met", "needs_attestation")


def base_report(cache: Path | None = None) -> dict[str, Any]:
    """The example's JSON report (cached in ``cache`` when given)."""
    if cache is not None and cache.exists():
        return dict(json.loads(cache.read_text()))
    out = subprocess.run(
        [
            str(Path(sys.executable).parent / "aicop"),
            "assess",
            str(EXAMPLE),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if cache is not None:
        cache.write_text(out)
    return dict(json.loads(out))


def variant(
    base: dict[str, Any], name: str, when: dt.datetime, rng: random.Random, quality: float
) -> dict[str, Any]:
    """``base`` as system ``name`` at ``when``: each applicable provision judged again, met with
    probability ``quality``."""
    report = copy.deepcopy(base)
    report["system"] = {"name": name, "version": f"1.{rng.randint(0, 9)}.0"}
    report["generated_at"] = when.isoformat().replace("+00:00", "Z")
    report["assessed_on"] = when.date().isoformat()
    counts = dict.fromkeys(("met", "partial", "not_met", "needs_attestation", "not_applicable", "error"), 0)
    gaps = {"shall": 0, "should": 0, "can": 0}
    applicable_statuses: list[str] = []
    for principle in report["principles"]:
        pcounts = dict.fromkeys(counts, 0)
        statuses = []
        for v in principle["provisions"]:
            if v["applicable"] and v["status"] in JUDGED:
                draw = rng.random()
                v["status"] = "met" if draw < quality else rng.choice(JUDGED[1:])
                v["gap"] = v["status"] != "met"
                if v["status"] == "met":
                    v["findings"] = [f for f in v["findings"] if f["status"] == "met"]
                elif v["status"] == "needs_attestation":  # nothing found that decides it
                    v["findings"], v["basis"] = [], "none"
            pcounts[v["status"]] += 1
            counts[v["status"]] += 1
            if v["gap"]:
                gaps[v["modality"]] += 1
            if v["applicable"]:
                statuses.append(v["status"])
        principle["counts"] = pcounts
        principle["status"] = _rollup(statuses)
        applicable_statuses += statuses
    met = sum(1 for s in applicable_statuses if s == "met")
    report["summary"].update(
        counts=counts,
        gaps=gaps,
        met_ratio=round(met / len(applicable_statuses), 4) if applicable_statuses else 1.0,
        status=_rollup(applicable_statuses),
    )
    return report


def _rollup(statuses: list[str]) -> str:
    if not statuses:
        return "not_applicable"
    return next((s for s in ROLLUP if s in statuses), "met")
