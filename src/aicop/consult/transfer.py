"""Responses in from another survey platform's export (CSV or JSON), mapped by a column-mapping file;
responses out as CSV, JSON or Parquet.

The mapping file says, for every column of the export, which question it answers (and how its values
map to option ids), that it holds part of an identity, or that it is ignored. A column the mapping does
not mention is an error: an export that gained a column since the mapping was written may carry
answers (or identities) that would otherwise be dropped or, worse, land in the wrong place.

```yaml
id_column: Response ID
columns:
  Are you responding as an individual or an organisation?:
    question: Q1
    values: {An individual: individual, An organisation: organisation}
  Which describes your organisation?: {question: Q3, separator: ";"}
  Why not?: {question: Q7_no}
identity: {Full name: name, Email address: email, Organisation name: organisation}
ignore: [Start date, Completion time]
```

Without ``values``, a cell may hold an option's id or its label as the questionnaire words it.
Identities go to their own file, never into the answers (see :mod:`aicop.consult.responses`); an
export includes them only for the admin role. What the command line calls a role is a declaration;
what protects identities is who can read the identities file (written with mode 0600). The survey's
web store enforces the same roles with accounts.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aicop.consult.questionnaire import AnswerProblem, Questionnaire, check_answers
from aicop.consult.responses import Response, check_id, read_jsonl
from aicop.errors import InputError

IdentityField = Literal["name", "email", "organisation"]
Role = Literal["analyst", "admin"]
MAX_IMPORT = 256 << 20  # bytes


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str
    values: dict[str, str] = {}
    separator: str | None = None


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_column: str
    columns: dict[str, Column] = Field(min_length=1)
    identity: dict[str, IdentityField] = {}
    ignore: list[str] = []


def load_mapping(path: Path, questionnaire: Questionnaire) -> Mapping:
    from aicop.system.yamlsource import line_of, load_model_with_lines

    mapping, lines = load_model_with_lines(path, Mapping, "a column mapping")
    for name, column in mapping.columns.items():
        at = ("columns", name)
        question = questionnaire.by_id.get(column.question)
        if question is None and column.question not in questionnaire.follow_up_of:
            raise InputError(
                f"columns.{name}: no question {column.question!r} in questionnaire {questionnaire.id}",
                path=path,
                line=line_of((*at, "question"), lines),
            )
        for label, option in column.values.items():
            if question is None or option not in question.option_ids:
                raise InputError(
                    f"columns.{name}.values.{label}: {column.question} has no option {option!r}",
                    path=path,
                    line=line_of((*at, "values", label), lines),
                )
    return mapping


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(columns, [(line or item number, row)]) of a CSV or JSON export; strict UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT:
            raise InputError(f"the file is {size:,} bytes; the limit is {MAX_IMPORT:,}", path=path)
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", path=path) from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte {err.start}); save the export as UTF-8 and import again",
            path=path,
            line=line,
        ) from err
    if path.suffix.lower() == ".json":
        return _json_rows(text, path)
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = list(reader.fieldnames or [])
        rows = []
        for row in reader:
            if None in row:
                raise InputError("the row has more cells than the header", path=path, line=reader.line_num)
            rows.append((reader.line_num, {k: v or "" for k, v in row.items()}))
    except csv.Error as err:
        raise InputError(f"not valid CSV: {err}", path=path, line=reader.line_num) from err
    if len(set(header)) != len(header):
        raise InputError("two columns have the same name", path=path, line=1)
    return header, rows


def _json_rows(text: str, path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise InputError(f"not valid JSON: {err}", path=path) from err
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InputError("a JSON export is a list of objects, one per response", path=path)
    header: list[str] = list(dict.fromkeys(k for r in data for k in r))
    rows = []
    for n, record in enumerate(data, 1):
        row = {}
        for key, value in record.items():
            if isinstance(value, list):
                value = ";".join(str(v) for v in value)
            elif value is None:
                value = ""
            elif not isinstance(value, str | int | float):
                raise InputError(f"response {n}: {key}: a value must be text, a number or a list", path=path)
            row[key] = str(value)
        rows.append((n, row))
    return header, rows


def import_responses(
    path: Path, mapping: Mapping, questionnaire: Questionnaire
) -> tuple[list[Response], list[dict[str, str]]]:
    """The responses and identities of an export. Any problem is an error naming the row (the line of a
    CSV file, the item number of a JSON list) and the column; nothing is returned half."""
    header, rows = _read_rows(path)
    known = {mapping.id_column, *mapping.columns, *mapping.identity, *mapping.ignore}
    unknown = [c for c in header if c not in known]
    if unknown:
        raise InputError(
            f"column {unknown[0]!r} is not in the mapping (map it to a question, identity or ignore)",
            path=path,
            line=1,
        )
    if mapping.id_column not in header:
        raise InputError(f"no column {mapping.id_column!r} (the mapping's id_column)", path=path, line=1)
    responses: list[Response] = []
    identities: list[dict[str, str]] = []
    seen: set[str] = set()
    labels = {q.id: {_fold(o.label): o.id for o in q.options} for q in questionnaire.questions}
    for number, row in rows:
        try:
            identifier = check_id(row[mapping.id_column].strip(), mapping.id_column)
        except ValueError as err:
            raise InputError(str(err), path=path, line=number) from err
        if identifier in seen:
            raise InputError(f"response {identifier!r} appears twice", path=path, line=number)
        seen.add(identifier)
        answers: dict[str, object] = {}
        for name, column in mapping.columns.items():
            cell = row.get(name, "").strip()
            if cell:
                answers[column.question] = _value(cell, column, questionnaire, labels, path, number, name)
        try:
            responses.append(Response(identifier, check_answers(questionnaire, answers)))
        except AnswerProblem as err:
            raise InputError(f"response {identifier}: {err.problem}", path=path, line=number) from err
        identity: dict[str, str] = {
            field: row[name].strip() for name, field in mapping.identity.items() if row.get(name, "").strip()
        }
        if identity:
            identities.append({"response": identifier, **identity})
    return responses, identities


def _value(
    cell: str,
    column: Column,
    questionnaire: Questionnaire,
    labels: dict[str, dict[str, str]],
    path: Path,
    line: int,
    name: str,
) -> object:
    """A cell's answer; ``labels`` (folded label to option id, per question) is built once per import."""
    question = questionnaire.by_id.get(column.question)
    if question is None:
        return cell  # a free-text follow-up
    parts = [p.strip() for p in cell.split(column.separator)] if column.separator else [cell]
    folded = labels[question.id]
    out = []
    for part in parts:
        option = column.values.get(part) or (part if part in question.option_ids else folded.get(_fold(part)))
        if option is None:
            raise InputError(
                f"column {name!r}: {part!r} is not an option of {question.id}", path=path, line=line
            )
        out.append(option)
    return out if question.type == "multiple_choice" else out[0] if len(out) == 1 else out


def _fold(label: str) -> str:
    return " ".join(label.replace("’", "'").casefold().split())


def flat_rows(
    responses: list[Response], questionnaire: Questionnaire, identities: list[dict[str, str]] | None
) -> tuple[list[str], list[dict[str, str]]]:
    """One row per response, one column per question in questionnaire order; identity columns only
    when ``identities`` is given (the admin role)."""
    columns = ["id"] + [c for q in questionnaire.questions for c in (q.id, *(f.id for f in q.follow_ups))]
    who = {i["response"]: i for i in identities or []}
    if identities is not None:
        columns += ["name", "email", "organisation"]
    rows = []
    for r in responses:
        row = {"id": r.id}
        for key, value in r.answers.items():
            row[key] = "; ".join(value) if isinstance(value, list) else value
        if identities is not None:
            person = who.get(r.id, {})
            row |= {k: person.get(k, "") for k in ("name", "email", "organisation")}
        rows.append(row)
    return columns, rows


def export(
    responses: list[Response],
    questionnaire: Questionnaire,
    form: str,
    identities: list[dict[str, str]] | None,
) -> bytes:
    columns, rows = flat_rows(responses, questionnaire, identities)
    if form == "json":
        return (
            json.dumps(
                [{c: row.get(c) for c in columns if c in row} for row in rows], ensure_ascii=False, indent=1
            )
            + "\n"
        ).encode()
    if form == "csv":
        from aicop.spreadsheet import safe_cell

        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(v) for k, v in row.items()})
        return out.getvalue().encode()
    if form == "parquet":
        try:
            import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
            import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]
        except ImportError as err:
            raise InputError("Parquet export needs pyarrow: pip install 'aicop[parquet]'") from err
        table = pa.table(
            {c: [row.get(c) for row in rows] for c in columns},
            schema=pa.schema([(c, pa.string()) for c in columns]),
        )
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        return bytes(sink.getvalue().to_pybytes())
    raise InputError(f"no export format {form!r} (csv, json, parquet)")


def read_identities(path: Path) -> list[dict[str, str]]:
    """The identities file (one object with a "response" id a line), as the responses file is read."""
    out = []
    for number, record in read_jsonl(path):
        if not isinstance(record, dict) or not isinstance(record.get("response"), str):
            raise InputError('an identity is an object with a "response" id', path=path, line=number)
        out.append({str(k): str(v) for k, v in record.items()})
    return out
