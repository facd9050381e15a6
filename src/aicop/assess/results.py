"""What an assessment produces: findings with evidence, a status per provision, roll-ups.

``Assessment`` is also the JSON report: its JSON Schema (``aicop report schema``) is generated from
these models, and the JSON renderer writes ``Assessment.model_dump``. Changing a field here is a change
of the published report format: bump ``REPORT_SCHEMA_VERSION``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from aicop.catalog.model import Modality, Role, Section

REPORT_SCHEMA_VERSION = "1.0"


class Status(StrEnum):
    MET = "met"
    PARTIAL = "partial"
    NOT_MET = "not_met"
    NEEDS_ATTESTATION = "needs_attestation"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


# Worst first. A check that could not run (error) says less than one that found the provision unmet.
FINDING_SEVERITY = {Status.NOT_MET: 3, Status.ERROR: 2, Status.PARTIAL: 1, Status.MET: 0}
GAP_STATUSES = frozenset({Status.NOT_MET, Status.PARTIAL, Status.NEEDS_ATTESTATION, Status.ERROR})


class FailOn(StrEnum):
    SHALL = "shall"
    SHOULD = "should"
    NEVER = "never"

    def counts(self, modality: Modality) -> bool:
        if self is FailOn.NEVER:
            return False
        if self is FailOn.SHALL:
            return modality is Modality.SHALL
        return modality in (Modality.SHALL, Modality.SHOULD)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_Model):
    """Something a person can open and check."""

    path: str | None = Field(None, description="File relative to the repository root.")
    line: int | None = Field(None, ge=1)
    column: int | None = Field(None, ge=1)
    detail: str | None = Field(None, description="What at that place is the evidence.")
    sha256: str | None = None
    key: str | None = Field(None, description="A configuration key.")
    url: str | None = None

    def is_empty(self) -> bool:
        return not any((self.path, self.detail, self.sha256, self.key, self.url))


class Finding(_Model):
    provision: str
    status: Status
    message: str = Field(min_length=1)
    evidence: list[Evidence] = Field(default_factory=list)
    check: str = ""
    remediation: str | None = None
    suppression: str | None = Field(
        None,
        description="The reason written in the source for suppressing this finding; it then decides nothing "
        "and is listed among the justified exclusions.",
    )
    absence: bool = Field(
        False,
        description="Nothing to judge was found in the repository (e.g. no such document), as opposed to a "
        "defect in what was found. A valid attestation can decide an absence, never a defect.",
    )


class AttestationRecord(_Model):
    status: Status
    owner: str
    evidence: str
    date: dt.date
    expires: dt.date | None = None
    note: str | None = None
    valid: bool


class ExclusionRecord(_Model):
    reason: str
    owner: str | None = None
    expires: dt.date | None = None
    valid: bool


class ProvisionResult(_Model):
    id: str
    principle: str
    parent: str | None
    modality: Modality
    text: str
    stakeholders: list[Role]
    applicable: bool
    status: Status
    gap: bool = Field(description="Applicable and not met: not_met, partial, needs_attestation or error.")
    basis: str = Field(description="What decided the status: checks, attestation, exclusion, scope or none.")
    findings: list[Finding] = Field(default_factory=list)
    checks: list[str] = Field(default_factory=list, description="Ids of the checks registered for it.")
    attestation: AttestationRecord | None = None
    exclusion: ExclusionRecord | None = None
    notes: list[str] = Field(default_factory=list)


class Counts(_Model):
    met: int = 0
    partial: int = 0
    not_met: int = 0
    needs_attestation: int = 0
    not_applicable: int = 0
    error: int = 0

    def add(self, status: Status) -> None:
        setattr(self, status.value, getattr(self, status.value) + 1)


class PrincipleResult(_Model):
    id: str
    title: str
    section: Section
    status: Status
    counts: Counts
    provisions: list[ProvisionResult]


class GapCounts(_Model):
    shall: int = 0
    should: int = 0
    can: int = 0


class Summary(_Model):
    provisions: int
    applicable: int
    counts: Counts
    gaps: GapCounts
    met_ratio: float = Field(description="Met applicable provisions over applicable provisions.")
    status: Status


class CheckInfo(_Model):
    id: str
    title: str
    provisions: list[str]
    remediation: str


class SuppressionRecord(_Model):
    """A finding suppressed in the source with a reason: shown, never silent."""

    provision: str
    check: str
    message: str
    path: str | None = None
    line: int | None = None
    reason: str


class Assessment(_Model):
    schema_version: str = REPORT_SCHEMA_VERSION
    tool: dict[str, str]
    catalog: dict[str, str]
    system: dict[str, str | list[str] | None]
    root: str
    manifest: str | None
    generated_at: dt.datetime
    assessed_on: dt.date
    roles: list[Role]
    summary: Summary
    principles: list[PrincipleResult]
    checks: list[CheckInfo]
    warnings: list[str] = Field(default_factory=list)
    suppressions: list[SuppressionRecord] = Field(default_factory=list)

    def provisions(self) -> list[ProvisionResult]:
        return [v for p in self.principles for v in p.provisions]

    def gaps(self, fail_on: FailOn) -> list[ProvisionResult]:
        return [v for v in self.provisions() if v.gap and fail_on.counts(v.modality)]
