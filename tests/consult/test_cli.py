"""``aicop consult`` on the command line: simulate, analyse, import, export; bad input exits 2 and
writes nothing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.consult.conftest import Consultation, need_model

Run = Callable[..., CliResult]

MAPPING = """\
id_column: Response ID
columns:
  Are you responding as an individual or an organisation?:
    question: Q1
    values: {An individual: individual, An organisation: organisation}
  Which describes your organisation?: {question: Q3, separator: ";"}
  Do you agree with the approach?: {question: Q7}
  Why not?: {question: Q7_no}
identity: {Full name: name, Email address: email}
ignore: [Completion time]
"""
HEADER = (
    "Response ID,Are you responding as an individual or an organisation?,"
    "Which describes your organisation?,Do you agree with the approach?,Why not?,Full name,Email address,"
    "Completion time\n"
)


def _export(tmp_path: Path, rows: str, header: str = HEADER, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + rows, encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return path


def test_import_maps_columns_and_keeps_identities_apart(run_cli: Run, tmp_path: Path) -> None:
    rows = "a1,An organisation,A charity;Government,No,Too vague,Ann Smith,ann@example.org,3m\n"
    source = _export(tmp_path, rows + "a2,An individual,,Don’t know,,,,1m\n")
    result = run_cli(
        "consult", "import", source, "--mapping", tmp_path / "mapping.yaml", "-o", tmp_path / "out"
    )
    assert result.code == 0, result.err
    answers = [json.loads(line) for line in (tmp_path / "out" / "responses.jsonl").read_text().splitlines()]
    assert answers[0] == {"id": "a1", "answers": {"Q1": "organisation", "Q3": ["charity", "government"],
                                                  "Q7": "no", "Q7_no": "Too vague"}}  # fmt: skip
    assert answers[1]["answers"] == {"Q1": "individual", "Q7": "dont_know"}  # the label, curly apostrophe
    assert "Ann" not in (tmp_path / "out" / "responses.jsonl").read_text()
    identities = (tmp_path / "out" / "identities.jsonl").read_text()
    assert json.loads(identities) == {"response": "a1", "name": "Ann Smith", "email": "ann@example.org"}
    assert (tmp_path / "out" / "identities.jsonl").stat().st_mode & 0o077 == 0

    out = tmp_path / "export.csv"
    result = run_cli("consult", "export", tmp_path / "out" / "responses.jsonl", "-o", out)
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows[0]["Q3"] == "charity; government" and "name" not in rows[0]
    result = run_cli("consult", "export", tmp_path / "out" / "responses.jsonl", "-o", out,
                     "--identities", tmp_path / "out" / "identities.jsonl")  # fmt: skip
    assert result.code == 2 and "--role admin" in result.err
    admin = ("--format", "json", "--role", "admin", "--identities", tmp_path / "out" / "identities.jsonl")
    result = run_cli(
        "consult", "export", tmp_path / "out" / "responses.jsonl", "-o", tmp_path / "all.json", *admin
    )
    assert result.code == 0, result.err
    exported = json.loads((tmp_path / "all.json").read_text())
    assert exported[0]["name"] == "Ann Smith" and exported[1]["name"] == ""


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"response": "a1"}\n{"name": "Bob"}\n', ':2: an identity is an object with a "response"'),
        (b'{"response": "a1"}\n\n{"response": \n', ":3: not a JSON object"),
        (b'{"response": "a1", "name": "\xff"}\n', ":1: not valid UTF-8"),
    ],
)  # fmt: skip
def test_a_bad_identities_file_names_its_line(
    run_cli: Run, tmp_path: Path, content: bytes, problem: str
) -> None:
    source = _export(tmp_path, "a1,An organisation,A charity,No,Too vague,Ann Smith,ann@example.org,3m\n")
    run_cli("consult", "import", source, "--mapping", tmp_path / "mapping.yaml", "-o", tmp_path / "out")
    identities = tmp_path / "bad.jsonl"
    identities.write_bytes(content)
    out = tmp_path / "all.json"
    result = run_cli("consult", "export", tmp_path / "out" / "responses.jsonl", "-o", out,
                     "--format", "json", "--role", "admin", "--identities", identities)  # fmt: skip
    assert result.code == 2 and f"bad.jsonl{problem}" in result.err, result.err
    assert not out.exists()


def test_export_to_parquet(run_cli: Run, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    source = _export(tmp_path, "a1,An organisation,A charity,No,Too vague,,,\n")
    run_cli("consult", "import", source, "--mapping", tmp_path / "mapping.yaml", "-o", tmp_path / "out")
    result = run_cli("consult", "export", tmp_path / "out" / "responses.jsonl", "-o", tmp_path / "r.parquet",
                     "--format", "parquet")  # fmt: skip
    assert result.code == 0, result.err
    table = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert table[0]["Q7_no"] == "Too vague" and table[0]["Q1"] == "organisation"


@pytest.mark.parametrize(
    ("rows", "header", "problem"),
    [
        ("a1,An individual,,Yes,,,,\n", HEADER.replace(",Completion time", ",Completion time,IP address"),
         "column 'IP address' is not in the mapping"),
        ("a1,A robot,,Yes,,,,\n", HEADER, "'A robot' is not an option of Q1"),
        ("a1,An individual,A charity,Yes,,,,\n", HEADER, "Q3: answered, but the routing skips it"),
        ("a1,An individual,,Yes,Because,,,\n", HEADER, "Q7_no: answered, but it is asked only after Q7"),
        ("a1,An individual,,Yes,,,,\na1,An individual,,No,,,,\n", HEADER, "'a1' appears twice"),
        ("a 1,An individual,,Yes,,,,\n", HEADER, "a response id is"),
    ],
)  # fmt: skip
def test_a_bad_export_exits_2_and_writes_nothing(
    run_cli: Run, tmp_path: Path, rows: str, header: str, problem: str
) -> None:
    source = _export(tmp_path, rows, header)
    result = run_cli(
        "consult", "import", source, "--mapping", tmp_path / "mapping.yaml", "-o", tmp_path / "out"
    )
    assert result.code == 2
    assert problem in result.err and str(source) in result.err
    assert not (tmp_path / "out").exists()


def test_broken_encoding_names_the_line(run_cli: Run, tmp_path: Path) -> None:
    source = _export(tmp_path, "")
    source.write_bytes(HEADER.encode() + b"a1,An individual,,Yes,,Jos\xe9,,\n")
    result = run_cli(
        "consult", "import", source, "--mapping", tmp_path / "mapping.yaml", "-o", tmp_path / "out"
    )
    assert result.code == 2 and f"{source}:2: not valid UTF-8" in result.err
    assert not (tmp_path / "out").exists()


def test_a_mapping_to_a_missing_question_names_its_line(run_cli: Run, tmp_path: Path) -> None:
    source = _export(tmp_path, "")
    (tmp_path / "mapping.yaml").write_text(MAPPING.replace("{question: Q7_no}", "{question: Q77}"))
    result = run_cli(
        "consult", "import", source, "--mapping", tmp_path / "mapping.yaml", "-o", tmp_path / "out"
    )
    assert result.code == 2 and "mapping.yaml:8: columns.Why not?: no question 'Q77'" in result.err


def test_simulate_then_analyse_writes_every_report(
    run_cli: Run, tmp_path: Path, consultation: Consultation
) -> None:
    need_model()
    result = run_cli("consult", "simulate", "--n", "150", "--seed", "2", "-o", tmp_path / "sim")
    assert result.code == 0, result.err
    result = run_cli("consult", "analyse", tmp_path / "sim" / "responses.jsonl", "-o", tmp_path / "report",
                     "--cache", consultation.cache)  # fmt: skip
    assert result.code == 0, result.err
    names = {p.name for p in (tmp_path / "report").iterdir()}
    assert names == {"report.html", "report.md", "tallies.csv", "support.csv", "themes.csv", "campaigns.csv",
                     "assignments.csv"}  # fmt: skip
    assert "150 responses" in result.out
    assert "Support for each principle" in (tmp_path / "report" / "report.html").read_text()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (
            '{"id": "r1", "answers": {"Q1": "individual", "Q4": "large"}}',
            "r1: Q4: answered, but the routing skips it",
        ),
        ('{"id": "r1", "answers": {"Q7": "perhaps"}}', "r1: Q7: no option 'perhaps'"),
        ('{"id": "r1", "answers": {}}\n{"id": "r1", "answers": {}}', "'r1' appears twice (first at line 1)"),
        ('{"id": "r1", "answers": {}, "name": "Ann"}', 'an object with "id" and "answers"'),
        ("not json", "not a JSON object"),
    ],
)
def test_analyse_refuses_bad_responses_and_writes_nothing(
    run_cli: Run, tmp_path: Path, line: str, problem: str
) -> None:
    responses = tmp_path / "responses.jsonl"
    responses.write_text(line + "\n", encoding="utf-8")
    result = run_cli("consult", "analyse", responses, "-o", tmp_path / "report")
    assert result.code == 2 and problem in result.err and str(responses) in result.err
    assert not (tmp_path / "report").exists()


def test_serve_refuses_a_survey_that_closes_before_it_opens(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("consult", "serve", "--opens", "2027-01-02", "--closes", "2027-01-01", "--db",
                     tmp_path / "store.sqlite3")  # fmt: skip
    assert result.code == 2 and "--closes 2027-01-01 is before the survey opens (2027-01-02)" in result.err
    assert not (tmp_path / "store.sqlite3").exists()
    result = run_cli("consult", "serve", "--closes", "2027-13-01")
    assert result.code == 2 and "is not a date" in result.err
