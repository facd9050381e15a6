"""Recording a run: an ``aicop assess`` JSON report into the store, once.

A report is validated by the same pydantic model that writes it (``aicop.assess.results.Assessment``),
so a malformed or foreign document is refused with the field that is wrong, and nothing is written.
Its identity is the sha256 of its canonical JSON (keys sorted, no whitespace): the same report pushed
twice is stored once and the second push is told which run it already is.

Concurrent pushes of one system are safe on both databases: the system row is created with an
insert that ignores a conflict, then locked (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the first
write of the transaction takes the database's write lock and waits for it), so "the newest run" and
the run count are computed by one writer at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from aicop.assess.results import Assessment as Report
from aicop.store.accounts import record
from aicop.store.db import StoreError
from aicop.store.models import Assessment, FindingRow, ProvisionResult, System

MAX_REPORT = 32 * 1024 * 1024
SUPPORTED_MAJOR = "1"


class ReportError(StoreError):
    """A document that is not an aicop JSON report this version can record. ``field`` names the place."""

    def __init__(self, message: str, *, field: str | None = None, path: str | None = None) -> None:
        self.field = field
        self.detail = message
        super().__init__(f"{field}: {message}" if field else message, path=path)


@dataclass(frozen=True)
class Provenance:
    """Where a run came from: the commit and ref a CI job assessed, the job's URL, and who sent it."""

    source: str  # push, import, web
    recorded_by: str
    commit: str | None = None
    ref: str | None = None
    ci_url: str | None = None


@dataclass(frozen=True)
class Recorded:
    assessment_id: int
    system_id: int
    system: str
    created: bool  # False: this very report was already stored


def parse_report(data: bytes | str | dict[str, Any], *, path: str | None = None) -> Report:
    """The report in ``data`` or a ``ReportError`` naming the first wrong field."""
    if isinstance(data, bytes | str) and len(data) > MAX_REPORT:
        raise ReportError(f"the report is larger than {MAX_REPORT // (1024 * 1024)} MB", path=path)
    if not isinstance(data, dict):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as err:
            raise ReportError(f"not JSON ({err})", path=path) from None
    if not isinstance(data, dict):
        raise ReportError("not an aicop JSON report (the document is not an object)", path=path)
    if "schema_version" not in data:
        hint = _foreign(data)
        raise ReportError(
            f"not an aicop JSON report{hint} (write one with 'aicop assess --format json')",
            field="schema_version",
            path=path,
        )
    version = data["schema_version"]
    if not isinstance(version, str) or version.split(".")[0] != SUPPORTED_MAJOR:
        raise ReportError(
            f"report format {version!r} is not supported (this aicop reads {SUPPORTED_MAJOR}.x)",
            field="schema_version",
            path=path,
        )
    try:
        return Report.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        more = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
        raise ReportError(f"{first['msg']}{more}", field=where, path=path) from None


def _foreign(data: dict[str, Any]) -> str:
    if "runs" in data and "version" in data:
        return "; this looks like SARIF"
    if "assessment-results" in data:
        return "; this looks like OSCAL assessment-results"
    if data.get("bomFormat") == "CycloneDX":
        return "; this looks like a CycloneDX BOM"
    return ""


def canonical(report: Report) -> bytes:
    return json.dumps(
        report.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def report_of(row: Assessment) -> Report:
    """The stored report, exactly as it was recorded."""
    return Report.model_validate_json(zlib.decompress(row.report_z))


def record_run(db: Session, report: Report, provenance: Provenance) -> Recorded:
    """Store ``report`` (once) for its system; the caller commits."""
    name = str(report.system.get("name") or "").strip()
    if not name:
        raise ReportError("the report names no system", field="system.name")
    if len(name) > 200:
        raise ReportError("a system name has at most 200 characters", field="system.name")
    body = canonical(report)
    digest = hashlib.sha256(body).hexdigest()
    _insert_ignore(db, System.__table__, {"name": name, "created_at": dt.datetime.now(dt.UTC), "runs": 0})
    system = db.execute(
        select(System).where(System.name == name).with_for_update()
    ).scalar_one()  # one writer per system from here on
    existing = db.scalar(select(Assessment.id).where(Assessment.digest == digest))
    if existing is not None:
        return Recorded(existing, system.id, name, created=False)
    summary = report.summary
    run = Assessment(
        system_id=system.id,
        digest=digest,
        generated_at=report.generated_at,
        assessed_on=report.assessed_on,
        catalog_id=report.catalog.get("id", ""),
        system_version=_short(report.system.get("version"), 200),
        status=summary.status.value,
        met_ratio=summary.met_ratio,
        gaps_shall=summary.gaps.shall,
        gaps_should=summary.gaps.should,
        roles=",".join(r.value for r in report.roles),
        principles={p.id: p.status.value for p in report.principles},
        commit=_short(provenance.commit, 64),
        ref=_short(provenance.ref, 300),
        ci_url=_short(provenance.ci_url, 2000),
        source=provenance.source,
        recorded_by=provenance.recorded_by[:200],
        report_z=zlib.compress(body, 6),
    )
    db.add(run)
    db.flush()
    _add_rows(db, report, run.id, system.id)
    newest = db.scalar(
        select(Assessment.id)
        .where(Assessment.system_id == system.id)
        .order_by(Assessment.generated_at.desc(), Assessment.id.desc())
        .limit(1)
    )
    db.execute(
        update(System)
        .where(System.id == system.id)
        .values(runs=System.runs + 1, latest_assessment_id=newest)
        .execution_options(synchronize_session=False)
    )
    record(
        db,
        provenance.recorded_by,
        "run.record",
        "assessment",
        run.id,
        system=name,
        digest=digest,
        source=provenance.source,
        commit=run.commit,
    )
    return Recorded(run.id, system.id, name, created=True)


def _add_rows(db: Session, report: Report, run_id: int, system_id: int) -> None:
    results: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for position, v in enumerate(report.provisions()):
        results.append(
            {
                "assessment_id": run_id,
                "system_id": system_id,
                "provision_id": v.id,
                "principle_id": v.principle,
                "modality": v.modality.value,
                "stakeholders": ",".join(s.value for s in v.stakeholders),
                "applicable": v.applicable,
                "status": v.status.value,
                "gap": v.gap,
                "basis": v.basis,
                "position": position,
            }
        )
        findings.extend(
            {
                "assessment_id": run_id,
                "provision_id": v.id,
                "check": f.check,
                "status": f.status.value,
                "message": f.message,
                "evidence": {"items": [e.model_dump(mode="json", exclude_none=True) for e in f.evidence]},
                "remediation": f.remediation,
            }
            for f in v.findings
        )
    if results:
        db.execute(insert(ProvisionResult), results)
    if findings:
        db.execute(insert(FindingRow), findings)


def _insert_ignore(db: Session, table: Any, values: dict[str, Any]) -> None:
    assert isinstance(table, Table)
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        db.execute(postgresql.insert(table).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        db.execute(sqlite.insert(table).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - the store supports these two
        raise StoreError(f"unsupported database {dialect}")


def _short(value: object, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value) if not isinstance(value, list) else ",".join(map(str, value))
    return text[:limit] or None


def count_runs(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Assessment)) or 0
