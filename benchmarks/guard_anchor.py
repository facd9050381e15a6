"""Score prompts with one anchor detector, run by the python of the anchor's own venv (guard_eval.py
starts it there: the anchors' dependencies, PyTorch among them, never enter aicop's venv).

Usage: <venv>/bin/python guard_anchor.py NAME < prompts.json > scores.json
Reads a JSON list of strings; writes a JSON list of [score, flagged-at-the-anchor's-default] pairs.
Anchors: prompt-guardrail (guardify: TF-IDF and logistic regression), last_layer (native rules),
metatronnanoguard (a small transformer on PyTorch).
"""

from __future__ import annotations

import json
import sys


def prompt_guardrail(texts: list[str]) -> list[tuple[float, bool]]:
    from guardify.guardrails.logistic_regression import LogisticRegressionGuardrail

    guard = LogisticRegressionGuardrail()
    x = guard._vectorizer.transform(texts)
    classes = list(guard._clf.classes_)
    p = guard._clf.predict_proba(x)[:, classes.index(1)]
    return [(float(s), bool(s >= 0.5)) for s in p]


def last_layer(texts: list[str]) -> list[tuple[float, bool]]:
    from last_layer import scan_prompt

    out = []
    for text in texts:
        result = scan_prompt(text)
        out.append((float(result.score or 0.0) + (0.0 if result.passed else 1.0), not result.passed))
    return out


def metatronnanoguard(texts: list[str]) -> list[tuple[float, bool]]:
    from nanoguard import NanoGuard

    guard = NanoGuard(device="cpu")
    out: list[tuple[float, bool]] = []
    for start in range(0, len(texts), 32):
        out += [(r.injection_score, r.is_injection) for r in guard.scan_batch(texts[start : start + 32])]
    return out


ANCHORS = {
    "prompt-guardrail": prompt_guardrail,
    "last_layer": last_layer,
    "metatronnanoguard": metatronnanoguard,
}

if __name__ == "__main__":
    texts = json.load(sys.stdin)
    json.dump(ANCHORS[sys.argv[1]](texts), sys.stdout)
