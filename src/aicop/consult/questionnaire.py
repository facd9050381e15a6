"""A consultation questionnaire as data (``questionnaires/<id>.yaml``), validated on load, and the rules
every answer set must follow: which questions the routing shows, which options exist, how long a free
text may be.

One function, :func:`check_answers`, decides whether a set of answers is acceptable, so the survey, the
importer and the analysis agree: an answer to a question the routing skipped, an option that does not
exist or a follow-up whose condition was not met is refused the same way everywhere.

The questionnaire's wording is the seed's, verbatim; what is ours is the ids, the grouping into pages
and the option ids the answers store (labels can carry curly or straight apostrophes as the seed has
them; ids do not).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aicop.errors import InputError

QUESTIONNAIRES = Path(__file__).parent / "questionnaires"
DEFAULT_QUESTIONNAIRE = "dsit-2024-05"
ID = r"^[A-Za-z][A-Za-z0-9_-]*$"
MAX_TEXT = 5000  # characters of one free-text answer (Citizen Space's default limit is of this order)

QuestionType = Literal["single_choice", "multiple_choice", "yes_no_dont_know", "yes_no"]
Answer = str | list[str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    specify: bool = False  # "Other (please specify)": a free-text follow-up asks what


class Condition(_Model):
    """Show a question only when an earlier question was answered with one of ``any_of``."""

    question: str
    any_of: list[str] = Field(min_length=1)
    text: str  # the seed's own words for the condition, e.g. "[if individual]"


class FollowUp(_Model):
    """A free-text question under a closed one, shown when its answer is in ``when_any_of`` (always
    when that is empty)."""

    id: str = Field(pattern=ID)
    text: str = Field(min_length=1)
    when_any_of: list[str] = []
    condition_text: str | None = None
    max_length: int = Field(default=MAX_TEXT, ge=1)


class Question(_Model):
    id: str = Field(pattern=ID)
    seed_number: str | None = None  # how the seed numbers it, where that differs from the id ("Q.10")
    type: QuestionType
    preamble: str | None = None
    text: str = Field(min_length=1)
    shown_if: Condition | None = None
    options: list[Option] = Field(min_length=2)
    follow_ups: list[FollowUp] = []
    principle: str | None = None  # the catalog principle a support question is about

    @cached_property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def by_option(self, option_id: str) -> Option:
        return next(o for o in self.options if o.id == option_id)

    def label(self, option_id: str) -> str:
        return next(o.label for o in self.options if o.id == option_id)

    @model_validator(mode="after")
    def _options_fit(self) -> Question:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.id}: two options have the same id")
        if self.type == "yes_no" and ids != ["yes", "no"]:
            raise ValueError(f"{self.id}: a yes_no question has the options yes, no")
        if self.type == "yes_no_dont_know" and ids != ["yes", "no", "dont_know"]:
            raise ValueError(f"{self.id}: a yes_no_dont_know question has the options yes, no, dont_know")
        for follow in self.follow_ups:
            unknown = [o for o in follow.when_any_of if o not in ids]
            if unknown:
                raise ValueError(f"{follow.id}: when_any_of names no option of {self.id}: {unknown[0]!r}")
        return self


class Group(_Model):
    """One page of the survey."""

    id: str = Field(pattern=ID)
    title: str
    intro: str | None = None
    questions: list[Question] = Field(min_length=1)


class Segment(_Model):
    """A way to break answers down (respondent type, sector, size, region): its values are the answers
    to ``questions``."""

    id: str = Field(pattern=ID)
    title: str
    questions: list[str] = Field(min_length=1)


class Questionnaire(_Model):
    id: str = Field(pattern=ID)
    title: str
    source: str
    catalog: str
    opens: date
    closes: date
    groups: list[Group] = Field(min_length=1)
    segments: list[Segment] = []

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for g in self.groups for q in g.questions)

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def follow_up_of(self) -> dict[str, tuple[Question, FollowUp]]:
        return {f.id: (q, f) for q in self.questions for f in q.follow_ups}

    @cached_property
    def free_text(self) -> tuple[tuple[Question, FollowUp], ...]:
        """Every free-text question (a follow-up), in questionnaire order."""
        return tuple((q, f) for q in self.questions for f in q.follow_ups)

    def group_of(self, question_id: str) -> Group:
        return next(g for g in self.groups if any(q.id == question_id for q in g.questions))

    @model_validator(mode="after")
    def _routing_fits(self) -> Questionnaire:
        if self.closes < self.opens:
            raise ValueError("closes is before opens")
        seen: dict[str, Question] = {}
        for question in self.questions:
            for name in (question.id, *(f.id for f in question.follow_ups)):
                if name in seen or name in {f.id for q in seen.values() for f in q.follow_ups}:
                    raise ValueError(f"two questions have the id {name!r}")
            condition = question.shown_if
            if condition is not None:
                earlier = seen.get(condition.question)
                if earlier is None:
                    raise ValueError(
                        f"{question.id}: shown_if names no earlier question {condition.question!r}"
                    )
                unknown = [o for o in condition.any_of if o not in earlier.option_ids]
                if unknown:
                    raise ValueError(
                        f"{question.id}: shown_if names no option of {earlier.id}: {unknown[0]!r}"
                    )
            seen[question.id] = question
        for segment in self.segments:
            unknown = [q for q in segment.questions if q not in seen]
            if unknown:
                raise ValueError(f"segment {segment.id}: no question {unknown[0]!r}")
        return self

    def shown(self, question: Question, answers: dict[str, Answer]) -> bool:
        """Whether the routing shows ``question`` to someone who answered ``answers`` so far."""
        condition = question.shown_if
        if condition is None:
            return True
        given = answers.get(condition.question)
        chosen = [given] if isinstance(given, str) else (given or [])
        return self.shown(self.by_id[condition.question], answers) and any(
            c in condition.any_of for c in chosen
        )

    def follow_up_shown(self, follow: FollowUp, answers: dict[str, Answer]) -> bool:
        question = self.follow_up_of[follow.id][0]
        if not self.shown(question, answers):
            return False
        if not follow.when_any_of:
            return True
        given = answers.get(question.id)
        chosen = [given] if isinstance(given, str) else (given or [])
        return any(c in follow.when_any_of for c in chosen)


class AnswerProblem(InputError):
    """An answer that the questionnaire does not allow; ``question`` names the question."""

    def __init__(self, question: str, message: str) -> None:
        self.question = question
        super().__init__(f"{question}: {message}")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_answers(questionnaire: Questionnaire, answers: dict[str, object]) -> dict[str, Answer]:
    """The answers, checked: every key a question or follow-up of the questionnaire, shown by the
    routing, with options that exist and texts within their limit. Raises :class:`AnswerProblem` for
    the first problem, naming the question. Unanswered questions are allowed (every question of a Call
    for Views is optional); blank texts are dropped."""
    out: dict[str, Answer] = {}
    for key, value in answers.items():
        question = questionnaire.by_id.get(key)
        if question is not None:
            out[key] = _closed(question, value)
            continue
        if key in questionnaire.follow_up_of:
            if not isinstance(value, str):
                raise AnswerProblem(key, "a free-text answer must be text")
            text = value.strip()
            limit = questionnaire.follow_up_of[key][1].max_length
            if len(text) > limit:
                raise AnswerProblem(key, f"the answer is {len(text):,} characters; the limit is {limit:,}")
            if _CONTROL.search(text):
                raise AnswerProblem(key, "the answer contains control characters")
            if text:
                out[key] = text
            continue
        raise AnswerProblem(key, "no such question in questionnaire " + questionnaire.id)
    for key in out:
        question = questionnaire.by_id.get(key)
        if question is not None and not questionnaire.shown(question, out):
            condition = question.shown_if
            assert condition is not None
            raise AnswerProblem(key, f"answered, but the routing skips it ({condition.text.strip('[]')})")
        if question is None:
            parent, follow = questionnaire.follow_up_of[key]
            if not questionnaire.follow_up_shown(follow, out):
                raise AnswerProblem(
                    key,
                    f"answered, but it is asked only after {parent.id} is answered "
                    + " or ".join(repr(parent.label(o)) for o in follow.when_any_of),
                )
    return out


def _closed(question: Question, value: object) -> Answer:
    if question.type == "multiple_choice":
        chosen = [value] if isinstance(value, str) else value
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            raise AnswerProblem(question.id, "the answer must be a list of option ids")
        for option in chosen:
            if option not in question.option_ids:
                raise AnswerProblem(question.id, f"no option {option!r}")
        if len(set(chosen)) != len(chosen):
            raise AnswerProblem(question.id, "an option is chosen twice")
        return list(chosen)
    if not isinstance(value, str):
        raise AnswerProblem(question.id, "the answer must be one option id")
    if value not in question.option_ids:
        raise AnswerProblem(question.id, f"no option {value!r}")
    return value


def available_questionnaires() -> list[str]:
    return sorted(p.stem for p in QUESTIONNAIRES.glob("*.yaml"))


def load_questionnaire(source: str | Path | None = None) -> Questionnaire:
    """A packaged questionnaire by id (default ``dsit-2024-05``) or a questionnaire file by path;
    its principles checked against its catalog. Errors name the file and line."""
    from aicop.catalog import load_catalog
    from aicop.errors import CatalogError
    from aicop.system.yamlsource import load_model_with_lines

    if source is None or (isinstance(source, str) and source in available_questionnaires()):
        path = QUESTIONNAIRES / f"{source or DEFAULT_QUESTIONNAIRE}.yaml"
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(
                f"no such questionnaire file, nor a packaged one ({', '.join(available_questionnaires())})",
                path=path,
            )
    questionnaire, lines = load_model_with_lines(path, Questionnaire, "a questionnaire")
    try:
        catalog = load_catalog(questionnaire.catalog)
    except CatalogError as err:
        raise InputError(f"catalog: {err.problem}", path=path, line=lines.get(("catalog",))) from err
    known = {p.id for p in catalog.principles}
    for g, group in enumerate(questionnaire.groups):
        for q, question in enumerate(group.questions):
            if question.principle is not None and question.principle not in known:
                raise InputError(
                    f"{question.id}: no principle {question.principle!r} in catalog {catalog.id}",
                    path=path,
                    line=lines.get(("groups", g, "questions", q, "principle")),
                )
    return questionnaire
