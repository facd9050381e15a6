"""aicop deps / advisories from the command line: exit codes and the bad inputs the issue lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.deps.osvdata import export, record

Run = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "advisories.sqlite3"
    monkeypatch.setenv("AICOP_ADVISORY_DB", str(path))
    return path


def project(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    (root / "requirements.txt").write_text(text)
    return root


def fresh_export(tmp_path: Path) -> Path:
    import datetime as dt

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT00:00:00Z")
    return export(
        tmp_path / "all.zip",
        [record("GHSA-aaaa-aaaa-aaaa", "flask", [{"introduced": "0"}, {"fixed": "2.3.2"}], modified=stamp)],
        raw={"broken.json": b"{"},
    )


def test_no_snapshot_never_clean(run_cli: Run, tmp_path: Path) -> None:
    root = project(tmp_path, "flask==3.0.0\n")
    result = run_cli("deps", root)
    assert result.code == 2  # nothing could be checked
    assert "NOT CHECKED" in result.out and "clean" not in result.out.split("note:")[0].replace("0 clean", "")


def test_import_then_check(run_cli: Run, tmp_path: Path) -> None:
    imported = run_cli("advisories", "import", fresh_export(tmp_path), "--format", "json")
    assert imported.code == 0
    report = json.loads(imported.out)
    assert report["added"] == ["GHSA-aaaa-aaaa-aaaa"] and report["skipped"][0]["member"] == "broken.json"
    clean = run_cli("deps", project(tmp_path, "flask==3.0.0\n"))
    assert clean.code == 0 and "clean as of" in clean.out
    vulnerable = run_cli("deps", project(tmp_path, "flask==2.0.0\n"), "--format", "json")
    assert vulnerable.code == 1
    (entry,) = json.loads(vulnerable.out)["dependencies"]
    assert entry["verdict"] == "vulnerable" and entry["advisories"][0]["fixed"] == "2.3.2"
    below = run_cli("deps", project(tmp_path, "flask==2.0.0\n"), "--fail-severity", "critical")
    assert below.code == 0  # HIGH is below the threshold
    unpinned = run_cli("deps", project(tmp_path, "flask==3.0.0\nrequests\n"))
    assert unpinned.code == 1 and "not pinned" in unpinned.out
    status = run_cli("advisories", "status")
    assert status.code == 0 and "PyPI: 1 advisories" in status.out


@pytest.mark.parametrize("fmt", ["sarif", "cyclonedx-vex", "json"])
def test_machine_formats(run_cli: Run, tmp_path: Path, fmt: str) -> None:
    result = run_cli("deps", project(tmp_path, "torch==2.5.1\nflask==1.0\n"), "--format", fmt)
    assert result.code == 1
    document = json.loads(result.out)
    if fmt == "sarif":
        assert {r["ruleId"] for r in document["runs"][0]["results"]} == {
            "GHSA-53q9-r3pm-6pq6",
            "deps/not-checked",
        }
    elif fmt == "cyclonedx-vex":
        assert [v["id"] for v in document["vulnerabilities"]] == ["GHSA-53q9-r3pm-6pq6"]
        verdicts = {c["name"]: c["properties"][0]["value"] for c in document["components"]}
        assert verdicts == {"torch": "vulnerable", "flask": "not_checked"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 truncated", "corrupt or truncated"),
        (b"", "corrupt or truncated"),
    ],
)
def test_bad_zip_exit_2_and_nothing_written(
    run_cli: Run, tmp_path: Path, db_env: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(content)
    result = run_cli("advisories", "import", bad)
    assert result.code == 2 and message in result.err and "bad.zip" in result.err
    status = run_cli("advisories", "status")
    assert "PyPI" not in status.out


def test_conflicting_pins_exit_2(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("deps", project(tmp_path, "torch==2.5.1\ntorch==2.6.0\n"))
    assert result.code == 2 and "requirements.txt:2" in result.err and result.out == ""


def test_unparseable_version_is_not_checked(run_cli: Run, tmp_path: Path) -> None:
    run_cli("advisories", "import", fresh_export(tmp_path))
    result = run_cli("deps", project(tmp_path, "flask===banana\n"))
    assert result.code == 2 and "not a PEP 440 version" in result.out


def test_foreign_db_exit_2(run_cli: Run, tmp_path: Path, db_env: Path) -> None:
    db_env.parent.mkdir(parents=True)
    db_env.write_bytes(b"not sqlite" * 200)
    result = run_cli("deps", project(tmp_path, "flask==1.0\n"))
    assert result.code == 2 and "not an aicop advisory database" in result.err


def test_an_explicit_db_that_does_not_exist_is_an_error(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("deps", project(tmp_path, "flask==1.0\n"), "--db", tmp_path / "missing.sqlite3")
    assert result.code == 2 and "missing.sqlite3" in result.err and result.out == ""
