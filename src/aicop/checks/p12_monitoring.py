"""Principle 12, beyond the log itself (12.1 is the gateway's): what the gateway's log records about
each request (12.2) and whether anyone reads it — an ``aicop monitor`` report over recent traffic,
with a baseline, and no alarm left open (12.3, 12.4).

The report is found as ``monitor-report.json`` in the repository (or under ``.aicop/monitor/``). A
repository with neither a report nor a gateway.yaml gets no finding: the duty may be met elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import days_since
from aicop.checks.p04_gateway import gateway_configs

REPORT_NAME = "monitor-report.json"
RECENT_DAYS = 30
MONITORING = ("12.3", "12.4")


def _reports(ctx: Context) -> list[str]:
    found = [e.path for e in ctx.files if e.name == REPORT_NAME]
    default = ".aicop/monitor/" + REPORT_NAME
    if default not in found and (ctx.root / default).is_file():
        found.append(default)
    return found


@check(
    "monitor.report",
    provisions=list(MONITORING),
    title="The model's traffic is monitored: a recent monitor report with a baseline and no open alarm",
    remediation="Run 'aicop monitor report --log <the gateway's audit log> -o .aicop/monitor' regularly "
    "(or 'aicop monitor watch' with alert rules), investigate each alarm, and keep the latest report.",
)
def monitor_report(ctx: Context) -> Iterator[Finding]:
    from pydantic import ValidationError

    from aicop.monitor.model import MonitorReport

    paths = _reports(ctx)
    if not paths:
        if any(True for _ in gateway_configs(ctx)):
            for pid in MONITORING:
                yield Finding(
                    provision=pid,
                    status=Status.NOT_MET,
                    absence=True,
                    message="the gateway logs every request, but no monitor report reads the log",
                    evidence=[Evidence(detail=f"no {REPORT_NAME} in the repository or .aicop/monitor/")],
                )
        return
    reports = []
    for path in paths:
        try:
            reports.append((path, MonitorReport.model_validate_json(Path(ctx.root / path).read_bytes())))
        except (OSError, ValidationError, ValueError) as err:
            for pid in MONITORING:
                yield Finding(
                    provision=pid,
                    status=Status.ERROR,
                    message=f"not a monitor report aicop can read: {str(err).splitlines()[0]}",
                    evidence=[Evidence(path=path)],
                )
    if not reports:
        return
    path, report = max(reports, key=lambda item: item[1].source.last_time or item[1].generated)
    yield from _judge(ctx, path, report)


def _judge(ctx: Context, path: str, report: object) -> Iterator[Finding]:
    from aicop.monitor.model import MonitorReport

    assert isinstance(report, MonitorReport)
    last = report.source.last_time or report.generated
    age = days_since(ctx.today, last, unknown=10**6)
    covers = (
        f"{report.source.requests} requests up to {last[:10]}, against a baseline of "
        f"{report.method.baseline_requests}"
        if report.method
        else f"{report.source.requests} requests up to {last[:10]}"
    )
    evidence = [Evidence(path=path, detail=f"verdict {report.verdict}: {covers}")]
    open_alarms = [a for a in report.alarms if a.end_index is None]
    if report.verdict == "tampered":
        status, message = (
            Status.NOT_MET,
            "the log the report read was tampered with: " + "; ".join(report.source.integrity_problems[:3]),
        )
    elif age > RECENT_DAYS:
        status, message = Status.NOT_MET, f"the latest monitor report covers traffic {age} days old"
    elif report.verdict == "not judged":
        why = "; ".join(f"{n.what}: {n.why}" for n in report.not_judged) or "no baseline"
        status, message = Status.PARTIAL, f"the monitor could not judge the traffic ({why})"
    elif open_alarms:
        names = sorted({f"{a.signal} ({a.scope})" for a in open_alarms})
        status = Status.NOT_MET
        message = (
            f"{len(open_alarms)} alarms still open: "
            + ", ".join(names[:6])
            + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        )
    else:
        status = Status.MET
        message = f"traffic is monitored for drift, behaviour change and probing ({covers}); no alarm open"
    for pid in MONITORING:
        yield Finding(provision=pid, status=status, message=message, evidence=evidence)


@check(
    "monitor.log-states",
    provisions=["12.2"],
    title="The gateway's log records the system's internal states per request, for security analytics",
    remediation="Keep the gateway's audit log on; with privacy: hashes the text of prompts and answers "
    "cannot be analysed for drift (the monitor then judges only the other signals).",
)
def log_states(ctx: Context) -> Iterator[Finding]:
    for path, config in gateway_configs(ctx):
        recorded = "guard scores and signals, decisions, finish reasons, token usage and upstream timing"
        text = (
            "prompts and answers in full"
            if config.audit.privacy == "full"
            else "digests of prompts and answers"
        )
        yield Finding(
            provision="12.2",
            status=Status.MET,
            message=f"the gateway's audit log records, per request, {recorded}, with {text}",
            evidence=[Evidence(path=path, key="audit.privacy", detail=f"audit.path: {config.audit.path}")],
        )
