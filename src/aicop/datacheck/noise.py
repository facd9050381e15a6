"""Label noise: rows whose label disagrees with what the rest of the set teaches, by confident learning.

Optional, with the ``labels`` extra (cleanlab and scikit-learn). Each row is scored by a model that
never saw it: TF-IDF over words and word pairs with logistic regression, FOLDS-fold stratified cross
validation. cleanlab's ``find_label_issues`` then picks the rows whose given label is improbable by
the per-class thresholds of confident learning, ranked by self-confidence. Flipped labels are one way
to poison a set (and the usual way a set is simply wrong); a backdoor's relabelled rows often show
here too, beside the trigger check.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from dataclasses import dataclass
from typing import Any

FOLDS = 5
MIN_ROWS = 100  # below this the cross-validated model is too weak to judge labels
INSTALL = "install aicop[labels] (cleanlab, scikit-learn) to look for flipped labels"


@dataclass(frozen=True, slots=True)
class Noisy:
    row: int
    label: str
    suggested: str
    confidence: float  # the model's probability of the given label


def missing() -> str | None:
    """Why label noise cannot be checked here, or None when it can."""
    absent = [name for name in ("cleanlab", "sklearn") if importlib.util.find_spec(name) is None]
    return f"label noise not checked: {INSTALL}" if absent else None


def find_noise(rows: list[tuple[int, str, str]]) -> tuple[list[Noisy], str | None]:
    """(rows with likely wrong labels, most suspect first; why the check was skipped, or None)."""
    reason = missing()
    if reason is not None:
        return [], reason
    counts = Counter(label for _, _, label in rows)
    small = sorted(label for label, n in counts.items() if n < FOLDS)
    kept = [r for r in rows if counts[r[2]] >= FOLDS]
    if len(kept) < MIN_ROWS or len({label for _, _, label in kept}) < 2:
        return [], f"label noise not checked: fewer than {MIN_ROWS} rows in at least two labels"
    # scikit-learn and cleanlab ship no type information
    from cleanlab.filter import find_label_issues  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.model_selection import StratifiedKFold, cross_val_predict  # type: ignore[import-untyped]
    from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]

    names = sorted({label for _, _, label in kept})
    index = {name: i for i, name in enumerate(names)}
    texts = [text for _, text, _ in kept]
    given = [index[label] for _, _, label in kept]
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(max_iter=500),
    )
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    probabilities: Any = cross_val_predict(model, texts, given, cv=folds, method="predict_proba")
    ranked: Any = find_label_issues(
        labels=given, pred_probs=probabilities, return_indices_ranked_by="self_confidence"
    )
    out = [
        Noisy(
            row=kept[i][0],
            label=kept[i][2],
            suggested=names[int(probabilities[i].argmax())],
            confidence=float(probabilities[i][given[i]]),
        )
        for i in ranked
    ]
    note = (
        f"label noise not checked for labels with under {FOLDS} rows: {', '.join(small)}" if small else None
    )
    return out, note
