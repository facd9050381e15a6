"""The committed questionnaire says what Annex D of the seed says, and broken questionnaires are refused
with the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicop.consult.questionnaire import (
    QUESTIONNAIRES,
    AnswerProblem,
    check_answers,
    load_questionnaire,
)
from aicop.errors import InputError
from tests.conftest import IN_CI, ROOT
from tests.consult.annex_d import annex_d, group_intro


def seed() -> Path:
    """The seed, beside the repository (CI) or beside the work trees; skipped where neither has it."""
    for base in (ROOT.parent, ROOT.parent.parent):
        candidate = base / "shared" / "seed" / "call-for-views-cyber-security-of-ai.txt"
        if candidate.is_file():
            return candidate
    if IN_CI:
        pytest.fail("the seed (shared/seed) is not beside this checkout")
    pytest.skip("the seed (shared/seed) is not beside this checkout")


def test_every_annex_d_question_is_there_verbatim() -> None:
    questionnaire = load_questionnaire()
    derived = annex_d(seed())
    # the pages group Q2 with Q5 (individuals) and Q3, Q4, Q6 (organisations); otherwise in seed order
    assert sorted(q.id for q in questionnaire.questions) == sorted(f"Q{q.number}" for q in derived)
    assert len(derived) == 28
    for source in derived:
        question = questionnaire.by_id[f"Q{source.number}"]
        assert question.text == source.text, question.id
        assert question.preamble == source.preamble, question.id
        assert [o.label for o in question.options] == source.options, question.id
        assert (question.shown_if.text if question.shown_if else None) == source.route, question.id
        prompts = [
            f"{f.condition_text}, {f.text}" if f.condition_text else f.text
            for f in question.follow_ups
            if not f.id.endswith("_other")
        ]
        assert prompts == source.after, question.id


def test_routing_and_principles_are_those_of_the_issue() -> None:
    questionnaire = load_questionnaire()
    routed = {q.id: q.shown_if.any_of for q in questionnaire.questions if q.shown_if}
    assert routed == {
        "Q2": ["individual"], "Q5": ["individual"],
        "Q3": ["organisation"], "Q4": ["organisation"], "Q6": ["organisation"], "Q23": ["organisation"],
    }  # fmt: skip
    principles = {q.id: q.principle for q in questionnaire.questions if q.principle}
    assert principles == {f"Q{n}": str(n - 9) for n in range(10, 22)}
    assert questionnaire.by_id["Q3"].type == "multiple_choice"
    assert questionnaire.group_of("Q10").intro == group_intro(seed())
    # every "no" of a support question asks for reasons
    for n in range(10, 22):
        assert any(f.when_any_of == ["no"] for f in questionnaire.by_id[f"Q{n}"].follow_ups)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = (QUESTIONNAIRES / "dsit-2024-05.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "q.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("principle: '1'", "principle: '13'", "no principle '13'"),
        ("    type: multiple_choice", "    type: ranking", "type"),
        ("      - individual\n      text: '[if individual]'", "      - robot\n      text: '[if individual]'",
         "shown_if names no option of Q1: 'robot'"),
        ("      question: Q1\n", "      question: Q9\n", "shown_if names no earlier question 'Q9'"),
        ("  - id: Q5\n", "  - id: Q2\n", "two questions have the id 'Q2'"),
        ("      label: 'No'\n", "      labl: 'No'\n", "label: Field required"),
    ],
)  # fmt: skip
def test_a_broken_questionnaire_is_refused_with_its_line(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(InputError) as caught:
        load_questionnaire(path)
    assert problem in str(caught.value)
    assert caught.value.path == str(path)
    assert caught.value.line is not None
    line = path.read_text(encoding="utf-8").splitlines()[caught.value.line - 1]
    assert line.strip()


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"Q1": "individual", "Q4": "large"}, "Q4: answered, but the routing skips it (if organisation)"),
        ({"Q1": "organisation", "Q23": "maybe"}, "Q23: no option 'maybe'"),
        (
            {"Q7": "yes", "Q7_no": "because"},
            "Q7_no: answered, but it is asked only after Q7 is answered 'No'",
        ),
        ({"Q99": "yes"}, "Q99: no such question"),
        ({"Q1": "organisation", "Q3": ["charity", "charity"]}, "an option is chosen twice"),
        ({"Q1": ["individual"]}, "Q1: the answer must be one option id"),
        ({"Q7": "no", "Q7_no": "x" * 5001}, "the limit is 5,000"),
        ({"Q7": "no", "Q7_no": "a\x00b"}, "control characters"),
    ],
)
def test_answers_the_questionnaire_does_not_allow_are_refused(
    answers: dict[str, object], problem: str
) -> None:
    with pytest.raises(AnswerProblem, match=problem.replace("(", r"\(").replace(")", r"\)")):
        check_answers(load_questionnaire(), answers)


def test_routed_answers_are_accepted_and_blank_texts_dropped() -> None:
    answers = {"Q1": "organisation", "Q3": ["charity", "other"], "Q3_other": "a trade body", "Q23": "yes",
               "Q23_yes": "  ", "Q8": "no", "Q8_reasons": "<script>alert(1)</script>"}  # fmt: skip
    checked = check_answers(load_questionnaire(), answers)
    assert "Q23_yes" not in checked
    assert checked["Q8_reasons"] == "<script>alert(1)</script>"  # kept as text; escaped where shown
    assert checked["Q3"] == ["charity", "other"]
