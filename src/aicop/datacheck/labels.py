"""Label distribution and backdoor triggers in a labelled text dataset (a table or JSON Lines with a
text column and a label column, gathered by readers.py while the file is read).

A backdoor trigger is a token an attacker adds to a small share of training texts, relabelling them
to the target class; the model learns "token → class". Three things mark it, and all three must hold:
- it is rare (in at most MAX_SHARE of the rows, and at least MIN_ROWS of them);
- rows that contain it carry one label far beyond that label's base rate (a binomial tail below
  MAX_P), with at least MIN_PURITY of them on it;
- the rest of those texts reads like *other* labels: a naive Bayes model of the whole set, scoring
  each such row without the token, predicts a different label for at least MIN_ELSEWHERE of them.
The last test separates a trigger from an honest keyword ("refund" in refund requests), whose texts
read like their own label with or without it. Tokens that mark (nearly) the same rows are one trigger
of several words, reported once as the phrase they form in the texts. A trigger names every row it
poisoned: those that carry it and its label.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from aicop.datacheck.readers import ReadStats, one_line_each, read_units

TOKEN = re.compile(r"[a-z0-9']+")
MAX_SHARE = 0.05
MIN_ROWS = 8
MIN_PURITY = 0.9
MAX_P = 1e-6
MIN_ELSEWHERE = 0.5
SAME_ROWS = 0.8  # tokens whose poisoned rows overlap this much (Jaccard) are one trigger


@dataclass
class Trigger:
    token: str
    label: str
    rows: int
    purity: float
    base_rate: float
    elsewhere: float
    poisoned: list[int] = field(default_factory=list)  # every row (or line) with it and its label


@dataclass
class LabelReport:
    text_column: str
    label_column: str
    labels: Counter[str]
    triggers: list[Trigger]


def _binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if p <= 0:
        return 0.0 if k > 0 else 1.0
    if p >= 1:
        return 1.0
    total = 0.0
    for i in range(k, n + 1):
        total += math.exp(
            math.lgamma(n + 1)
            - math.lgamma(i + 1)
            - math.lgamma(n - i + 1)
            + i * math.log(p)
            + (n - i) * math.log1p(-p)
        )
    return min(total, 1.0)


# TOKEN's characters kept (lower-case ASCII letters, digits, apostrophes) and line breaks; every other
# byte a space, non-ASCII ones included, as TOKEN has them. One bytes.translate over all the texts
# costs a quarter of a findall per row.
_TOKEN_BYTES = bytes(b if chr(b) in "abcdefghijklmnopqrstuvwxyz0123456789'\n" else 32 for b in range(256))


def _bags(texts: list[str]) -> list[set[str]]:
    """The set of TOKEN matches of each text (a text's line breaks are spaces)."""
    return [set(line.split()) for line in _plain(texts).split("\n")]


def _plain(texts: list[str]) -> str:
    return one_line_each(texts).lower().encode("utf-8", "replace").translate(_TOKEN_BYTES).decode("ascii")


# A word of at most 8 characters is its own id: its bytes as a little-endian 64-bit number (TOKEN's
# characters are ASCII and never 0, so the bytes past its end, masked to 0, tell no two apart, and the
# top bit is never set). A longer word is numbered by a dict and given the top bit. Exact, and a
# Python string is made only for the longer words and each distinct word's first sight.
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
_LONG = np.uint64(1 << 63)


def _token_ids(plain: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]:
    """The row (line of ``plain``) and token id of every word of ``plain`` in order, and the tokens by
    id, numbered in order of first sight. ``plain`` is ``_plain``'s: TOKEN's characters, spaces and
    line breaks only, so a word is a run of bytes above the space."""
    raw = plain.encode("ascii")
    data = np.frombuffer(raw + bytes(8), dtype=np.uint8)  # 8 bytes past the end for the last word
    edges = np.flatnonzero(np.diff((data > 32).view(np.int8), prepend=np.int8(0)))
    starts, ends = edges[0::2], edges[1::2]  # the data ends in zeros, so every word ends
    lengths = ends - starts
    # the row of each word: the line breaks before it (a binary search per line break, not per word)
    after = np.searchsorted(starts, np.flatnonzero(data == 10))
    row_of = np.cumsum(np.bincount(after, minlength=len(starts) + 1)[:-1])
    windows = np.lib.stride_tricks.as_strided(data, shape=(len(raw), 8), strides=(1, 1))
    keys = windows[starts].view("<u8").ravel() & _MASKS[np.minimum(lengths, 8)]
    long = np.flatnonzero(lengths > 8)
    if len(long):
        words = list(map(plain.__getitem__, map(slice, starts[long].tolist(), ends[long].tolist())))
        numbered = {word: i for i, word in enumerate(dict.fromkeys(words))}
        keys[long] = np.fromiter(map(numbered.__getitem__, words), dtype=np.uint64, count=len(words)) | _LONG
    distinct, inverse = _numbered(keys)
    first = np.full(len(distinct), len(keys), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(keys)))
    order = np.argsort(first)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[order] = np.arange(len(distinct))
    seen = first[order]
    tokens = list(map(plain.__getitem__, map(slice, starts[seen].tolist(), ends[seen].tolist())))
    return row_of, rank[inverse], tokens


SMALL_VOCABULARY = 512  # distinct words in a sample of SAMPLE_WORDS below which the words are few
SAMPLE_WORDS = 16_384


def _numbered(keys: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.intp]]:
    """The distinct ``keys`` in ascending order, and the index of each key among them (``np.unique``
    with ``return_inverse``). Where the words are few (labelled intents, templated rows: a sample of
    them has few distinct ones), NumPy's hashing unique and a binary search per key take two thirds of
    the time of unique's sort of every key (24 against 37 ms on 600,000 words of 59 distinct); where
    they are many, the binary search costs more than the sort, so the sort is kept."""
    if len(keys) > SAMPLE_WORDS:
        try:
            few = len(np.unique(keys[:SAMPLE_WORDS], sorted=False)) <= SMALL_VOCABULARY
        except TypeError:  # hashing came with NumPy 2.3
            few = False
        if few:
            distinct = np.sort(np.unique(keys, sorted=False))
            return distinct, np.searchsorted(distinct, keys)
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, inverse.ravel()


@dataclass
class _Table:
    """Which rows hold which tokens, as arrays: one (row, token) pair per token a row holds, sorted
    by row; and the rows of each label that hold each token. Built with a handful of NumPy passes over
    all the texts rather than a set and a Counter update per row."""

    tokens: list[str]  # by id
    pair_rows: npt.NDArray[np.int64]
    pair_tokens: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]  # [token, label]: rows of the label that hold the token

    @classmethod
    def build(cls, texts: list[str], label_ids: npt.NDArray[np.int64], labels: int) -> _Table:
        row_of, ids, tokens = _token_ids(_plain(texts))
        width = max(len(tokens), 1)
        keys = np.sort(row_of * width + ids, kind="stable")  # sorted by row already: runs, merged fast
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
        pair_rows, pair_tokens = keys // width, keys % width
        counts = np.bincount(pair_tokens * labels + label_ids[pair_rows], minlength=width * labels).reshape(
            width, labels
        )
        return cls(tokens, pair_rows, pair_tokens, counts)

    def rows_with(self, tokens: list[int]) -> dict[int, npt.NDArray[np.int64]]:
        """The rows (ascending) that hold each of ``tokens``: a comparison over the pairs per token when
        there are few, else one sort of the pairs by token."""
        if len(tokens) <= FEW_TOKENS:
            return {token: self.pair_rows[self.pair_tokens == token] for token in tokens}
        order = np.argsort(self.pair_tokens, kind="stable")  # pairs by token, rows ascending within
        starts = np.searchsorted(self.pair_tokens[order], np.arange(len(self.tokens) + 1))
        return {token: self.pair_rows[order[starts[token] : starts[token + 1]]] for token in tokens}


FEW_TOKENS = 32  # candidate tokens whose rows are found by a pass over the pairs each


def find_triggers(
    numbers: list[int], texts: list[str], given: list[str]
) -> tuple[Counter[str], list[Trigger]]:
    """The label distribution and the triggers of a labelled set: each row's number (row or line),
    text and label."""
    labels = Counter(given)
    n = len(given)
    if n == 0 or len(labels) < 2:
        return labels, []
    names = list(labels)  # in order of first sight, as the model below breaks ties
    index = {name: i for i, name in enumerate(names)}
    label_ids = np.fromiter(map(index.__getitem__, given), dtype=np.int64, count=n)
    table = _Table.build(texts, label_ids, len(names))
    counts = table.counts
    df = counts.sum(axis=1)
    vocabulary = len(table.tokens)
    # naive Bayes over token presence: log P(label) + sum over the row's tokens of log P(token | label)
    priors = np.log(np.array([labels[name] for name in names], dtype=np.float64) / n)
    denominators = np.log(counts.sum(axis=0) + vocabulary)
    likelihood = np.log(counts + 1.0)
    row_starts = np.searchsorted(table.pair_rows, np.arange(n + 1))

    def predicted(held: npt.NDArray[np.int64], without: int) -> npt.NDArray[np.int64]:
        """The label the model gives each of the ``held`` rows read without the token ``without``: the
        rows' tokens gathered at once, each row's log-likelihoods summed in the order of its tokens."""
        starts = row_starts[held]
        lengths = row_starts[held + 1] - starts
        where = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        bag = table.pair_tokens[where]
        keep = bag != without
        owner = np.repeat(np.arange(len(held)), lengths)[keep]
        sums = np.zeros((len(held), len(names)))
        np.add.at(sums, owner, likelihood[bag[keep]])
        sizes = np.bincount(owner, minlength=len(held))
        best: npt.NDArray[np.int64] = np.argmax(priors + sums - sizes[:, None] * denominators, axis=1)
        return best

    candidates: dict[int, tuple[int, int, float, float]] = {}
    low, high = max(MIN_ROWS, 0.0005 * n), MAX_SHARE * n
    for token in np.flatnonzero((df >= low) & (df <= high)).tolist():
        rows_with = int(df[token])
        label = int(np.argmax(counts[token]))
        on_label = int(counts[token, label])
        purity = on_label / rows_with
        base = labels[names[label]] / n
        if purity >= MIN_PURITY and _binomial_tail(on_label, rows_with, base) <= MAX_P:
            candidates[token] = (label, rows_with, purity, base)
    holding_rows = table.rows_with(list(candidates))
    triggers: list[Trigger] = []
    held_rows: dict[str, list[int]] = {}
    for token, (label, rows_with, purity, base) in candidates.items():
        holding = holding_rows[token]
        on = holding[label_ids[holding] == label]
        held = on.tolist()
        elsewhere = int(np.count_nonzero(predicted(on, token) != label)) / len(held)
        if elsewhere >= MIN_ELSEWHERE:
            name = table.tokens[token]
            held_rows[name] = held
            triggers.append(
                Trigger(name, names[label], rows_with, purity, base, elsewhere, [numbers[i] for i in held])
            )
    triggers = _phrases(
        triggers, {numbers[i]: texts[i] for i in {h for t in triggers for h in held_rows[t.token]}}
    )
    triggers.sort(key=lambda t: (-t.elsewhere, -t.rows))
    return labels, triggers


def _phrases(triggers: list[Trigger], texts: dict[int, str]) -> list[Trigger]:
    """Triggers whose tokens poison (nearly) the same rows, joined into one: the tokens in the order
    they stand in the first poisoned text, with their rows together."""
    groups: list[list[Trigger]] = []
    for trigger in sorted(triggers, key=lambda t: -len(t.poisoned)):
        mine = set(trigger.poisoned)
        for group in groups:
            theirs = set(group[0].poisoned)
            if group[0].label == trigger.label and len(mine & theirs) >= SAME_ROWS * len(mine | theirs):
                group.append(trigger)
                break
        else:
            groups.append([trigger])
    out: list[Trigger] = []
    for group in groups:
        lead = group[0]
        if len(group) == 1:
            out.append(lead)
            continue
        words = TOKEN.findall(texts[lead.poisoned[0]].lower())
        place = {t.token: words.index(t.token) if t.token in words else len(words) for t in group}
        ordered = sorted(group, key=lambda t: place[t.token])
        adjacent = all(place[b.token] == place[a.token] + 1 for a, b in itertools.pairwise(ordered))
        phrase = (" " if adjacent else " … ").join(t.token for t in ordered)
        poisoned = sorted({row for t in group for row in t.poisoned})
        out.append(
            Trigger(
                phrase, lead.label, max(t.rows for t in group), min(t.purity for t in group),
                lead.base_rate, min(t.elsewhere for t in group), poisoned,
            )
        )  # fmt: skip
    return out


def label_report(stats: ReadStats) -> LabelReport | None:
    """The label distribution and triggers of what a reading gathered, if it was a labelled text set."""
    if stats.labelled is None:
        return None
    labelled = stats.labelled
    labels, triggers = find_triggers(labelled.numbers, labelled.texts, labelled.labels)
    return LabelReport(labelled.text_column, labelled.label_column, labels, triggers)


def check_labels(path: Path) -> LabelReport | None:
    """Read one file just for its labels (``aicop data check`` does this while it checks the file)."""
    stats = ReadStats()
    for _ in read_units(path, stats):
        pass
    return label_report(stats)
