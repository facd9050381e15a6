"""Responses on disk: one JSON object a line (``{"id": ..., "answers": {...}}``), every line checked
against the questionnaire as the survey checks a submission, and identities in a file of their own.

Identities (name, e-mail, organisation of those who chose to give them) are never in the answers
file: the analysis reads answers only, and whoever holds the answers file cannot tell who wrote what.
Joining the two needs the identities file, which the admin role keeps (the survey's store enforces the
same split; :mod:`aicop.consult.transfer` writes identities only when asked to as admin).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aicop.consult.questionnaire import Answer, AnswerProblem, Questionnaire, check_answers
from aicop.errors import InputError

MAX_LINE = 1 << 20  # bytes of one response: 28 answers of at most 5,000 characters fit many times over
ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True)
class Response:
    id: str
    answers: dict[str, Answer]


def check_id(value: object, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 64 or not set(value) <= ID_CHARS:
        raise ValueError(f"{where}: a response id is 1-64 letters, digits, '-', '_' or '.' (got {value!r})")
    return value


def read_jsonl(path: Path) -> Iterator[tuple[int, object]]:
    """(line number, value) of each non-blank line of a JSON Lines file; a line that is too long, not
    UTF-8 or not JSON is an error naming it."""
    try:
        handle = path.open("rb")
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", path=path) from err
    with handle:
        for number, raw in enumerate(handle, 1):
            if len(raw) > MAX_LINE:
                raise InputError(f"the line is longer than {MAX_LINE:,} bytes", path=path, line=number)
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as err:
                raise InputError(
                    f"not valid UTF-8 (byte {err.start} of the line)", path=path, line=number
                ) from err
            except ValueError as err:
                raise InputError(f"not a JSON object: {err}", path=path, line=number) from err


def read_responses(path: Path, questionnaire: Questionnaire) -> list[Response]:
    """Every response of the file, checked; the first problem is an error naming its line."""
    out: list[Response] = []
    seen: dict[str, int] = {}
    for number, record in read_jsonl(path):
        response = _response(record, questionnaire, path, number)
        if response.id in seen:
            raise InputError(
                f"response {response.id!r} appears twice (first at line {seen[response.id]})",
                path=path,
                line=number,
            )
        seen[response.id] = number
        out.append(response)
    return out


def _response(record: object, questionnaire: Questionnaire, path: Path, number: int) -> Response:
    if not isinstance(record, dict) or set(record) - {"id", "answers", "submitted"}:
        raise InputError(
            'a response is an object with "id" and "answers" (and "submitted")', path=path, line=number
        )
    try:
        identifier = check_id(record.get("id"), "id")
    except ValueError as err:
        raise InputError(str(err), path=path, line=number) from err
    answers = record.get("answers")
    if not isinstance(answers, dict):
        raise InputError(f"response {identifier}: answers must be an object", path=path, line=number)
    try:
        return Response(identifier, check_answers(questionnaire, answers))
    except AnswerProblem as err:
        raise InputError(f"response {identifier}: {err.problem}", path=path, line=number) from err


def jsonl_lines(records: Sequence[Mapping[str, object]]) -> list[str]:
    """Records as JSON Lines, one string a line."""
    return [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
