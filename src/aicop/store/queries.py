"""What the dashboard reads: the portfolio, a system's runs, what changed between two runs, a
provision's history. Every list is paged in the database (LIMIT/OFFSET over an indexed order), so a
page costs the same with ten systems or ten thousand.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from aicop.assess.results import Status
from aicop.report.common import STATUS_ORDER
from aicop.store.models import Assessment, FindingRow, ProvisionResult, System

PAGE_SIZE = 50
TREND_RUNS = 12
# Worse is higher: a move up this scale between two runs is a regression. The reports' own order, so the
# dashboard never calls a change a regression that the reports rank as an improvement.
STATUS_RANK = {s.value: len(STATUS_ORDER) - i for i, s in enumerate(STATUS_ORDER)}
STATUSES = tuple(s.value for s in Status)


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_number(text: str | None) -> int:
    try:
        return max(1, min(int(text or 1), 1_000_000))
    except ValueError:
        return 1


@dataclass(frozen=True)
class PortfolioRow:
    system: System
    latest: Assessment | None
    trend: list[float]


def _portfolio_query(q: str, status: str) -> Select[System, Assessment]:
    query = select(System, Assessment).outerjoin(Assessment, Assessment.id == System.latest_assessment_id)
    if q:
        query = query.where(func.lower(System.name).contains(q.lower(), autoescape=True))
    if status in STATUSES:
        query = query.where(Assessment.status == status)
    return query


SORTS = {
    "name": (System.name.asc(),),
    "worst": (Assessment.met_ratio.asc().nulls_last(), System.name.asc()),
    "best": (Assessment.met_ratio.desc().nulls_last(), System.name.asc()),
    "recent": (Assessment.generated_at.desc().nulls_last(), System.name.asc()),
}


def portfolio(
    db: Session, *, q: str = "", status: str = "", sort: str = "name", number: int = 1, size: int = PAGE_SIZE
) -> tuple[list[PortfolioRow], Page]:
    base = _portfolio_query(q, status)
    total = db.scalar(base.with_only_columns(func.count(System.id)).order_by(None)) or 0
    page = Page(number, size, total)
    rows = db.execute(base.order_by(*SORTS.get(sort, SORTS["name"])).limit(size).offset(page.offset)).all()
    trends = _trends(db, [s.id for s, _ in rows])
    return [PortfolioRow(s, a, trends.get(s.id, [])) for s, a in rows], page


def portfolio_all(
    db: Session, *, q: str = "", status: str = ""
) -> Sequence[tuple[System, Assessment | None]]:
    return [(s, a) for s, a in db.execute(_portfolio_query(q, status).order_by(System.name))]


def _trends(db: Session, system_ids: list[int]) -> dict[int, list[float]]:
    """The met ratio of each system's last runs, oldest first."""
    if not system_ids:
        return {}
    ranked = (
        select(
            Assessment.system_id,
            Assessment.met_ratio,
            Assessment.generated_at,
            func.row_number()
            .over(partition_by=Assessment.system_id, order_by=Assessment.generated_at.desc())
            .label("n"),
        )
        .where(Assessment.system_id.in_(system_ids))
        .subquery()
    )
    out: dict[int, list[float]] = {}
    for system_id, ratio, _ in db.execute(
        select(ranked.c.system_id, ranked.c.met_ratio, ranked.c.generated_at)
        .where(ranked.c.n <= TREND_RUNS)
        .order_by(ranked.c.system_id, ranked.c.generated_at)
    ):
        out.setdefault(system_id, []).append(ratio)
    return out


def runs(
    db: Session, system_id: int, *, number: int = 1, size: int = 20
) -> tuple[Sequence[Assessment], Page]:
    total = db.scalar(select(func.count()).where(Assessment.system_id == system_id)) or 0
    page = Page(number, size, total)
    rows = db.scalars(
        select(Assessment)
        .where(Assessment.system_id == system_id)
        .order_by(Assessment.generated_at.desc(), Assessment.id.desc())
        .limit(size)
        .offset(page.offset)
    ).all()
    return rows, page


def chart_points(db: Session, system_id: int, limit: int = 200) -> list[tuple[dt.datetime, float, int]]:
    """(generated_at, met ratio, run id) of the system's last ``limit`` runs, oldest first."""
    rows = db.execute(
        select(Assessment.generated_at, Assessment.met_ratio, Assessment.id)
        .where(Assessment.system_id == system_id)
        .order_by(Assessment.generated_at.desc())
        .limit(limit)
    ).all()
    return [(g, r, i) for g, r, i in reversed(rows)]


def provision_results(
    db: Session, run_id: int, *, status: str = "", role: str = "", modality: str = ""
) -> Sequence[ProvisionResult]:
    query = select(ProvisionResult).where(ProvisionResult.assessment_id == run_id)
    if status in STATUSES:
        query = query.where(ProvisionResult.status == status)
    if role:
        query = query.where(ProvisionResult.stakeholders.contains(role, autoescape=True))
    if modality in ("shall", "should", "can"):
        query = query.where(ProvisionResult.modality == modality)
    return db.scalars(query.order_by(ProvisionResult.position)).all()


@dataclass(frozen=True)
class Change:
    provision_id: str
    modality: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "new"
        if self.after is None:
            return "removed"
        worse = STATUS_RANK.get(self.after, 0) > STATUS_RANK.get(self.before, 0)
        return "regressed" if worse else "improved"


def changes(db: Session, before_id: int, after_id: int) -> list[Change]:
    """Every provision whose status differs between two runs, regressions first."""
    statuses: dict[str, dict[int, tuple[str, str, int]]] = {}
    for pid, run, status, modality, position in db.execute(
        select(
            ProvisionResult.provision_id,
            ProvisionResult.assessment_id,
            ProvisionResult.status,
            ProvisionResult.modality,
            ProvisionResult.position,
        ).where(ProvisionResult.assessment_id.in_([before_id, after_id]))
    ):
        statuses.setdefault(pid, {})[run] = (status, modality, position)
    out = []
    for pid, by_run in statuses.items():
        before, after = by_run.get(before_id), by_run.get(after_id)
        if (before and before[0]) != (after and after[0]):
            meta = after or before
            assert meta is not None
            out.append((meta[2], Change(pid, meta[1], before and before[0], after and after[0])))
    order = {"regressed": 0, "new": 1, "removed": 2, "improved": 3}
    return [c for _, c in sorted(out, key=lambda pc: (order[pc[1].kind], pc[0]))]


def history(
    db: Session, system_id: int, provision_id: str, limit: int = 100
) -> list[tuple[Assessment, str, str]]:
    """(run, status, basis) of one provision across the system's runs, newest first."""
    rows = db.execute(
        select(Assessment, ProvisionResult.status, ProvisionResult.basis)
        .join(ProvisionResult, ProvisionResult.assessment_id == Assessment.id)
        .where(ProvisionResult.system_id == system_id, ProvisionResult.provision_id == provision_id)
        .order_by(Assessment.generated_at.desc())
        .limit(limit)
    ).all()
    return [(a, s, b) for a, s, b in rows]


def findings(db: Session, run_id: int, provision_id: str) -> Sequence[FindingRow]:
    return db.scalars(
        select(FindingRow)
        .where(FindingRow.assessment_id == run_id, FindingRow.provision_id == provision_id)
        .order_by(FindingRow.id)
    ).all()


def provision_of_report(run: Assessment, provision_id: str) -> dict[str, Any] | None:
    """One provision's result as the report has it (its text, notes, attestation), read without
    validating the whole report again: it was validated when it was recorded."""
    report = orjson.loads(zlib.decompress(run.report_z))
    for principle in report["principles"]:
        for provision in principle["provisions"]:
            if provision["id"] == provision_id:
                return dict(provision)
    return None
