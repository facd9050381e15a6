"""Principle 6: secure your infrastructure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import absent, coverage_finding, judge_documents, todo_lines, unfinished, unreadable
from aicop.docs.markdown import Document, topic
from aicop.docs.securitytxt import parse_security_txt
from aicop.system.manifest import DocumentKind

SECURITY_TXT = (".well-known/security.txt", "security.txt")
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|https?://\S+", re.IGNORECASE)
_REPORTING = re.compile(r"report|disclos|vulnerab", re.IGNORECASE)


@check(
    "infra.disclosure-policy",
    provisions=["6.3"],
    title="A vulnerability disclosure policy is published (SECURITY.md or RFC 9116 security.txt)",
    remediation="Add SECURITY.md saying how to report a vulnerability (a contact address or form), or "
    ".well-known/security.txt with a Contact and an Expires date in the future (RFC 9116).",
)
def disclosure_policy(ctx: Context) -> Iterator[Finding]:
    found = False
    for path in SECURITY_TXT:
        if ctx.entry(path) is not None:
            found = True
            yield unfinished(_security_txt(ctx, path), path, todo_lines(ctx.read_text(path) or ""))
    for path in ctx.documents(DocumentKind.DISCLOSURE_POLICY):
        if path.lower().endswith("security.txt"):
            continue
        found = True
        text = ctx.read_text(path)
        yield (
            unreadable("6.3", "disclosure policy", path)
            if text is None
            else unfinished(_policy(path, text), path, todo_lines(text))
        )
    if not found:
        yield absent(
            "6.3",
            "vulnerability disclosure policy (SECURITY.md or security.txt)",
            DocumentKind.DISCLOSURE_POLICY,
        )


def _security_txt(ctx: Context, path: str) -> Finding:
    text = ctx.read_text(path)
    if text is None:
        return unreadable("6.3", "security.txt", path)
    now = dt.datetime.combine(ctx.today, dt.time(), tzinfo=dt.UTC)
    parsed = parse_security_txt(text, now)
    if parsed.problems:
        return Finding(
            provision="6.3",
            status=Status.NOT_MET,
            message=f"{path} is not a usable RFC 9116 file: " + "; ".join(p for _, p in parsed.problems),
            evidence=[Evidence(path=path, line=line, detail=problem) for line, problem in parsed.problems],
        )
    contact = parsed.first("contact")
    assert contact is not None and parsed.expires is not None
    return Finding(
        provision="6.3",
        status=Status.MET,
        message=f"security.txt names contact {contact[1]} and expires {parsed.expires.date().isoformat()}",
        evidence=[Evidence(path=path, line=contact[0], detail=f"Contact: {contact[1]}")],
    )


def _policy(path: str, text: str) -> Finding:
    contact = _CONTACT.search(text)
    if contact and _REPORTING.search(text):
        line = text[: contact.start()].count("\n") + 1
        return Finding(
            provision="6.3",
            status=Status.MET,
            message=f"disclosure policy says how to report, contact {contact.group(0)}",
            evidence=[Evidence(path=path, line=line, detail=f"contact {contact.group(0)}")],
        )
    return Finding(
        provision="6.3",
        status=Status.PARTIAL,
        evidence=[Evidence(path=path, line=1, detail="policy")],
        message=f"{path} gives no contact (an email address or URL) for reporting vulnerabilities",
    )


INCIDENT_TOPICS = [
    topic("roles and contacts", r"role|contact|owner|on[- ]call|responsib|team|escalat"),
    topic("detection and triage", r"detect|triage|identif|assess|severity"),
    topic("containment and recovery", r"contain|recover|eradicat|restor|mitigat|rollback|roll back"),
    topic("communication and notification", r"notif|communicat|inform|disclos|report(ing)? to|stakeholder"),
]


@check(
    "infra.incident-plan",
    provisions=["6.4"],
    title="An incident management plan covers roles, detection, containment and recovery, and communication",
    remediation="Write docs/incident-response.md with who is responsible and how to reach them, how "
    "incidents are detected and triaged, how they are contained and recovered from, and who is notified.",
)
def incident_plan(ctx: Context) -> Iterator[Finding]:
    def judge(path: str, doc: Document) -> Iterator[Finding]:
        yield coverage_finding("6.4", "the incident plan", path, doc, INCIDENT_TOPICS)

    yield from judge_documents(ctx, DocumentKind.INCIDENT_PLAN, ("6.4",), "incident management plan", judge)
