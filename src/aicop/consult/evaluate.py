"""How well an analysis recovered what the simulator planted: theme agreement (normalised mutual
information, per question and weighted by answers) and campaign recall and precision. Used by the
tests and ``benchmarks/consult_bench.py``; the analysis itself never sees the planted truth."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from aicop.consult.analysis import Analysis


def nmi(truth: list[str], found: list[str]) -> float:
    """Normalised mutual information (arithmetic mean of the entropies, as scikit-learn's default)."""
    n = len(truth)
    if n == 0:
        return 1.0
    joint = Counter(zip(truth, found, strict=True))
    a, b = Counter(truth), Counter(found)
    mutual = sum(c / n * math.log(c * n / (a[x] * b[y])) for (x, y), c in joint.items())
    h_a = -sum(c / n * math.log(c / n) for c in a.values())
    h_b = -sum(c / n * math.log(c / n) for c in b.values())
    if h_a == 0 and h_b == 0:
        return 1.0
    return mutual / ((h_a + h_b) / 2) if h_a + h_b > 0 else 0.0


@dataclass
class Recovery:
    per_question: dict[str, tuple[float, int]]  # follow-up -> (NMI, answers compared)
    campaigns_planted: dict[str, int]  # "question/campaign" -> letters
    campaigns_found: dict[
        str, tuple[int, int]
    ]  # "question/campaign" -> (letters found in one group, group size)
    spurious_campaigns: int  # found campaigns made mostly of organic answers

    @property
    def weighted_nmi(self) -> float:
        total = sum(n for _, n in self.per_question.values())
        return sum(v * n for v, n in self.per_question.values()) / total if total else 1.0

    @property
    def worst(self) -> tuple[str, float]:
        question = min(self.per_question, key=lambda q: self.per_question[q][0])
        return question, self.per_question[question][0]


def recovery(analysis: Analysis, planted: dict[str, dict[str, dict[str, str]]]) -> Recovery:
    themes, campaigns = planted["themes"], planted["campaigns"]
    per_question: dict[str, tuple[float, int]] = {}
    found_campaigns: dict[str, tuple[int, int]] = {}
    planted_campaigns: dict[str, int] = {}
    spurious = 0
    for f in analysis.free_text:
        assigned = dict(zip(f.respondents, f.assignment(), strict=True))
        truth = themes.get(f.question, {})
        compared = [r for r in f.respondents if r in truth]
        if len(set(truth[r] for r in compared)) > 1:
            per_question[f.question] = (
                nmi([truth[r] for r in compared], [assigned[r] for r in compared]),
                len(compared),
            )
        letters = campaigns.get(f.question, {})
        for name in set(letters.values()):
            members = {r for r, c in letters.items() if c == name}
            planted_campaigns[f"{f.question}/{name}"] = len(members)
            best = (0, 0)
            for c in f.campaigns:
                group = {f.respondents[i] for i in c.members}
                best = max(best, (len(group & members), len(group)))
            found_campaigns[f"{f.question}/{name}"] = best
        for c in f.campaigns:
            group = {f.respondents[i] for i in c.members}
            if len(group & set(letters)) * 2 < len(group):
                spurious += 1
    return Recovery(per_question, planted_campaigns, found_campaigns, spurious)
