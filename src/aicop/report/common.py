"""Words and orderings every renderer shares, so that a status reads the same in every format, and
the "fix these first" list that heads the terminal, Markdown and HTML reports."""

from __future__ import annotations

from dataclasses import dataclass

from aicop.assess.results import Assessment, Evidence, Finding, ProvisionResult, Status
from aicop.catalog.model import Modality


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


MODALITY_RANK = {Modality.SHALL: 0, Modality.SHOULD: 1, Modality.CAN: 2}
GAP_RANK = {Status.NOT_MET: 0, Status.ERROR: 1, Status.PARTIAL: 2, Status.NEEDS_ATTESTATION: 3}


def _provision_key(pid: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in pid.split("."))


def priority(provision: ProvisionResult) -> tuple[int, int, tuple[int, ...]]:
    """The order to fix gaps in: requirements (shall) before recommendations, then what is not met
    before a check that could not run before what is partly met, then the Code's own order."""
    return (
        MODALITY_RANK[provision.modality],
        GAP_RANK.get(provision.status, len(GAP_RANK)),
        _provision_key(provision.id),
    )


def fix_first(assessment: Assessment) -> list[ProvisionResult]:
    """The gaps something was found for (not met, error, partial), most urgent first. Provisions that
    only lack an attestation are listed apart (``awaiting_attestation``): they are paperwork, and
    interleaved they hid the real gaps."""
    gaps = [v for v in assessment.provisions() if v.gap and v.status is not Status.NEEDS_ATTESTATION]
    return sorted(gaps, key=priority)


def awaiting_attestation(assessment: Assessment) -> dict[Modality, list[ProvisionResult]]:
    """Applicable provisions with no automated evidence and no valid attestation, by modality."""
    out: dict[Modality, list[ProvisionResult]] = {}
    for v in sorted(assessment.provisions(), key=priority):
        if v.gap and v.status is Status.NEEDS_ATTESTATION:
            out.setdefault(v.modality, []).append(v)
    return out


@dataclass(frozen=True)
class Collapsed:
    """Findings that say the same thing (status, message and remedy), shown once with their count and
    every place they were found."""

    status: Status
    message: str
    remediation: str | None
    count: int
    evidence: tuple[Evidence, ...]


def collapse(findings: list[Finding]) -> list[Collapsed]:
    """The gap findings of a provision (met and suppressed ones left out), identical ones merged, the
    worst and most frequent first."""
    groups: dict[tuple[Status, str, str | None], list[Finding]] = {}
    for f in findings:
        if f.status is Status.MET or f.suppression is not None:
            continue
        groups.setdefault((f.status, f.message, f.remediation), []).append(f)
    merged = [
        Collapsed(status, message, remedy, len(group), tuple(e for f in group for e in f.evidence))
        for (status, message, remedy), group in groups.items()
    ]
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    return sorted(merged, key=lambda c: (rank[c.status], -c.count))


def attest_hint(provision_id: str) -> str:
    return f'attest it in aicop.yaml (attestations."{provision_id}": status, owner, evidence, date)'


ELLIPSIS = "…"


def shorten_path(path: str, width: int) -> str:
    """``path`` in at most ``width`` characters, shortened in the middle: the first directory and the
    file name stay, and so does any ``.git`` directory (a finding inside .git/ must say so)."""
    if len(path) <= width:
        return path
    parts = path.split("/")
    keep = {0, len(parts) - 1} | {i for i, part in enumerate(parts) if part == ".git"}
    dropped: set[int] = set()
    middle = (len(parts) - 1) / 2
    for i in sorted(set(range(len(parts))) - keep, key=lambda i: abs(i - middle)):
        dropped.add(i)
        text = _join_dropped(parts, dropped)
        if len(text) <= width:
            return text
    text = _join_dropped(parts, dropped)
    if len(text) <= width:
        return text
    # Still too long: the file name itself is. Cut its middle, keeping its end (the extension).
    name = parts[-1]
    excess = len(text) - width + 1
    if excess >= len(name) - 2:
        return text[: max(width - 1, 1)] + ELLIPSIS
    cut = (len(name) - excess) // 2
    return text[: len(text) - len(name)] + name[:cut] + ELLIPSIS + name[cut + excess :]


def _join_dropped(parts: list[str], dropped: set[int]) -> str:
    out: list[str] = []
    for i, part in enumerate(parts):
        if i in dropped:
            if out and out[-1] == ELLIPSIS:
                continue
            out.append(ELLIPSIS)
        else:
            out.append(part)
    return "/".join(out)
