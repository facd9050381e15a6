"""Words and orderings every renderer shares, so that a status reads the same in every format."""

from __future__ import annotations

from aicop.assess.results import Assessment, Finding, ProvisionResult, Status


def catalog_label(catalog: dict[str, str]) -> str:
    """ "dsit-2025-01, final: published 31 January 2025…": every report names the catalog and whether
    it is a draft or final (the stage is left out where the status already starts with it)."""
    stage, status = catalog.get("stage", "draft"), catalog["status"]
    return f"{catalog['id']}, {status}" if status.startswith(stage) else f"{catalog['id']}, {stage}: {status}"


STATUS_LABEL = {
    Status.MET: "met",
    Status.PARTIAL: "partial",
    Status.NOT_MET: "not met",
    Status.NEEDS_ATTESTATION: "needs attestation",
    Status.NOT_APPLICABLE: "not applicable",
    Status.ERROR: "error",
}
STATUS_ORDER = [
    Status.NOT_MET,
    Status.ERROR,
    Status.PARTIAL,
    Status.NEEDS_ATTESTATION,
    Status.MET,
    Status.NOT_APPLICABLE,
]


def headline(provision: ProvisionResult) -> str:
    """One line that says why a provision has its status."""
    if provision.basis == "scope":
        return provision.notes[0] if provision.notes else "not bound to the roles assessed"
    if provision.basis == "exclusion" and provision.exclusion:
        return f"excluded: {provision.exclusion.reason}"
    if provision.basis == "attestation" and provision.attestation:
        a = provision.attestation
        until = f", until {a.expires}" if a.expires else ""
        return f"attested {STATUS_LABEL[a.status]} by {a.owner} on {a.date}{until}"
    if provision.findings:
        worst = _worst(provision.findings)
        extra = f" (+{len(provision.findings) - 1} more)" if len(provision.findings) > 1 else ""
        return worst.message + extra
    lapsed = provision.attestation
    if lapsed is not None and not lapsed.valid:
        return f"attestation by {lapsed.owner} expired on {lapsed.expires}; renew it"
    if provision.checks:
        return "no finding from its checks; attest it in aicop.yaml"
    return "no automated check; attest it in aicop.yaml"


def _worst(findings: list[Finding]) -> Finding:
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    return min(findings, key=lambda f: rank[f.status])


def summary_line(assessment: Assessment) -> str:
    s = assessment.summary
    parts = [
        f"{getattr(s.counts, st.value)} {STATUS_LABEL[st]}"
        for st in STATUS_ORDER
        if getattr(s.counts, st.value)
    ]
    return (
        f"{s.applicable} of {s.provisions} provisions apply · "
        + " · ".join(parts)
        + f" · gaps: {s.gaps.shall} shall, {s.gaps.should} should"
    )


def location(evidence_path: str | None, line: int | None) -> str:
    if evidence_path is None:
        return ""
    return f"{evidence_path}:{line}" if line else evidence_path
