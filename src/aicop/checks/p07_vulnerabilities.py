"""Principle 7, known vulnerabilities and justified components: provisions 7.2 and 7.2.1.

Kept apart from p07_supply_chain.py (pinning), which another change edits. The 7.2 check is a few lines
over ``aicop.deps``: the repository's dependency files against the advisory snapshot and aicop's
curated AI/ML advisories. Without a fresh snapshot the answer is a gap, not a pass: a dependency that
was not checked is never evidence of a secure supply chain.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.deps.audit import Audit, Verdict, audit
from aicop.errors import AicopError
from aicop.system.manifest import AdvisoryPolicy, Manifest

SHOWN = 5
Outcome = Audit | AicopError | None  # the audit, what stopped it, or no dependency file at all


@dataclass(frozen=True)
class Flagged:
    """A component that 7.2.1 asks to be justified, and why it was flagged."""

    component: str
    why: str
    evidence: Evidence
    against_policy: bool = False  # a blocked source or a known-bad revision: a 7.2 finding as well


def _policy(ctx: Context) -> AdvisoryPolicy:
    if ctx.manifest is not None and ctx.manifest.advisories is not None:
        return ctx.manifest.advisories
    return AdvisoryPolicy()


def _audit(ctx: Context) -> Outcome:
    """The Audit of the repository's dependencies, None when it has no dependency file, or the
    AicopError that stopped it. Cached for the two checks that read it, keyed by everything it reads
    besides the dependency files of this run (the repository, the day, the policy, the database)."""
    from aicop.deps.store import default_path

    policy = _policy(ctx)
    root = ctx.root.resolve()
    db_path = (root / policy.db) if policy.db else default_path()
    try:
        stamp = db_path.stat().st_mtime_ns
    except OSError:
        stamp = None
    key = (str(root), ctx.today, policy.model_dump_json(), str(db_path), stamp, id(ctx))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _run_audit(root, ctx.today, policy, db_path)
    return _CACHE[key]


_CACHE: dict[tuple[object, ...], Outcome] = {}


def _run_audit(root: Path, today: dt.date, policy: AdvisoryPolicy, db_path: Path) -> Outcome:
    from aicop.deps.sources import discover, read_path
    from aicop.deps.store import AdvisoryDB
    from aicop.severity import Severity

    if not discover(root):
        return None
    try:
        deps = read_path(root)
        if not deps:
            return None  # a lock file with no third-party package: nothing to check
        db = AdvisoryDB.open(db_path, create=False) if db_path.is_file() else None
        try:
            return audit(
                deps,
                db,
                today,
                max_age_days=policy.max_age_days,
                threshold=Severity[policy.fail_severity.upper()],
            )
        finally:
            if db is not None:
                db.close()
    except AicopError as err:
        return err


@check(
    "supply.known-vulnerabilities",
    provisions=["7.2"],
    title="No dependency has a known vulnerability at or above the policy's severity; the advisory "
    "snapshot is fresh",
    remediation="Import OSV's PyPI export ('aicop advisories import all.zip') at least as often as "
    "advisories.max_age_days in aicop.yaml, run 'aicop deps', and upgrade each vulnerable dependency "
    "to its fixed version.",
)
def known_vulnerabilities(ctx: Context) -> Iterator[Finding]:
    if ctx.manifest is not None:
        for item in _flagged_models(ctx.manifest, _policy(ctx)):
            if item.against_policy:
                yield Finding(
                    provision="7.2",
                    status=Status.NOT_MET,
                    message=f"model {item.component}: {item.why}",
                    evidence=[item.evidence],
                )
    result = _audit(ctx)
    if result is None:
        return
    if isinstance(result, AicopError):
        yield Finding(
            provision="7.2",
            status=Status.ERROR,
            message=f"dependencies could not be checked for known vulnerabilities: {result}",
            evidence=[Evidence(path=result.path, line=result.line, detail="dependency file")],
        )
        return
    for r in result.failing():
        d = r.dependency
        ids = ", ".join(f"{m.advisory.id} ({m.advisory.severity_label})" for m in r.matches)
        fixes = sorted({m.fixed for m in r.matches if m.fixed})
        yield Finding(
            provision="7.2",
            status=Status.NOT_MET,
            message=f"{d.name} {d.version} has known vulnerabilities: {ids}; "
            + (f"fixed in {', '.join(fixes)}" if fixes else "no fixed version"),
            evidence=[
                Evidence(path=d.source.split(" [", 1)[0], line=d.line, detail=f"{d.name}=={d.version}"),
                *[Evidence(url=m.advisory.references[0]) for m in r.matches if m.advisory.references][:SHOWN],
            ],
        )
    snap = result.snapshot
    if snap is None:
        yield Finding(
            provision="7.2",
            status=Status.NOT_MET,
            message="dependencies were not checked against an advisory snapshot (only aicop's curated "
            "AI/ML advisories); import OSV's PyPI export",
        )
    elif result.stale:
        yield Finding(
            provision="7.2",
            status=Status.NOT_MET,
            message=f"the advisory snapshot's newest record is {snap.age_days(ctx.today)} days old "
            f"(limit {result.max_age_days})",
            evidence=[
                Evidence(detail=f"snapshot of {snap.data_date[:10]} from {snap.source}", sha256=snap.sha256)
            ],
        )
    unchecked = [r for r in result.of(Verdict.NOT_CHECKED) if snap is not None]
    if unchecked:
        yield Finding(
            provision="7.2",
            status=Status.PARTIAL,
            message=f"{len(unchecked)} dependencies could not be checked: "
            + "; ".join(f"{r.dependency.name}: {r.reason}" for r in unchecked[:SHOWN]),
            evidence=[
                Evidence(path=r.dependency.source.split(" [", 1)[0], line=r.dependency.line, detail=r.reason)
                for r in unchecked[:SHOWN]
            ],
        )
    clean = result.of(Verdict.CLEAN)
    if snap is not None and not result.stale and not result.failing() and not unchecked:
        below = len(result.of(Verdict.VULNERABLE))
        yield Finding(
            provision="7.2",
            status=Status.MET,
            message=f"{len(clean)} dependencies clean as of {snap.data_date[:10]}"
            + (f"; {below} with vulnerabilities below {result.threshold.label}" if below else ""),
            evidence=[Evidence(detail=f"OSV snapshot {', '.join(snap.ecosystems)}", sha256=snap.sha256)],
        )


def flagged_components(ctx: Context) -> list[Flagged]:
    """Components 7.2.1 asks to be justified: vulnerable dependencies with no fix, models without a
    licence, a card or a pinned revision, models from a blocked source or at a known-bad revision."""
    out: list[Flagged] = []
    result = _audit(ctx)
    if isinstance(result, Audit):
        for r in result.of(Verdict.VULNERABLE):
            if r.unfixed():
                d = r.dependency
                out.append(
                    Flagged(
                        d.key,
                        "vulnerable with no fixed version",
                        Evidence(
                            path=d.source.split(" [", 1)[0], line=d.line, detail=f"{d.name}=={d.version}"
                        ),
                    )
                )
    if ctx.manifest is not None:
        out.extend(_flagged_models(ctx.manifest, _policy(ctx)))
    return out


def _flagged_models(manifest: Manifest, policy: AdvisoryPolicy) -> Iterator[Flagged]:
    for i, model in enumerate(manifest.models):
        where = Evidence(path="aicop.yaml", key=f"models[{i}]", detail=model.name)
        if model.source and model.source.lower() == "in-house":
            continue
        if model.uri is not None and model.revision is None and "://" in model.uri:
            yield Flagged(model.name, "remote model without a pinned revision", where)
        if model.licence is None:
            yield Flagged(model.name, "no licence recorded", where)
        if model.path is not None and model.card is None:
            yield Flagged(model.name, "no model card", where)
        if model.path is not None and manifest.signing is None:
            yield Flagged(model.name, "not signed (no signing key in aicop.yaml)", where)
        if model.uri is not None:
            if any(fnmatch.fnmatchcase(model.uri, pattern) for pattern in policy.blocked_model_sources):
                yield Flagged(
                    model.name, f"{model.uri} is from a source the organisation blocks", where, True
                )
            if model.revision is not None and model.revision in policy.bad_model_revisions.get(model.uri, []):
                yield Flagged(model.name, f"revision {model.revision} is known to be bad", where, True)


@check(
    "supply.justified-components",
    provisions=["7.2.1"],
    title="Components that are not well documented or secured are justified, with an owner and a review date",
    remediation="For each flagged component, fix it (pin, document, upgrade) or add it under "
    "'justifications:' in aicop.yaml with the reason, an owner, a review date and whether the "
    "explanation is shared with System Operators.",
)
def justified_components(ctx: Context) -> Iterator[Finding]:
    flagged = flagged_components(ctx)
    justifications = ctx.manifest.justifications if ctx.manifest is not None else []
    by_name = {j.component.lower(): j for j in justifications}
    for item in flagged:
        j = by_name.get(item.component.lower())
        if j is None:
            yield Finding(
                provision="7.2.1",
                status=Status.NOT_MET,
                message=f"{item.component}: {item.why}, and not justified in aicop.yaml",
                evidence=[item.evidence],
            )
        elif not j.valid_on(ctx.today):
            yield Finding(
                provision="7.2.1",
                status=Status.NOT_MET,
                message=f"{item.component}: {item.why}; its justification expired on {j.review}",
                evidence=[item.evidence, Evidence(path="aicop.yaml", key="justifications", detail=j.owner)],
            )
        else:
            shared = "shared with operators" if j.shared_with_operators else "NOT shared with operators"
            yield Finding(
                provision="7.2.1",
                status=Status.MET if j.shared_with_operators else Status.PARTIAL,
                message=f"{item.component}: {item.why}; justified by {j.owner} until {j.review} ({shared}): "
                f"{j.reason}",
                evidence=[item.evidence, Evidence(path="aicop.yaml", key="justifications", detail=j.reason)],
            )
    result = _audit(ctx)
    if flagged or ctx.manifest is None or not (ctx.manifest.models or result is not None):
        return
    unchecked = isinstance(result, AicopError) or (isinstance(result, Audit) and result.snapshot is None)
    yield Finding(
        provision="7.2.1",
        status=Status.PARTIAL if unchecked else Status.MET,
        message="no model is flagged as poorly documented or unsecured (each has a licence, a card and a "
        "pinned revision)"
        + (
            "; dependencies were not checked against an advisory snapshot"
            if unchecked
            else "; no vulnerable dependency lacks a fix"
        ),
        evidence=[Evidence(path="aicop.yaml", key="models")],
    )
