from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aicop.assess.results import Assessment as Report
from aicop.store import Database
from aicop.store.models import Assessment, Event, FindingRow, ProvisionResult, System
from aicop.store.runs import Provenance, ReportError, parse_report, record_run, report_of
from tests.store.conftest import variant

PUSH = Provenance("push", "token:ci", commit="0123abcd", ref="main")


def test_a_report_is_stored_whole_and_queryable(any_db: Database, base_report: Report) -> None:
    with any_db.session() as s:
        done = record_run(s, base_report, PUSH)
    assert done.created
    with any_db.session() as s:
        run = s.get(Assessment, done.assessment_id)
        assert run is not None and run.commit == "0123abcd" and run.ref == "main"
        assert report_of(run) == base_report  # every export is rebuilt from exactly what was pushed
        results = s.scalars(select(ProvisionResult).where(ProvisionResult.assessment_id == run.id)).all()
        assert {r.provision_id: r.status for r in results} == {
            v.id: v.status.value for v in base_report.provisions()
        }
        findings = s.scalar(select(func.count()).select_from(FindingRow)) or 0
        assert findings == sum(len(v.findings) for v in base_report.provisions()) > 0
        event = s.scalars(select(Event)).one()
        assert (event.actor, event.action, event.detail["commit"]) == ("token:ci", "run.record", "0123abcd")


def test_the_same_report_twice_is_stored_once(any_db: Database, base_report: Report) -> None:
    with any_db.session() as s:
        first = record_run(s, base_report, PUSH)
    with any_db.session() as s:
        again = record_run(s, Report.model_validate_json(base_report.model_dump_json()), PUSH)
    assert not again.created and again.assessment_id == first.assessment_id
    with any_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Assessment)) == 1
        assert s.scalars(select(System.runs)).one() == 1


def test_concurrent_pushes_of_one_system(any_db: Database, base_report: Report) -> None:
    """Eight writers at once, two of them with the same report: one system, seven runs, the newest
    run as its latest, nothing lost or doubled."""
    reports = [variant(base_report, "shared", day) for day in range(7)] + [variant(base_report, "shared", 3)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(reports))

    def push(report: Report) -> None:
        try:
            start.wait()
            with any_db.session() as s:
                record_run(s, report, PUSH)
        except BaseException as err:  # reported below: a thread's exception would otherwise vanish
            errors.append(err)

    threads = [threading.Thread(target=push, args=(r,)) for r in reports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with any_db.session() as s:
        system = s.scalars(select(System)).one()
        assert system.runs == 7
        assert s.scalar(select(func.count()).select_from(Assessment)) == 7
        latest = s.get(Assessment, system.latest_assessment_id)
        assert latest is not None and latest.generated_at.day == (reports[6].generated_at.day)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["summary"].pop("met_ratio"), "summary.met_ratio"),
        (
            lambda d: d["principles"][0]["provisions"][0].update(status="great"),
            "principles.0.provisions.0.status",
        ),
        (lambda d: d.update(schema_version="7.0"), "schema_version"),
        (lambda d: d.update(surprise=1), "surprise"),
        (lambda d: d.update(generated_at="yesterday"), "generated_at"),
    ],
)
def test_a_malformed_report_names_the_field(base_report: Report, change: object, field: str) -> None:
    data = json.loads(base_report.model_dump_json())
    change(data)  # type: ignore[operator]
    with pytest.raises(ReportError) as err:
        parse_report(json.dumps(data).encode())
    assert err.value.field == field


@pytest.mark.parametrize(
    ("document", "hint"),
    [
        (b'{"version": "2.1.0", "runs": []}', "looks like SARIF"),
        (b'{"assessment-results": {}}', "looks like OSCAL"),
        (b'{"bomFormat": "CycloneDX"}', "looks like a CycloneDX BOM"),
        (b"[1, 2]", "not an object"),
        (b"\xff\xfe garbage", "not JSON"),
    ],
)
def test_a_foreign_document_is_refused(document: bytes, hint: str) -> None:
    with pytest.raises(ReportError, match=hint):
        parse_report(document)


def test_cli_import_all_or_nothing(run_cli, tmp_path: Path, base_report: Report) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.json"
    good.write_text(base_report.model_dump_json())
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": "2.1.0", "runs": []}')
    db = tmp_path / "s.sqlite3"
    result = run_cli("store", "import", good, bad, "--db", db)
    assert result.code == 2 and f"{bad}: schema_version: not an aicop JSON report" in result.err
    assert not db.exists()  # checked before the store is even opened: nothing half-written
    result = run_cli("store", "import", good, good, "--db", db, "--commit", "abc123")
    assert result.code == 0
    assert "recorded as run 1" in result.out and "already stored as run 1" in result.out
