"""The analysis against what the simulator planted: exact tallies with the routed bases, themes that
match the planted ones, every campaign found, decisions applied, reports that escape what they show."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicop.consult.analysis import analyse
from aicop.consult.evaluate import nmi, recovery
from aicop.consult.questionnaire import check_answers
from aicop.consult.report import csv, html, markdown
from aicop.consult.responses import Response
from aicop.consult.tallies import wilson
from aicop.errors import InputError
from tests.consult.conftest import Consultation


def test_wilson_interval_at_its_known_edges() -> None:
    assert wilson(0, 10)[0] == 0.0
    assert wilson(0, 10)[1] == pytest.approx(3.8415 / 13.8415, abs=1e-4)  # z^2 / (n + z^2)
    assert wilson(10, 10)[0] == pytest.approx(10 / 13.8415, abs=1e-4)
    low, high = wilson(50, 100)
    assert low == pytest.approx(1 - high) and low == pytest.approx(0.4038, abs=1e-4)
    assert wilson(0, 0) == (0.0, 0.0)


def test_the_simulated_responses_obey_the_routing(consultation: Consultation) -> None:
    for response in consultation.responses:
        assert check_answers(consultation.questionnaire, response.answers) == response.answers
    kinds = {r.answers.get("Q1") for r in consultation.responses}
    assert kinds == {"individual", "organisation"}
    assert not any("Q23" in r.answers for r in consultation.responses if r.answers.get("Q1") == "individual")
    assert not any("Q2" in r.answers for r in consultation.responses if r.answers.get("Q1") == "organisation")


@pytest.mark.parametrize(
    ("question", "segment", "value"),
    [
        ("Q23", "all", "all"),
        ("Q3", "all", "all"),
        ("Q12", "respondent_type", "individual"),
        ("Q7", "size", "micro"),
        ("Q2", "region", "uk"),
    ],
)
def test_tallies_are_exact_with_the_routed_base(
    consultation: Consultation, question: str, segment: str, value: str
) -> None:
    def member(answers: dict[str, object]) -> bool:
        if segment == "all":
            return True
        questions = {"respondent_type": ["Q1"], "size": ["Q4"], "region": ["Q5", "Q6"]}[segment]
        return any(answers.get(q) == value for q in questions)

    routed_to = consultation.questionnaire.by_id[question].shown_if
    shown = [
        r.answers for r in consultation.responses
        if member(r.answers) and (routed_to is None or r.answers.get("Q1") in routed_to.any_of)
    ]  # fmt: skip
    answered = [a for a in shown if question in a]
    rows = [
        t
        for t in consultation.analysis.tallies
        if (t.question, t.segment, t.value) == (question, segment, value)
    ]
    assert rows, "no tally rows"
    for row in rows:
        expected = sum(
            1
            for a in answered
            if row.option in ([a[question]] if isinstance(a[question], str) else a[question])
        )
        assert (row.count, row.base, row.shown) == (expected, len(answered), len(shown)), row
    if question == "Q23":  # asked of organisations only: individuals are not in its base
        assert rows[0].shown == sum(
            1 for r in consultation.responses if r.answers.get("Q1") == "organisation"
        )
    if question == "Q3":  # several options each: the shares add up to more than 100%
        assert sum(r.share for r in rows) > 1.0


def test_support_per_principle_is_the_yes_share_of_its_question(consultation: Consultation) -> None:
    overall = [s for s in consultation.analysis.support if s.segment == "all"]
    assert [s.principle for s in overall] == [str(n) for n in range(1, 13)]
    first = overall[0]
    answers = [r.answers.get("Q10") for r in consultation.responses]
    assert (first.yes, first.no, first.base) == (
        answers.count("yes"),
        answers.count("no"),
        800 - answers.count(None),
    )
    assert first.title == "Raise staff awareness of threats and risks"
    assert all(0.75 < s.share < 0.97 for s in overall)  # planted at 83-90%


def test_themes_recover_the_planted_ones_and_every_campaign(consultation: Consultation) -> None:
    found = recovery(consultation.analysis, consultation.simulated.truth())  # type: ignore[arg-type]
    assert found.weighted_nmi >= 0.8, found.per_question
    assert found.campaigns_planted and set(found.campaigns_found) == set(found.campaigns_planted)
    for name, letters in found.campaigns_planted.items():
        assert found.campaigns_found[name] == (letters, letters), name  # all its letters, nothing else
    assert found.spurious_campaigns == 0


def test_nmi_agrees_with_its_definition() -> None:
    assert nmi(list("aabb"), list("xxyy")) == pytest.approx(1.0)
    assert nmi(list("aabb"), list("xyxy")) == pytest.approx(0.0)
    assert 0 < nmi(list("aaabbb"), list("xxxxyy")) < 1


def test_themes_are_named_by_their_terms_and_quoted_verbatim(consultation: Consultation) -> None:
    question = next(f for f in consultation.analysis.free_text if f.question == "Q7_no")
    assert 2 <= len(question.themes) <= 10
    biggest = question.themes[0]
    assert biggest.terms and biggest.name == ", ".join(biggest.terms)
    assert all(q in question.answers for q in biggest.quotes)
    assert len(biggest.members) >= len(question.themes[-1].members)
    assert sorted(i for t in question.themes for i in t.members) + sorted(
        i for c in question.campaigns for i in c.members
    ) != [] and len({i for t in question.themes for i in t.members}) + sum(
        len(c.members) for c in question.campaigns
    ) == len(question.answers)


def test_decisions_rebuild_the_report(consultation: Consultation, tmp_path: Path) -> None:
    before = next(f for f in consultation.analysis.free_text if f.question == "Q7_no")
    ids = [t.id for t in before.themes]
    decisions = tmp_path / "decisions.yaml"
    decisions.write_text(
        f"questions:\n  Q7_no:\n    split: {{{ids[0]}: 2}}\n    merge: [[{ids[1]}, {ids[2]}]]\n"
        f"    rename: {{{ids[1]}: Wants it mandatory, {ids[0]}.1: First half}}\n",
        encoding="utf-8",
    )
    after = analyse(
        consultation.questionnaire, consultation.responses, cache=consultation.cache, decisions=decisions
    )
    assert after.sentences_embedded == 0  # the cache had every sentence
    question = next(f for f in after.free_text if f.question == "Q7_no")
    names = {t.id: t for t in question.themes}
    assert {f"{ids[0]}.1", f"{ids[0]}.2"} <= set(names) and ids[0] not in names and ids[2] not in names
    merged = names[ids[1]]
    old = {t.id: t for t in before.themes}
    assert sorted(merged.members) == sorted(old[ids[1]].members + old[ids[2]].members)
    assert merged.name == "Wants it mandatory" and merged.named_by_analyst
    assert names[f"{ids[0]}.1"].name == "First half"
    assert len(names[f"{ids[0]}.1"].members) + len(names[f"{ids[0]}.2"].members) == len(old[ids[0]].members)
    assert "Wants it mandatory" in markdown.render(after) and "Wants it mandatory" in html.render(after)


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("questions:\n  Q99_no:\n    rename: {T1: x}\n", "Q99_no: no free-text question", 2),
        ("questions:\n  Q7_no:\n    rename:\n      T77: x\n", "no theme 'T77'", 4),
        ("questions:\n  Q7_no:\n    merge: [[T1]]\n", "at least two themes", 3),
        ("questions:\n  Q7_no:\n    split: {T1: 1}\n", "cannot split T1 into 1", 3),
        ("questions:\n  Q7_no:\n    rename: {T1: x}\n    rname: {}\n", "unknown field", 4),
    ],
)
def test_a_wrong_decision_is_an_error_at_its_line(
    consultation: Consultation, tmp_path: Path, text: str, problem: str, line: int
) -> None:
    decisions = tmp_path / "decisions.yaml"
    decisions.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        analyse(
            consultation.questionnaire, consultation.responses, cache=consultation.cache, decisions=decisions
        )
    assert problem in str(caught.value) and caught.value.line == line


def test_hostile_answers_are_shown_as_text(consultation: Consultation) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> | =cmd|" /C calc"!A0'
    others = [
        Response(r.id, {k: v for k, v in r.answers.items() if k != "Q7_no"})
        for r in consultation.responses[:60]
    ]
    responses = [*others, Response("evil", {"Q1": "individual", "Q7": "no", "Q7_no": hostile})]
    analysis = analyse(consultation.questionnaire, responses, cache=consultation.cache)
    page = html.render(analysis)
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert "<script" not in markdown.render(analysis)
    tables = csv.render(analysis)
    assert "evil,Q7_no," in tables["assignments.csv"]
    assert ",=cmd" not in tables["themes.csv"] + tables["campaigns.csv"]


def test_the_csv_tables_carry_the_tallies(consultation: Consultation) -> None:
    tables = csv.render(consultation.analysis)
    import csv as csvlib
    import io

    rows = list(csvlib.DictReader(io.StringIO(tables["tallies.csv"])))
    assert len(rows) == len(consultation.analysis.tallies)
    q23 = [r for r in rows if r["question"] == "Q23" and r["segment"] == "all"]
    assert {r["label"] for r in q23} == {"Yes", "No", "Don't know"}  # as the seed writes Q23's
    for row in q23:
        assert float(row["percent"]) == pytest.approx(100 * int(row["count"]) / int(row["base"]), abs=0.05)
