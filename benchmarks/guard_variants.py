"""Variants of the input guard's combined model, each measured leave-one-source-out in the same 14 folds
as guard_eval.py (same data, same splits, same TPR at FPR 1% on the benign test split), so that the
README's table of what was tried can be reproduced.

Variants (any combination, named on the command line, comma-separated):
- ``windows``: the model as guard_train.train fits it (windows, quoting features).
- ``segments``: + each window's most suspicious segment (classifier.segment_spans), scored by the
  window n-gram weights and not fitted, added to the window's logit (choosing windows and predicting).
- ``prompt``: + a second logistic regression over the whole prompt's hashed character and word
  n-grams (ngrams.features of its first MAX_CHARS characters: what a TF-IDF model such as
  prompt-guardrail reads), fitted on the same attacks and benign prompts; the two logits are stacked
  by a logistic regression fitted on the calibration prompts (held-out attacks and the calibrate
  split), never on the test split.
- ``heuristic``: + the heuristic tier's score of the whole prompt, stacked with the model's logit by
  a logistic regression on the calibration prompts (as ``prompt``).
- ``benign70``, ``mine10``, ``mine1``, ``zscore``, ``emb1.5``, ``emb2``, ``c2``, ``c8``: one setting of
  guard_train.fit changed (OPTIONS).
- ``mean3-6``, ``max6``, ``first6``, ... : the embedding block (classifier.block_features): the named
  pooled states of MiniLM's layers (0, the embedding layer's output, to 6, the last), each at unit
  length, side by side, instead of the last layer's mean alone (the stock block, ``mean6``); e.g.
  ``windows+mean3-6+max6``. The states come from the same forward pass, cached per window.
- ``tfidf``: as ``prompt``, but scikit-learn's TfidfVectorizer over character 1-5-grams (word
  boundaries) fitted in each fold: not shippable (scikit-learn at run time), a reference for ``prompt``.

Every figure here is chosen among variants by the same folds' test split, so the best of them is not
free of selection; the README says so beside the table.

Usage: nice -n 10 python benchmarks/guard_variants.py windows segments windows+prompt ... [--save F]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from guard_corpora import DEFAULT
from guard_train import (
    Cache,
    Corpus,
    auc,
    calibrate,
    corpus,
    fit,
    fit_prompts,
    stack,
    summary,
    take,
    tpr_at,
    train,
)
from sklearn.feature_extraction.text import TfidfVectorizer

from aicop.gateway.classifier import (
    MAX_CHARS,
    STOCK_BLOCK,
    Block,
    Embedder,
    Windows,
    block_features,
    model_dir,
)

Floats = npt.NDArray[np.float64]
OPTIONS = {  # variants that change one setting of guard_train.fit
    "benign70": {"negative_share": 0.7},  # benign windows weigh 70% of the fit, attacks 30% (not half each)
    "mine10": {"mine_top": 0.10},  # the top 10% of benign windows mined each round (not 3%)
    "zscore": {"standardize": True},  # the embedding block's columns standardized over the fitted windows
    "mine1": {"mine_top": 0.01},  # the top 1% of benign windows mined each round (not 3%)
    "emb1.5": {"embedding_scale": 1.5},  # the embedding block weighs 1.5 times the n-grams (not 1)
    "emb2": {"embedding_scale": 2.0},
    "c2": {"c": 2.0},  # the regression's C halved: every weight penalized twice as much (not C = 4)
    "c8": {"c": 8.0},
}


BLOCK_PART = re.compile(r"(mean|max|first)([0-6])(?:-([0-6]))?")


def block_of(variant: set[str]) -> Block:
    """The embedding block a variant names (``mean3-6``, ``max6``: BLOCK_PART), else the stock one."""
    block: list[tuple[int, str]] = []
    for part in sorted(variant):
        if found := BLOCK_PART.fullmatch(part):
            first = int(found[2])
            last = int(found[3]) if found[3] else first
            block += [(layer, found[1]) for layer in range(first, last + 1)]
    return tuple(block) or STOCK_BLOCK


class Fold:
    """The windows (with their segments and whole-prompt n-grams) of every source and benign split, and
    their pooled MiniLM states (``rebased`` swaps the embedding block)."""

    def __init__(self, data: Corpus, cache: Cache) -> None:
        self.data = data
        self.states = {name: cache.states(texts) for name, texts in data.sources.items()}
        self.states["(benign)"] = cache.states([b.text for b in data.benign])
        self.whole = {name: cache.windows(texts) for name, texts in data.sources.items()}
        self.whole["(benign)"] = cache.windows([b.text for b in data.benign])
        self.fit, self.cal, self.test = data.where("fit"), data.where("calibrate"), data.where("test")
        self.cal_hard = np.array([data.benign[i].hard for i in self.cal])
        self.rebased(STOCK_BLOCK)

    def rebased(self, block: Block) -> Fold:
        """The fold with ``block``'s embedding features in every window."""
        w = {n: replace(v, embeddings=block_features(self.states[n], block)) for n, v in self.whole.items()}
        benign = w.pop("(benign)")
        self.windows = w
        self.benign = {"fit": take(benign, self.fit), "cal": take(benign, self.cal),
                       "test": take(benign, self.test)}  # fmt: skip
        return self


def run(fold: Fold, held: str, variant: set[str]) -> tuple[Floats, Floats]:
    """The left-out source's probabilities and the test split's, under ``variant``."""
    data = fold.data
    others = {n: w for n, w in fold.windows.items() if n != held}
    counts = {n: len(data.sources[n]) for n in others}
    if "tfidf" in variant:
        return tfidf(fold, held, others, counts, "segments" in variant)
    options: dict[str, Any] = {"standardize": False}  # the named variants only, whatever ships
    options |= {k: v for name, o in OPTIONS.items() if name in variant for k, v in o.items()}
    model = train(others, counts, fold.benign["fit"], fold.benign["cal"], len(fold.cal), fold.cal_hard,
                  segments="segments" in variant, prompt="prompt" in variant,
                  heuristic="heuristic" in variant, block=block_of(variant), **options)  # fmt: skip
    positive = model.probability(model.logits(fold.windows[held], len(data.sources[held]))[0])
    return positive, model.probability(model.logits(fold.benign["test"], len(fold.test))[0])


def tfidf(
    fold: Fold, held: str, others: dict[str, Windows], counts: dict[str, int], segments: bool, seed: int = 3
) -> tuple[Floats, Floats]:
    """As ``train`` with ``prompt``, the whole-prompt model over scikit-learn's TF-IDF of character
    1-5-grams fitted on the fold's fitting prompts (the same 80% of each source that ``train`` fits)."""
    data, rng = fold.data, random.Random(seed)
    fitting, held_w, fitting_texts, held_texts = [], [], [], []
    for name, w in others.items():
        order = list(range(counts[name]))
        rng.shuffle(order)
        cut = max(1, round(0.2 * len(order))) if len(order) > 2 else 0
        fitting.append(take(w, sorted(order[cut:])))
        fitting_texts.append([data.sources[name][i] for i in sorted(order[cut:])])
        if cut:
            held_w.append((take(w, sorted(order[:cut])), cut))
            held_texts += [data.sources[name][i] for i in sorted(order[:cut])]
    model = fit(fitting, fold.benign["fit"], segments=segments, standardize=False)
    benign_texts = {k: [data.benign[i].text[:MAX_CHARS] for i in v]
                    for k, v in (("fit", fold.fit), ("cal", fold.cal), ("test", fold.test))}  # fmt: skip
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=2,
                                 max_features=200_000)  # fmt: skip
    vectorizer.fit([t[:MAX_CHARS] for texts in fitting_texts for t in texts] + benign_texts["fit"])
    whole = fit_prompts(
        [vectorizer.transform([t[:MAX_CHARS] for t in texts]) for texts in fitting_texts],
        vectorizer.transform(benign_texts["fit"]),
    )

    def both(w: Windows, n: int, texts: list[str]) -> Floats:
        return np.column_stack(
            [
                model.logits(w, n)[0],
                whole.decision_function(vectorizer.transform([t[:MAX_CHARS] for t in texts])),
            ]
        )

    attack = np.vstack([model.logits(w, n)[0][:, None] for w, n in held_w])
    attack = np.column_stack(
        [attack[:, 0], whole.decision_function(vectorizer.transform([t[:MAX_CHARS] for t in held_texts]))]
    )
    benign = both(fold.benign["cal"], len(fold.cal), benign_texts["cal"])
    a, b = stack(attack, benign)
    model = calibrate(model, attack @ [a, b], benign @ [a, b], fold.cal_hard)
    left = both(fold.windows[held], len(data.sources[held]), data.sources[held]) @ [a, b]
    test = both(fold.benign["test"], len(fold.test), benign_texts["test"]) @ [a, b]
    return model.probability(left), model.probability(test)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", help="e.g. windows segments windows+prompt segments+prompt")
    parser.add_argument("--corpora", type=Path, default=DEFAULT)
    parser.add_argument("--save", type=Path, default=None)
    parser.add_argument("--augment", action="store_true", help="near copies of hard negatives in fit")
    parser.add_argument(
        "--legacy", action="store_true", help="the second round's benign prompts (see corpus)"
    )
    args = parser.parse_args()
    folder = model_dir()
    assert folder is not None
    started = time.process_time()
    fold = Fold(corpus(args.corpora, legacy=args.legacy, augment=args.augment), Cache(Embedder(folder)))
    print(f"features: {time.process_time() - started:.0f} s CPU", file=sys.stderr, flush=True)
    out: dict[str, Any] = {}
    for name in args.variants:
        variant = set(name.split("+"))
        fold.rebased(block_of(variant))
        rows: dict[str, dict[str, Any]] = {}
        started = time.process_time()
        for held in fold.data.sources:
            positive, negative = run(fold, held, variant)
            rows[held] = {"prompts": len(positive), "tpr_at_1pct": round(tpr_at(positive, negative), 3),
                          "auc": round(auc(positive, negative), 3)}  # fmt: skip
            print(f"  {name}, left out {held}: {rows[held]}", file=sys.stderr, flush=True)
        out[name] = {"sources": rows, "summary": {k: summary(rows, k) for k in ("tpr_at_1pct", "auc")},
                     "cpu_seconds": round(time.process_time() - started)}  # fmt: skip
        s = out[name]["summary"]
        print(f"{name}: TPR at FPR 1% pooled {s['tpr_at_1pct']['pooled']:.3f} mean"
              f" {s['tpr_at_1pct']['macro']:.3f}; AUC {s['auc']['pooled']:.3f}", flush=True)  # fmt: skip
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    out["test_prompts"] = len(fold.test)
    if args.save:
        args.save.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
