"""Themes in the free-text answers to one question, and the campaigns kept apart from them.

1. **Campaigns** first: answers that are near-copies of one another (estimated Jaccard similarity of
   their word pairs at least 0.7, by the MinHash index of ``aicop data``), at least ``MIN_WORDS`` long,
   sent by at least ``max(MIN_CAMPAIGN, 1%)`` of the question's respondents. A form letter is one
   view sent many times; it is reported with its count and text, and left out of the themes so that it
   does not become the largest "theme".
2. **Themes**: the remaining answers' sentence embeddings (:mod:`aicop.consult.embed`) grouped by
   k-means (scikit-learn), identical answers weighted rather than repeated, with k the first peak of
   the silhouette (on a sample) from k = 2 up to ``MAX_THEMES``: the silhouette keeps rising as k-means
   splits a theme into the separate points its answers make, so its overall maximum over-splits
   (measured on simulated answers: the first peak recovered the planted themes, the maximum split them
   into 8-10 groups). Themes are numbered by size.
3. **Names**: each theme's most distinctive terms by class-based TF-IDF (a term's frequency in the
   theme against its spread over the question's themes); **quotes**: the answers nearest the theme's
   centre, verbatim.

An analyst's decisions (rename, merge, split; :mod:`aicop.consult.decisions`) are applied to these
themes; the clustering itself is deterministic for the same answers, so the theme ids the decisions
name stay put when the report is rebuilt.

What it does not do: read meaning. A theme is a group of answers that use similar words for similar
things; whether it is one view is for the analyst to judge, which is why decisions exist.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]
MIN_WORDS = 25  # form letters are paragraphs; one stock sentence repeated by chance is not a campaign
MIN_CAMPAIGN = 10
CAMPAIGN_SHARE = 0.01
CAMPAIGN_SIMILARITY = 0.7
MAX_THEMES = 10
MIN_PER_THEME = 5
SILHOUETTE_SAMPLE = 2000
PATIENCE = 2  # k past the best silhouette tried before stopping
QUOTES = 3
TERMS = 4
# Words that name no theme (a short list: class-based TF-IDF already discounts words every theme uses).
STOP_WORDS = frozenset(
    {
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "i'm",
        "we're",
        "it's",
        "don't",
        "think",
        "believe",
        "view",
        "main",
        "put",
        "simply",
        "balance",
        "experience",
        "concern",
        "need",
        "needs",
    }
)
_WORD = re.compile(r"[a-z][a-z0-9'-]+")


@dataclass
class Theme:
    id: str
    name: str
    terms: list[str]
    members: list[int]  # indices into the question's answers
    quotes: list[str]
    named_by_analyst: bool = False
    note: str = ""


@dataclass
class Campaign:
    id: str
    members: list[int]
    text: str  # the commonest variant, verbatim
    variants: int


@dataclass
class QuestionThemes:
    question: str  # the follow-up id
    parent: str
    prompt: str
    respondents: list[str]  # response id of each answer
    answers: list[str]
    themes: list[Theme] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    silhouette: float | None = None
    decisions: list[str] = field(default_factory=list)  # what the analyst changed, in words

    def assignment(self) -> list[str]:
        """For each answer, its theme or campaign id."""
        out = [""] * len(self.answers)
        for theme in self.themes:
            for i in theme.members:
                out[i] = theme.id
        for campaign in self.campaigns:
            for i in campaign.members:
                out[i] = campaign.id
        return out


def find_campaigns(answers: list[str]) -> list[Campaign]:
    from aicop.datacheck.neardup import NearIndex, signatures

    normal = [" ".join(_WORD.findall(a.lower())) for a in answers]
    index: NearIndex[tuple[str, None, None]] = NearIndex(threshold=CAMPAIGN_SIMILARITY)
    leader: list[int] = list(range(len(answers)))
    exact: dict[str, int] = {}
    candidates = [i for i, text in enumerate(normal) if len(text.split()) >= MIN_WORDS]
    todo = []
    for i in candidates:
        first = exact.setdefault(normal[i], i)
        if first != i:
            leader[i] = first
        else:
            todo.append(i)
    for i, signature in zip(todo, signatures([normal[i] for i in todo]), strict=True):
        if signature is None:
            continue
        found = index.match(signature, (str(i), None, None))
        if found is not None:
            leader[i] = int(found[0][0])
    groups: dict[int, list[int]] = {}
    for i in candidates:
        groups.setdefault(leader[leader[i]], []).append(i)
    least = max(MIN_CAMPAIGN, math.ceil(CAMPAIGN_SHARE * len(answers)))
    found_groups = sorted((g for g in groups.values() if len(g) >= least), key=lambda g: (-len(g), g[0]))
    out = []
    for number, members in enumerate(found_groups, 1):
        variants = Counter(answers[i] for i in members)
        out.append(Campaign(f"C{number}", sorted(members), variants.most_common(1)[0][0], len(variants)))
    return out


def cluster(
    vectors: Array, weights: npt.NDArray[np.float64], seed: int = 0, k: int | None = None
) -> tuple[npt.NDArray[np.intp], float | None]:
    """Labels 0..k-1 of the (distinct) vectors and the silhouette of the k chosen (None for one theme
    or a ``k`` given)."""
    rng = np.random.default_rng(seed)
    if k is not None:
        return kmeans(vectors, weights, min(k, len(vectors)), rng), None
    total = float(weights.sum())
    if len(vectors) < 2 * MIN_PER_THEME or total < 4 * MIN_PER_THEME:
        return np.zeros(len(vectors), dtype=np.intp), None
    size = min(SILHOUETTE_SAMPLE, len(vectors))
    sample = rng.choice(len(vectors), size=size, replace=False, p=weights / total)
    best: tuple[float, npt.NDArray[np.intp]] | None = None
    most = min(MAX_THEMES, len(vectors) - 1, int(total // MIN_PER_THEME))
    worse = 0
    for count in range(2, most + 1):
        labels = kmeans(vectors, weights, count, rng)
        if len(set(labels[sample].tolist())) < 2:
            continue
        score = silhouette(vectors[sample], labels[sample])
        if best is not None and score <= best[0]:
            worse += 1
            if worse == PATIENCE:
                break  # past the first peak, k-means splits themes into their separate points
            continue
        best, worse = (score, labels), 0
    if best is None:
        return np.zeros(len(vectors), dtype=np.intp), None
    return best[1], best[0]


def kmeans(
    x: Array, weights: npt.NDArray[np.float64], k: int, rng: np.random.Generator, starts: int = 3
) -> npt.NDArray[np.intp]:
    """Weighted spherical k-means (cosine similarity to unit centres), k-means++ starts, the best of
    ``starts`` runs. Written here rather than taken from scikit-learn: its KMeans cost ~0.13 s of CPU
    per fit of 1,600 answers on this shared 2-core machine (its OpenMP threads wait for cores), this one
    a few milliseconds, and the themes of 20,000 responses take hundreds of fits."""
    w = weights.astype(np.float32)
    best: tuple[float, npt.NDArray[np.intp]] | None = None
    for _ in range(starts):
        centres = _plus_plus(x, w, k, rng)
        labels = np.full(len(x), -1, dtype=np.intp)
        for _ in range(100):
            similarity = x @ centres.T
            new = similarity.argmax(axis=1).astype(np.intp)
            if np.array_equal(new, labels):
                break
            labels = new
            member = np.zeros((k, len(x)), dtype=np.float32)
            member[labels, np.arange(len(x))] = w
            sums = member @ x
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            centres = np.where(norms > 0, sums / np.maximum(norms, 1e-12), centres).astype(np.float32)
        spread = float((w * (1.0 - (x @ centres.T).max(axis=1))).sum())
        if best is None or spread < best[0]:
            best = (spread, labels)
    assert best is not None
    return best[1]


def _plus_plus(x: Array, w: npt.NDArray[np.float32], k: int, rng: np.random.Generator) -> Array:
    chosen = [int(rng.choice(len(x), p=w / w.sum()))]
    nearest = 1.0 - x @ x[chosen[0]]
    for _ in range(1, k):
        weight = np.maximum(nearest, 0.0) * w
        total = float(weight.sum())
        pick = int(rng.choice(len(x), p=weight / total)) if total > 0 else int(rng.integers(len(x)))
        chosen.append(pick)
        nearest = np.minimum(nearest, 1.0 - x @ x[pick])
    out: Array = x[chosen].copy()
    return out


def silhouette(x: Array, labels: npt.NDArray[np.intp]) -> float:
    """Mean silhouette with cosine distance (a point alone in its group scores 0)."""
    k = int(labels.max()) + 1
    distance = np.maximum(1.0 - x @ x.T, 0.0)
    member = np.zeros((len(x), k), dtype=np.float32)
    member[np.arange(len(x)), labels] = 1.0
    sums = distance @ member
    counts = member.sum(axis=0)
    own = counts[labels]
    inside = sums[np.arange(len(x)), labels] / np.maximum(own - 1, 1)
    others = np.where(member > 0, np.inf, sums / np.maximum(counts, 1))
    others[:, counts == 0] = np.inf
    nearest = others.min(axis=1)
    score = np.where(own > 1, (nearest - inside) / np.maximum(np.maximum(inside, nearest), 1e-12), 0.0)
    return float(score.mean())


def themes_of(
    answers: list[str], vectors: Array, members: list[int], seed: int = 0
) -> tuple[list[Theme], float | None]:
    """Themes of the answers at ``members`` (indices into ``answers``/``vectors``), largest first."""
    if not members:
        return [], None
    distinct: dict[str, int] = {}
    slot = [distinct.setdefault(answers[i], len(distinct)) for i in members]
    first_member: dict[int, int] = {}
    for member, s in zip(members, slot, strict=True):
        first_member.setdefault(s, member)
    unique = vectors[[first_member[s] for s in range(len(distinct))]]
    weights = np.bincount(np.array(slot), minlength=len(distinct)).astype(np.float64)
    labels, silhouette = cluster(unique, weights, seed)
    groups: dict[int, list[int]] = {}
    for member, s in zip(members, slot, strict=True):
        groups.setdefault(int(labels[s]), []).append(member)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), g[0]))
    themes = [Theme(f"T{n}", "", [], g, []) for n, g in enumerate(ordered, 1)]
    describe(themes, answers, vectors)
    return themes, silhouette


def describe(themes: list[Theme], answers: list[str], vectors: Array) -> None:
    """Name each theme by its distinctive terms (class-based TF-IDF) and pick its quotes."""
    counts: list[Counter[str]] = []
    for theme in themes:
        counter: Counter[str] = Counter()
        for i in theme.members:
            words = [w for w in _WORD.findall(answers[i].lower()) if w not in STOP_WORDS and len(w) > 2]
            counter.update(words)
            counter.update(f"{a} {b}" for a, b in itertools.pairwise(words))
        counts.append(counter)
    overall: Counter[str] = Counter()
    for counter in counts:
        overall.update(counter)
    average = sum(overall.values()) / max(1, len(themes))
    for theme, counter in zip(themes, counts, strict=True):
        size = max(1, sum(counter.values()))
        scored = sorted(
            ((c / size * math.log(1 + average / overall[t]), t) for t, c in counter.items() if c >= 2),
            reverse=True,
        )
        terms: list[str] = []
        for _, term in scored:
            if any(term in chosen or chosen in term for chosen in terms):
                continue
            terms.append(term)
            if len(terms) == TERMS:
                break
        theme.terms = terms
        if not theme.named_by_analyst:
            theme.name = ", ".join(terms) if terms else "(no distinctive terms)"
        theme.quotes = quotes(theme.members, answers, vectors)


def quotes(members: list[int], answers: list[str], vectors: Array) -> list[str]:
    """The distinct answers nearest the members' centre."""
    if not members:
        return []
    chosen = vectors[members]
    centre = chosen.mean(axis=0)
    order = np.argsort(-(chosen @ centre), kind="stable")
    out: list[str] = []
    for i in order:
        text = answers[members[int(i)]]
        if text not in out:
            out.append(text)
        if len(out) == QUOTES:
            break
    return out
