"""Scope × checks × attestations → one status per provision, rolled up per principle and overall.

The rules, in order, for each provision:
1. Not bound to any role the organisation plays → ``not_applicable`` (basis ``scope``).
2. Excluded in the manifest with a reason, not expired → ``not_applicable`` (basis ``exclusion``).
3. Findings from checks → the worst of them (basis ``checks``). A check cannot claim ``met`` without
   evidence: such a finding becomes ``error``. Where every finding is an *absence* (the repository
   holds nothing to judge, e.g. the plan lives in a wiki), a valid attestation decides instead.
4. A valid attestation → its status (basis ``attestation``); an expired one is shown but ignored.
5. Otherwise ``needs_attestation``: for a *shall* that is a gap, never a pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from aicop import __version__
from aicop.assess.context import Context
from aicop.assess.controls import Mapping, mapping_for, routes
from aicop.assess.registry import CheckSpec, registered_checks
from aicop.assess.results import (
    FINDING_SEVERITY,
    GAP_STATUSES,
    Assessment,
    AttestationRecord,
    CheckInfo,
    Counts,
    ExclusionRecord,
    Finding,
    GapCounts,
    PrincipleResult,
    ProvisionResult,
    Status,
    Summary,
    SuppressionRecord,
)
from aicop.catalog import load_catalog
from aicop.catalog.model import Catalog, Modality, Principle, Provision, Role
from aicop.errors import InputError
from aicop.system.manifest import MANIFEST_NAME, Attestation, Manifest
from aicop.system.yamlsource import load_manifest, manifest_catalog

Progress = Callable[[str], None]


def assess(
    root: Path,
    *,
    manifest_path: Path | None = None,
    roles: Sequence[Role] | None = None,
    catalog: Catalog | None = None,
    today: dt.date | None = None,
    checks: Sequence[CheckSpec] | None = None,
    progress: Progress | None = None,
    mapping: Mapping | None = None,
    attestations: Callable[[str], dict[str, Attestation]] | None = None,
) -> Assessment:
    """Assess the repository at ``root`` against ``catalog``: the one given, else the one the manifest
    names (``catalog:``), else the default. ``mapping`` joins the catalog's provisions to the checks'
    controls (default: the catalog's packaged mapping). ``attestations``, given the system's name,
    returns attestations reviewed elsewhere (``aicop assess --store``); they take the place of the
    manifest's for the same provisions."""
    if not root.is_dir():
        raise InputError("not a directory", path=root)
    today = today or dt.date.today()
    warnings: list[str] = []
    manifest, manifest_path, catalog = _manifest(root, manifest_path, catalog)
    if attestations is not None:
        manifest = _with_attestations(manifest, attestations, catalog, root, warnings)
    scope = _roles(manifest, roles, warnings, catalog)
    ctx = Context.build(root, catalog, manifest, manifest_path, scope, today)
    specs = list(checks) if checks is not None else registered_checks()
    routing = routes(specs, catalog, mapping or mapping_for(catalog))
    findings = run_checks(ctx, specs, catalog, scope, progress, routing)
    suppressions = [
        SuppressionRecord(
            provision=f.provision,
            check=f.check,
            message=f.message,
            reason=f.suppression or "",
            path=f.evidence[0].path if f.evidence else None,
            line=f.evidence[0].line if f.evidence else None,
        )
        for pid in list(findings)
        for f in findings[pid]
        if f.suppression is not None
    ]
    findings = {pid: [f for f in items if f.suppression is None] for pid, items in findings.items()}
    checks_by_provision: dict[str, list[str]] = {}
    evidenced: dict[str, list[str]] = {}
    for spec in specs:
        evidenced[spec.id] = list(dict.fromkeys(p for key in spec.provisions for p in routing[spec.id][key]))
        for pid in evidenced[spec.id]:
            checks_by_provision.setdefault(pid, []).append(spec.id)
    principles = [
        _principle_result(p, findings, checks_by_provision, manifest, scope, today, warnings)
        for p in catalog.principles
    ]
    return Assessment(
        tool={"name": "aicop", "version": __version__},
        catalog={"id": catalog.id, "title": catalog.title, "status": catalog.status, "stage": catalog.stage},
        system={
            "name": manifest.system.name if manifest else root.resolve().name,
            "version": manifest.system.version if manifest else None,
        },
        root=str(root),
        manifest=str(manifest_path.relative_to(root))
        if manifest_path and manifest_path.is_relative_to(root)
        else (str(manifest_path) if manifest_path else None),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        assessed_on=today,
        roles=list(scope),
        summary=_summary(principles),
        principles=principles,
        checks=[
            CheckInfo(id=s.id, title=s.title, provisions=evidenced[s.id], remediation=s.remediation)
            for s in specs
            if evidenced[s.id]  # a check that evidences nothing in this catalog is not part of its report
        ],
        warnings=warnings,
        suppressions=suppressions,
    )


def _manifest(
    root: Path, given: Path | None, catalog: Catalog | None
) -> tuple[Manifest | None, Path | None, Catalog]:
    """(manifest, its path, the catalog to assess against). The manifest is read once without a catalog
    to learn the one it names, then validated against the catalog chosen."""
    path = given if given is not None else root / MANIFEST_NAME
    if given is None and not path.exists():
        return None, None, catalog or load_catalog()
    if not path.exists():
        raise InputError("manifest not found", path=path)
    if catalog is None:
        catalog = manifest_catalog(path, root)
    return load_manifest(path, root, catalog, declared_must_exist=True), path, catalog


def _with_attestations(
    manifest: Manifest | None,
    source: Callable[[str], dict[str, Attestation]],
    catalog: Catalog,
    root: Path,
    warnings: list[str],
) -> Manifest | None:
    name = manifest.system.name if manifest else root.resolve().name
    found = source(name)
    known = {v.id for v in catalog.provisions()}
    for pid in sorted(set(found) - known):
        warnings.append(f"the store's attestation of {pid} is not a provision of {catalog.id}; ignored")
    found = {pid: a for pid, a in found.items() if pid in known}
    if not found:
        return manifest
    if manifest is None:
        warnings.append(
            f"{len(found)} attestations in the store, but no {MANIFEST_NAME} to name the system's roles"
        )
        return None
    replaced = sorted(set(found) & set(manifest.attestations))
    if replaced:
        warnings.append(f"the store's approved attestations replace the manifest's for {', '.join(replaced)}")
    return manifest.model_copy(update={"attestations": {**manifest.attestations, **found}})


def _roles(
    manifest: Manifest | None, given: Sequence[Role] | None, warnings: list[str], catalog: Catalog
) -> tuple[Role, ...]:
    """The roles in scope, in the catalog's vocabulary (data-controller ↔ data-custodian)."""
    if given or manifest is not None:
        declared = list(given) if given else list(manifest.roles) if manifest else []
        mapped = [catalog.role_for(r) for r in declared]
        for before, after in zip(declared, mapped, strict=True):
            if before is not after:
                warnings.append(
                    f"role {before.value} is called {after.value} in {catalog.id}; assessed as such"
                )
        return tuple(dict.fromkeys(mapped))
    names = [r.value.replace("-", " ") for r in catalog.roles]
    warnings.append(
        f"no {MANIFEST_NAME} and no --roles: assessed as {', '.join(names[:-1])} and {names[-1]}; "
        "run 'aicop init' to describe the system"
    )
    return catalog.roles


def run_checks(
    ctx: Context,
    specs: Sequence[CheckSpec],
    catalog: Catalog,
    scope: tuple[Role, ...],
    progress: Progress | None,
    routing: dict[str, dict[str, tuple[str, ...]]] | None = None,
) -> dict[str, list[Finding]]:
    """Run every check that evidences at least one in-scope provision; never let one check sink the run.
    A finding goes to every provision of ``catalog`` that maps to the control it reports on, under
    that provision's id (``routing``, from ``aicop.assess.controls.routes``)."""
    routing = routing if routing is not None else routes(specs, catalog, mapping_for(catalog))
    in_scope = {v.id for v in catalog.provisions() if v.binds(scope)}
    out: dict[str, list[Finding]] = {}
    for spec in specs:
        targets = routing[spec.id]
        if not in_scope & {pid for pids in targets.values() for pid in pids}:
            continue
        if progress:
            progress(spec.id)
        for finding in _run_one(ctx, spec):
            for pid in targets.get(finding.provision, ()):
                if pid in in_scope:
                    moved = (
                        finding if pid == finding.provision else finding.model_copy(update={"provision": pid})
                    )
                    out.setdefault(pid, []).append(moved)
    return out


def _run_one(ctx: Context, spec: CheckSpec) -> list[Finding]:
    try:
        findings = spec.run(ctx)
    except Exception as err:  # a broken check is reported against its provisions, never fatal
        return [
            Finding(
                provision=pid,
                status=Status.ERROR,
                check=spec.id,
                remediation=spec.remediation,
                message=f"check {spec.id} failed: {type(err).__name__}: {err}",
            )
            for pid in spec.provisions
        ]
    checked = []
    for finding in findings:
        if finding.provision not in spec.provisions:
            raise RuntimeError(
                f"check {spec.id} reported provision {finding.provision} it is not registered for"
            )
        update: dict[str, object] = {"check": spec.id}
        if finding.remediation is None and finding.status is not Status.MET:
            update["remediation"] = spec.remediation
        if finding.status is Status.MET and not any(not e.is_empty() for e in finding.evidence):
            update |= {
                "status": Status.ERROR,
                "message": f"check {spec.id} claimed 'met' without evidence: {finding.message}",
            }
        checked.append(finding.model_copy(update=update))
    return checked


def _principle_result(
    principle: Principle,
    findings: dict[str, list[Finding]],
    checks_by_provision: dict[str, list[str]],
    manifest: Manifest | None,
    scope: tuple[Role, ...],
    today: dt.date,
    warnings: list[str],
) -> PrincipleResult:
    results = [
        provision_result(
            v, findings.get(v.id, []), checks_by_provision.get(v.id, []), manifest, scope, today, warnings
        )
        for v in principle.provisions
    ]
    counts = Counts()
    for result in results:
        counts.add(result.status)
    applicable = [r for r in results if r.applicable]
    return PrincipleResult(
        id=principle.id,
        title=principle.title,
        section=principle.section,
        counts=counts,
        provisions=results,
        status=_rollup([r.status for r in applicable]),
    )


def _is_gap(status: Status, provision: Provision) -> bool:
    """Applicable and not met; a *can* provision states a possibility, so it is never a gap."""
    return status in GAP_STATUSES and provision.modality is not Modality.CAN


def provision_result(
    provision: Provision,
    findings: list[Finding],
    checks: list[str],
    manifest: Manifest | None,
    scope: tuple[Role, ...],
    today: dt.date,
    warnings: list[str],
) -> ProvisionResult:
    notes: list[str] = []
    attestation = _attestation(provision.id, manifest, today, notes)
    exclusion = _exclusion(provision.id, manifest, today, notes, warnings)
    applicable, status, basis = _decide(provision, findings, attestation, exclusion, scope, notes)
    return ProvisionResult(
        id=provision.id,
        principle=provision.principle_id,
        parent=provision.parent,
        modality=provision.modality,
        text=provision.text,
        stakeholders=list(provision.stakeholders),
        applicable=applicable,
        status=status,
        gap=applicable and _is_gap(status, provision),
        basis=basis,
        findings=findings if applicable else [],
        checks=checks,
        attestation=attestation,
        exclusion=exclusion,
        notes=notes,
    )


def _decide(
    provision: Provision,
    findings: list[Finding],
    attestation: AttestationRecord | None,
    exclusion: ExclusionRecord | None,
    scope: tuple[Role, ...],
    notes: list[str],
) -> tuple[bool, Status, str]:
    """(applicable, status, basis) by the rules in this module's docstring."""
    if not provision.binds(scope):
        who = ", ".join(r.value for r in provision.stakeholders)
        notes.insert(0, f"binds {who}; this organisation plays {', '.join(r.value for r in scope)}")
        return False, Status.NOT_APPLICABLE, "scope"
    if exclusion is not None and exclusion.valid:
        return False, Status.NOT_APPLICABLE, "exclusion"
    attested = attestation is not None and attestation.valid
    if findings and not (attested and all(f.absence for f in findings)):
        if attestation is not None:
            notes.append("automated evidence decides this provision; the attestation is shown for reference")
        return True, max((f.status for f in findings), key=FINDING_SEVERITY.__getitem__), "checks"
    if attestation is not None and attested:
        if findings:
            notes.append("nothing in the repository evidences this provision; the attestation decides it")
        return True, attestation.status, "attestation"
    return True, Status.NEEDS_ATTESTATION, "none"


def _attestation(
    pid: str, manifest: Manifest | None, today: dt.date, notes: list[str]
) -> AttestationRecord | None:
    if manifest is None or pid not in manifest.attestations:
        return None
    a = manifest.attestations[pid]
    record = AttestationRecord(
        status=Status(a.status),
        owner=a.owner,
        evidence=a.evidence,
        date=a.date,
        expires=a.expires,
        note=a.note,
        valid=a.valid_on(today),
    )
    if not record.valid:
        notes.append(f"attestation by {a.owner} expired on {a.expires}")
    return record


def _exclusion(
    pid: str, manifest: Manifest | None, today: dt.date, notes: list[str], warnings: list[str]
) -> ExclusionRecord | None:
    if manifest is None or pid not in manifest.exclusions:
        return None
    e = manifest.exclusions[pid]
    record = ExclusionRecord(reason=e.reason, owner=e.owner, expires=e.expires, valid=e.valid_on(today))
    if not record.valid:
        notes.append(f"exclusion expired on {e.expires}; the provision is assessed again")
        warnings.append(f"exclusion of {pid} expired on {e.expires}")
    return record


_ROLLUP_ORDER = [Status.NOT_MET, Status.ERROR, Status.PARTIAL, Status.NEEDS_ATTESTATION, Status.MET]


def _rollup(statuses: list[Status]) -> Status:
    """A principle or a whole system is as good as its worst applicable provision."""
    if not statuses:
        return Status.NOT_APPLICABLE
    for status in _ROLLUP_ORDER:
        if status in statuses:
            return status
    return Status.MET


def _summary(principles: list[PrincipleResult]) -> Summary:
    counts, gaps = Counts(), GapCounts()
    provisions = [v for p in principles for v in p.provisions]
    for v in provisions:
        counts.add(v.status)
        if v.gap:
            setattr(gaps, v.modality.value, getattr(gaps, v.modality.value) + 1)
    applicable = [v for v in provisions if v.applicable]
    met = sum(1 for v in applicable if v.status is Status.MET)
    return Summary(
        provisions=len(provisions),
        applicable=len(applicable),
        counts=counts,
        gaps=gaps,
        met_ratio=round(met / len(applicable), 4) if applicable else 1.0,
        status=_rollup([v.status for v in applicable]),
    )
