"""The dashboard's pages: portfolio, system, provision, attestations, import, exports and the event log.

Filters and paging live in the query string, so a link or a reload shows the same view; every page
works without JavaScript (there is none) and every control is a link, a button or a form field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from starlette.responses import JSONResponse, RedirectResponse, Response

from aicop.store import attestations as workflow
from aicop.store import queries
from aicop.store.exports import defectdojo, portfolio_csv
from aicop.store.models import Assessment, AttestationRow, Event, Role, System, User
from aicop.store.runs import Provenance, ReportError, parse_report, record_run, report_of
from aicop.web.app import Ctx, Extension, NavLink, WebError, page, route
from aicop.web.charts import line_chart, sparkline

EXPORT_TYPES = {
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "sarif": "application/sarif+json",
    "oscal": "application/json",
}
ROLES = ("developer", "system-operator", "data-controller", "data-custodian")


def _today() -> dt.date:
    return dt.date.today()


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise WebError(404, f"no such {name}") from None


def _system(ctx: Ctx, system_id: str) -> System:
    system = ctx.db.get(System, _int(system_id, "system"))
    if system is None:
        raise WebError(404, "no such system")
    return system


def _run(ctx: Ctx, run_id: str | int, system: System | None = None) -> Assessment:
    run = ctx.db.get(Assessment, _int(str(run_id), "run"))
    if run is None or (system is not None and run.system_id != system.id):
        raise WebError(404, "no such run")
    return run


@page()
def portfolio(ctx: Ctx) -> Response:
    """Every system: its latest status, per principle, and its trend."""
    params = ctx.request.query_params
    q = params.get("q", "")[:200]
    status = params.get("status", "")
    sort = params.get("sort", "name")
    rows, pg = queries.portfolio(
        ctx.db, q=q, status=status, sort=sort, number=queries.page_number(params.get("page"))
    )
    principles = sorted({p for r in rows if r.latest for p in r.latest.principles}, key=_principle_order)
    return ctx.render(
        "dashboard/portfolio.html",
        rows=rows,
        page=pg,
        q=q,
        status=status,
        sort=sort,
        statuses=queries.STATUSES,
        principles=principles,
        spark=sparkline,
    )


def _principle_order(pid: str) -> tuple[int, str]:
    return (int(pid), pid) if pid.isdigit() else (10_000, pid)


@page()
def portfolio_export(ctx: Ctx) -> Response:
    params = ctx.request.query_params
    rows = queries.portfolio_all(ctx.db, q=params.get("q", "")[:200], status=params.get("status", ""))
    return Response(
        portfolio_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="aicop-portfolio.csv"'},
    )


@page()
def system_page(ctx: Ctx, system_id: str) -> Response:
    """One system: its runs over time, what changed between two runs, its provisions."""
    system = _system(ctx, system_id)
    params = ctx.request.query_params
    runs, pg = queries.runs(ctx.db, system.id, number=queries.page_number(params.get("page")))
    points = queries.chart_points(ctx.db, system.id)
    run = _run(ctx, params["run"], system) if params.get("run") else _latest(ctx, system)
    status, role, modality = params.get("status", ""), params.get("role", ""), params.get("modality", "")
    provisions = (
        queries.provision_results(ctx.db, run.id, status=status, role=role, modality=modality) if run else []
    )
    compare = _comparison(ctx, system, points)
    return ctx.render(
        "dashboard/system.html",
        system=system,
        runs=runs,
        page=pg,
        run=run,
        chart=line_chart(points, link=lambda run_id: f"/systems/{system.id}?run={run_id}"),
        provisions=provisions,
        status=status,
        role=role,
        modality=modality,
        statuses=queries.STATUSES,
        roles=ROLES,
        compare=compare,
        points=points,
        attestations=_open_attestations(ctx, system),
    )


def _latest(ctx: Ctx, system: System) -> Assessment | None:
    return ctx.db.get(Assessment, system.latest_assessment_id) if system.latest_assessment_id else None


def _comparison(
    ctx: Ctx, system: System, points: list[tuple[dt.datetime, float, int]]
) -> dict[str, Any] | None:
    """The two runs compared (``?from=&to=``, default the last two) and what changed between them."""
    params = ctx.request.query_params
    if params.get("from") and params.get("to"):
        before, after = _run(ctx, params["from"], system), _run(ctx, params["to"], system)
    elif len(points) >= 2:
        before, after = _run(ctx, points[-2][2], system), _run(ctx, points[-1][2], system)
    else:
        return None
    return {"before": before, "after": after, "changes": queries.changes(ctx.db, before.id, after.id)}


def _open_attestations(ctx: Ctx, system: System) -> list[AttestationRow]:
    return list(
        ctx.db.scalars(
            workflow.view_query("due", _today()).where(AttestationRow.system_id == system.id).limit(50)
        ).all()
    )


@page()
def provision_page(ctx: Ctx, system_id: str, provision_id: str) -> Response:
    """One provision of one system: its text, findings with evidence, history, attestations."""
    system = _system(ctx, system_id)
    params = ctx.request.query_params
    run = _run(ctx, params["run"], system) if params.get("run") else _latest(ctx, system)
    if run is None:
        raise WebError(404, "this system has no runs yet")
    result = queries.provision_of_report(run, provision_id)
    if result is None:
        raise WebError(404, f"provision {provision_id} is not in this run's catalog")
    if ctx.request.method == "POST":  # then back to the page by GET, so that a reload sends nothing again
        done = _attestation_step(ctx, system, provision_id)
        return RedirectResponse(f"{ctx.request.url.path}?done={done}#attestation", status_code=303)
    message = DONE.get(params.get("done", ""))
    users = (
        ctx.db.scalars(
            select(User.username).where(User.role != Role.VIEWER.value, User.disabled.is_(False))
        ).all()
        if ctx.has(Role.ASSESSOR)
        else []
    )
    return ctx.render(
        "dashboard/provision.html",
        system=system,
        run=run,
        result=result,
        findings=queries.findings(ctx.db, run.id, provision_id),
        history=queries.history(ctx.db, system.id, provision_id),
        attestations=workflow.for_provision(ctx.db, system.id, provision_id),
        standing=lambda row: workflow.standing(row, _today()),
        users=users,
        claims=workflow.CLAIMS,
        message=message,
        today=_today(),
    )


DONE = {
    "requested": "Attestation requested from its owner.",
    "submitted": "Submitted for approval.",
    "approved": "Approved: it decides the provision in the next 'aicop assess --store' until it expires.",
    "rejected": "Rejected: the owner can submit again.",
}


def _attestation_step(ctx: Ctx, system: System, provision_id: str) -> str:
    """One step of the workflow from the provision page's forms; returns its key in ``DONE``."""
    assert ctx.user is not None
    action = ctx.field("action", max_length=20)
    try:
        if action == "request":
            ctx.require(Role.ASSESSOR)
            owner = ctx.field("owner", max_length=100)
            workflow.request(ctx.db, system, provision_id, owner, _date(ctx, "due_on"), actor=ctx.actor)
            return "requested"
        row = ctx.db.get(AttestationRow, _int(ctx.field("attestation", max_length=20), "attestation"))
        if row is None or row.system_id != system.id or row.provision_id != provision_id:
            raise WebError(404, "no such attestation")
        if action == "submit":
            ctx.require(Role.OWNER)
            workflow.submit(
                ctx.db,
                row,
                ctx.field("claimed_status", max_length=20),
                ctx.field("evidence_url", max_length=2000),
                ctx.field("statement", max_length=workflow.MAX_STATEMENT),
                actor=ctx.user,
            )
            return "submitted"
        if action in ("approve", "reject"):
            ctx.require(Role.ASSESSOR)
            note = ctx.field("note", required=False, max_length=workflow.MAX_STATEMENT)
            workflow.decide(ctx.db, row, action == "approve", note, _date(ctx, "expires_on"), actor=ctx.user)
            return "approved" if action == "approve" else "rejected"
    except workflow.WorkflowError as err:
        raise WebError(err.status, f"{err.field}: {err}" if err.field else str(err)) from None
    raise WebError(422, "the field 'action' must be request, submit, approve or reject")


def _date(ctx: Ctx, name: str) -> dt.date | None:
    text = ctx.field(name, required=False, max_length=10)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise WebError(422, f"the field {name!r} is not a date (YYYY-MM-DD)") from None


@page()
def attestations_page(ctx: Ctx) -> Response:
    """Attestations due, expiring or expired, across every system."""
    view, rows, pg = _attestation_view(ctx)
    return ctx.render(
        "dashboard/attestations.html",
        view=view,
        views=workflow.VIEWS,
        rows=rows,
        page=pg,
        standing=lambda row: workflow.standing(row, _today()),
    )


def _attestation_view(ctx: Ctx) -> tuple[str, list[AttestationRow], queries.Page]:
    params = ctx.request.query_params
    view = params.get("view", "due")
    if view not in workflow.VIEWS:
        raise WebError(422, f"the parameter 'view' must be one of {', '.join(workflow.VIEWS)}")
    query = workflow.view_query(view, _today())
    from sqlalchemy import func

    total = ctx.db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pg = queries.Page(queries.page_number(params.get("page")), queries.PAGE_SIZE, total)
    rows = list(ctx.db.scalars(query.limit(pg.size).offset(pg.offset)).all())
    return view, rows, pg


@page()
def attestations_feed(ctx: Ctx) -> Response:
    """The same list as JSON, for reminders (a cron job, a chat bot)."""
    view, rows, pg = _attestation_view(ctx)
    today = _today()
    return JSONResponse(
        {
            "view": view,
            "today": today.isoformat(),
            "page": pg.number,
            "pages": pg.pages,
            "total": pg.total,
            "attestations": [
                {
                    "id": r.id,
                    "system": r.system.name,
                    "provision": r.provision_id,
                    "state": r.state,
                    "standing": workflow.standing(r, today),
                    "owner": r.owner,
                    "requested_by": r.requested_by,
                    "due_on": r.due_on.isoformat() if r.due_on else None,
                    "expires_on": r.expires_on.isoformat() if r.expires_on else None,
                    "evidence_url": r.evidence_url,
                    "url": f"/systems/{r.system_id}/provisions/{r.provision_id}",
                }
                for r in rows
            ],
        }
    )


@page(role=Role.ASSESSOR)
def import_page(ctx: Ctx) -> Response:
    """Upload a JSON report of 'aicop assess'."""
    if ctx.request.method == "GET":
        return ctx.render("dashboard/import.html", error=None)
    upload = ctx.files.get("report")
    if upload is None or not upload.data:
        return ctx.render(
            "dashboard/import.html", status_code=422, error="report: choose a JSON report to upload"
        )
    try:
        report = parse_report(upload.data)
        done = record_run(
            ctx.db,
            report,
            Provenance(
                "web",
                ctx.actor,
                commit=ctx.field("commit", required=False, max_length=64) or None,
                ref=ctx.field("ref", required=False, max_length=300) or None,
            ),
        )
    except ReportError as err:
        return ctx.render("dashboard/import.html", status_code=422, error=f"{upload.filename}: {err}")
    note = "recorded" if done.created else "already stored"
    return RedirectResponse(
        f"/systems/{done.system_id}?run={done.assessment_id}&imported={note}", status_code=303
    )


@page()
def run_export(ctx: Ctx, run_id: str, fmt: str) -> Response:
    """A run in one of aicop's report formats, or as DefectDojo findings; always a download."""
    from aicop.report import FORMATS, render

    run = _run(ctx, run_id)
    report = report_of(run)
    name = f"aicop-run-{run.id}"
    if fmt == "defectdojo":
        body, media, filename = defectdojo(report, run), "application/json", f"{name}.defectdojo.json"
    elif fmt in FORMATS:
        body, media = render(report, fmt), EXPORT_TYPES[fmt]
        filename = f"{name}{FORMATS[fmt].filename.removeprefix('aicop-report')}"
    else:
        raise WebError(404, f"no export format {fmt!r}")
    return Response(
        body, media_type=media, headers={"content-disposition": f'attachment; filename="{filename}"'}
    )


@page(role=Role.ADMIN)
def events_page(ctx: Ctx) -> Response:
    """The event log, newest first."""
    from sqlalchemy import func

    params = ctx.request.query_params
    total = ctx.db.scalar(select(func.count()).select_from(Event)) or 0
    pg = queries.Page(queries.page_number(params.get("page")), queries.PAGE_SIZE, total)
    rows = ctx.db.scalars(select(Event).order_by(Event.id.desc()).limit(pg.size).offset(pg.offset)).all()
    return ctx.render("dashboard/events.html", rows=rows, page=pg)


extension = Extension(
    name="dashboard",
    routes=[
        route("/", portfolio),
        route("/portfolio.csv", portfolio_export),
        route("/systems/{system_id}", system_page),
        route("/systems/{system_id}/provisions/{provision_id}", provision_page, ("GET", "POST")),
        route("/attestations", attestations_page),
        route("/attestations.json", attestations_feed),
        route("/import", import_page, ("GET", "POST")),
        route("/runs/{run_id}/export/{fmt}", run_export),
        route("/admin/events", events_page),
    ],
    nav=[
        NavLink("Portfolio", "/"),
        NavLink("Attestations", "/attestations"),
        NavLink("Import", "/import", Role.ASSESSOR),
        NavLink("Events", "/admin/events", Role.ADMIN),
    ],
)
