"""Principle 11: maintain regular security updates for AI model and systems (11.1, 11.2, 11.2.1, 11.4).

What a repository can show: a plan for audits and updates in the requirements (or a schedule a bot
keeps), a published bulletin for each security fix in the changelog and a named channel operators
follow, an escalation route (security.txt or SECURITY.md) and a place bulletins go out, and a
deprecation or versioning policy for the models and APIs it offers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import coverage, judge_documents
from aicop.docs.markdown import Document, parse, topic
from aicop.errors import AicopError
from aicop.system.manifest import DocumentKind
from aicop.system.walk import FileKind

SHOWN = 5
PLAN_TOPICS = (
    topic("security audits", r"audit|penetration|pen[- ]?test|security review|security assessment"),
    topic("updates", r"update|patch|upgrade|maintenance"),
    topic("external providers", r"supplier|vendor|third[- ]part|external provider|provider"),
)
SCHEDULE_FILES = (
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    "renovate.json",
    ".github/renovate.json",
)
_CHANNEL = re.compile(
    r"(security advisor|bulletin|feed\.json|json feed|atom|rss|mailing list|subscribe|announce|notif|"
    r"github security advisor|csaf)",
    re.IGNORECASE,
)
_SECURITY_ENTRY = re.compile(r"\b(security|CVE-\d{4}-\d{4,}|GHSA-[\w-]+|vulnerab)", re.IGNORECASE)
_VERSION_HEADING = re.compile(r"^#{1,4}\s*\[?v?(\d+(?:\.\d+)+[\w.+-]*)\]?")
_POLICY = topic(
    "model change policy",
    r"deprecat|versioning|versioned|model (change|update|version|lifecycle)|preview|beta|sunset|"
    r"release channel",
)


@check(
    "maintain.audit-update-plan",
    provisions=["11.1"],
    title="The requirements plan regular security audits and updates, and who helps (external providers)",
    remediation="In the requirements document, add sections on security audits (how often, by whom), "
    "updates and patching (cadence, or a Dependabot/Renovate schedule) and the external providers "
    "involved.",
)
def audit_update_plan(ctx: Context) -> Iterator[Finding]:
    schedules = [p for p in SCHEDULE_FILES if ctx.exists(p)]

    def judge(path: str, doc: Document) -> Iterator[Finding]:
        found, missing = coverage(doc, PLAN_TOPICS)
        evidence = [Evidence(path=path, line=h.line, detail=f"{n}: '{h.label}'") for n, h in found.items()]
        if "updates" in missing and schedules:
            missing.remove("updates")
            evidence.append(Evidence(path=schedules[0], detail="scheduled dependency updates"))
        if not missing:
            yield Finding(
                provision="11.1",
                status=Status.MET,
                message="the requirements plan security audits, updates and work with external providers",
                evidence=evidence,
            )
        else:
            yield Finding(
                provision="11.1",
                status=Status.PARTIAL if evidence else Status.NOT_MET,
                message=f"the requirements do not plan: {', '.join(missing)}",
                evidence=evidence or [Evidence(path=path, detail="requirements document")],
            )

    yield from judge_documents(ctx, DocumentKind.REQUIREMENTS, ["11.1"], "requirements document", judge)


def _bulletins(ctx: Context) -> tuple[list[tuple[str, object]], list[Finding]]:
    """(path, Bulletin) for each bulletin source under advisories/; findings for those that are broken."""
    from aicop.advisory.bulletin import load_bulletin

    found: list[tuple[str, object]] = []
    broken: list[Finding] = []
    for entry in ctx.files:
        if entry.path.startswith("advisories/") and entry.name.endswith((".yaml", ".yml")):
            try:
                found.append((entry.path, load_bulletin(ctx.root / entry.path)))
            except AicopError as err:
                broken.append(
                    Finding(
                        provision="11.2",
                        status=Status.NOT_MET,
                        message=f"security bulletin does not validate: {err.problem}",
                        evidence=[Evidence(path=entry.path, line=err.line)],
                    )
                )
    return found, broken


def _security_fixes(ctx: Context) -> list[tuple[str, int, str, str]]:
    """(changelog, line, version, text) of each changelog entry that mentions a security fix."""
    out = []
    for entry in ctx.named(
        "changelog", "changes", "history", "release-notes", kinds=frozenset({FileKind.DOCUMENT})
    ):
        text = ctx.read_text(entry.path) or ""
        version = None
        for number, line in enumerate(text.splitlines(), start=1):
            heading = _VERSION_HEADING.match(line)
            if heading:
                version = heading.group(1)
            elif version and _SECURITY_ENTRY.search(line):
                out.append((entry.path, number, version, line.strip()))
    return out


def _channel(ctx: Context) -> Evidence | None:
    for path in [*ctx.documents(DocumentKind.DISCLOSURE_POLICY), "README.md"]:
        text = ctx.read_text(path)
        for number, line in enumerate((text or "").splitlines(), start=1):
            if _CHANNEL.search(line):
                return Evidence(path=path, line=number, detail=line.strip()[:120])
    return None


@check(
    "maintain.security-updates-notified",
    provisions=["11.2"],
    title="Each security fix is published as a bulletin and a named channel tells operators",
    remediation="For each security fix, write a bulletin ('aicop advisory new', then 'publish': OSV, CSAF "
    "and a JSON Feed), and say in SECURITY.md where operators subscribe (the feed, a mailing list, "
    "GitHub security advisories).",
)
def security_updates_notified(ctx: Context) -> Iterator[Finding]:
    from aicop.advisory.bulletin import Bulletin

    bulletins, broken = _bulletins(ctx)
    yield from broken
    fixes = _security_fixes(ctx)
    channel = _channel(ctx)
    if not bulletins and not fixes and not broken:
        yield Finding(
            provision="11.2",
            status=Status.NOT_MET,
            absence=True,
            message="no security bulletin under advisories/ and no security fix in a changelog",
        )
        return
    fixed_versions = {r.fixed for _, b in bulletins if isinstance(b, Bulletin) for r in b.affected}
    ids = {i for _, b in bulletins if isinstance(b, Bulletin) for i in (b.id, *b.aliases)}
    missing = [f for f in fixes if f[2] not in fixed_versions and not any(i in f[3] for i in ids)]
    for path, line, version, text in missing[:SHOWN]:
        yield Finding(
            provision="11.2",
            status=Status.PARTIAL,
            message=f"security fix in {version} has no published bulletin: {text[:100]}",
            evidence=[Evidence(path=path, line=line, detail=f"changelog entry of {version}")],
        )
    if channel is None:
        yield Finding(
            provision="11.2",
            status=Status.PARTIAL,
            message="no notification channel is named (SECURITY.md or README: a feed, mailing list or "
            "advisories page operators follow)",
        )
    if not missing and channel is not None:
        yield Finding(
            provision="11.2",
            status=Status.MET,
            message=f"{len(bulletins)} bulletins cover the {len(fixes)} security fixes in the changelog; "
            "operators are told where to follow them",
            evidence=[Evidence(path=p, detail="security bulletin") for p, _ in bulletins[:SHOWN]] + [channel],
        )


@check(
    "maintain.escalation-route",
    provisions=["11.2.1"],
    title="There is a route for escalating issues that cannot be fixed: a contact and a public channel",
    remediation="Name a security contact in .well-known/security.txt or SECURITY.md, and say where "
    "advisories are published to customers and other developers (bulletins, a feed, GitHub advisories).",
)
def escalation_route(ctx: Context) -> Iterator[Finding]:
    from aicop.advisory.bulletin import escalation_contact

    contact = escalation_contact(ctx.root)
    channel = _channel(ctx)
    if contact is None and channel is None:
        yield Finding(
            provision="11.2.1",
            status=Status.NOT_MET,
            absence=True,
            message="no security contact (security.txt, SECURITY.md) and no public advisory channel",
        )
        return
    evidence = (
        [Evidence(path=contact[0], line=contact[1], detail=f"contact {contact[2]}")] if contact else []
    ) + ([channel] if channel else [])
    if contact and channel:
        yield Finding(
            provision="11.2.1",
            status=Status.MET,
            message=f"issues are escalated to {contact[2]} and published where customers and developers "
            "follow",
            evidence=evidence,
        )
    else:
        yield Finding(
            provision="11.2.1",
            status=Status.PARTIAL,
            message="a security contact but no public advisory channel"
            if contact
            else "a public advisory channel but no security contact",
            evidence=evidence,
        )


def _policy_documents(ctx: Context) -> Iterator[tuple[str, Document]]:
    for entry in ctx.of_kind(FileKind.DOCUMENT):
        if entry.name.lower().endswith((".md", ".rst", ".txt")) and entry.path.count("/") <= 2:
            text = ctx.read_text(entry.path)
            if text:
                yield entry.path, parse(text)


@check(
    "maintain.model-change-support",
    provisions=["11.4"],
    title="Operators can respond to model changes: versioned models or endpoints and a deprecation policy",
    remediation="Publish a deprecation and versioning policy (how long a model version stays, how changes "
    "are "
    "announced, preview access), and offer versioned endpoints or pinned model versions.",
)
def model_change_support(ctx: Context) -> Iterator[Finding]:
    for path, doc in _policy_documents(ctx):
        hit = doc.topic(_POLICY.pattern)
        if hit is not None:
            yield Finding(
                provision="11.4",
                status=Status.MET,
                message=f"a model change policy is documented ('{hit.label}')",
                evidence=[Evidence(path=path, line=hit.line, detail=hit.label)],
            )
            return
    versioned: list[Evidence] = []
    if ctx.manifest is not None:
        for i, ep in enumerate(ctx.manifest.endpoints):
            if ep.url and re.search(r"/v\d+(/|$)", ep.url):
                versioned.append(Evidence(path="aicop.yaml", key=f"endpoints[{i}].url", detail=ep.url))
        for i, model in enumerate(ctx.manifest.models):
            if model.uri and (model.revision or re.search(r"\d{4}-\d{2}-\d{2}", model.uri)):
                versioned.append(Evidence(path="aicop.yaml", key=f"models[{i}]", detail=model.uri))
    if versioned:
        yield Finding(
            provision="11.4",
            status=Status.PARTIAL,
            message="models or endpoints are versioned, but no deprecation or change policy is documented",
            evidence=versioned[:SHOWN],
        )
        return
    yield Finding(
        provision="11.4",
        status=Status.NOT_MET,
        absence=True,
        message="no deprecation or versioning policy in the docs and no versioned endpoint or model",
    )
