"""Counts of the closed questions, overall and by segment, with the denominator each question deserves.

A routed question is asked of some respondents only (Q23 of organisations): its percentages are of
those the routing showed it to *and* who answered it, never of everyone. Respondents who were shown a
question and left it blank are counted apart ("not answered"), so a reader can see the base shrink.
A multiple-choice question's percentages are of respondents, so they add up to more than 100%.

Intervals are Wilson score intervals at 95%: unlike the normal approximation they stay inside 0-100%
and behave for small bases and shares near 0 or 1, which routed questions and small segments have.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from aicop.consult.questionnaire import Answer, Questionnaire

Z95 = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion; (0, 0) for no trials."""
    if trials == 0:
        return (0.0, 0.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Tally:
    """One option of one question in one segment: ``count`` of ``base`` (shown and answered)."""

    question: str
    segment: str  # "all" or a segment id
    value: str  # "all" or the segment's value (an option id of its question)
    option: str
    count: int
    base: int
    shown: int  # respondents the routing showed the question to, in this segment
    low: float
    high: float

    @property
    def share(self) -> float:
        return self.count / self.base if self.base else 0.0

    @property
    def not_answered(self) -> int:
        return self.shown - self.base


def segment_values(questionnaire: Questionnaire, answers: dict[str, Answer]) -> list[tuple[str, str]]:
    """(segment id, value) pairs this respondent belongs to, plus ("all", "all")."""
    pairs = [("all", "all")]
    for segment in questionnaire.segments:
        for question_id in segment.questions:
            given = answers.get(question_id)
            for value in [given] if isinstance(given, str) else (given or []):
                pairs.append((segment.id, value))
    return pairs


def tally(questionnaire: Questionnaire, responses: list[dict[str, Answer]]) -> list[Tally]:
    """Every closed question x segment value x option, in questionnaire order."""
    counts: dict[tuple[str, str, str, str], int] = defaultdict(int)
    base: dict[tuple[str, str, str], int] = defaultdict(int)
    shown: dict[tuple[str, str, str], int] = defaultdict(int)
    for answers in responses:
        pairs = segment_values(questionnaire, answers)
        for question in questionnaire.questions:
            if not questionnaire.shown(question, answers):
                continue
            given = answers.get(question.id)
            chosen = [given] if isinstance(given, str) else (given or [])
            for segment, value in pairs:
                shown[question.id, segment, value] += 1
                if chosen:
                    base[question.id, segment, value] += 1
                    for option in chosen:
                        counts[question.id, segment, value, option] += 1
    out: list[Tally] = []
    order = [("all", "all")] + [
        (s.id, o)
        for s in questionnaire.segments
        for o in dict.fromkeys(o for q in s.questions for o in questionnaire.by_id[q].option_ids)
    ]
    for question in questionnaire.questions:
        for segment, value in order:
            n = base.get((question.id, segment, value), 0)
            if not shown.get((question.id, segment, value)):
                continue
            for option in question.option_ids:
                k = counts.get((question.id, segment, value, option), 0)
                low, high = wilson(k, n)
                out.append(
                    Tally(
                        question.id,
                        segment,
                        value,
                        option,
                        k,
                        n,
                        shown[question.id, segment, value],
                        low,
                        high,
                    )
                )
    return out


@dataclass(frozen=True)
class Support:
    """Support for including one principle: ``yes`` of ``base`` who answered its question."""

    principle: str
    title: str
    question: str
    segment: str
    value: str
    yes: int
    no: int
    dont_know: int
    base: int
    low: float
    high: float

    @property
    def share(self) -> float:
        return self.yes / self.base if self.base else 0.0


def support(questionnaire: Questionnaire, tallies: list[Tally], titles: dict[str, str]) -> list[Support]:
    """Per principle and segment value, from the tallies of its support question."""
    by_key: dict[tuple[str, str, str], dict[str, Tally]] = defaultdict(dict)
    for t in tallies:
        by_key[t.question, t.segment, t.value][t.option] = t
    out = []
    for question in questionnaire.questions:
        if question.principle is None:
            continue
        for (question_id, segment, value), options in by_key.items():
            if question_id != question.id:
                continue
            yes = options["yes"]
            out.append(
                Support(
                    question.principle,
                    titles.get(question.principle, ""),
                    question.id,
                    segment,
                    value,
                    yes.count,
                    options["no"].count,
                    options["dont_know"].count,
                    yes.base,
                    yes.low,
                    yes.high,
                )
            )
    return out
