"""The attestation workflow: an assessor asks an owner; the owner answers with an evidence link and a
statement; an approver (an assessor or admin other than the owner) approves or rejects; an approval
holds until it expires. Every step is an event. Approved, unexpired attestations flow into the next
``aicop assess --store`` as the manifest's attestations would.

The evidence link is shown as a link on every page, so only ``http``/``https`` URLs are taken: a
``javascript:`` or ``data:`` "link" would run in the reader's browser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from aicop.store.accounts import record
from aicop.store.db import StoreError
from aicop.store.models import AttestationRow, AttestationState, ExclusionRow, Role, System, User, utcnow

CLAIMS = ("met", "partial", "not_met")
MAX_STATEMENT = 10_000
DEFAULT_VALIDITY_DAYS = 365
EXPIRING_DAYS = 30


class WorkflowError(StoreError):
    """A step that is not allowed now, or not by this person, or with this input. ``field`` names the
    form field at fault, when one is."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 422) -> None:
        self.field = field
        self.status = status
        super().__init__(message)


def evidence_url_problem(url: str) -> str | None:
    if len(url) > 2000:
        return "the evidence link has more than 2000 characters"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "the evidence link must be an http:// or https:// URL"
    if any(c.isspace() or ord(c) < 32 for c in url):
        return "the evidence link contains spaces or control characters"
    return None


def request(
    db: Session, system: System, provision_id: str, owner: str, due_on: dt.date | None, *, actor: str
) -> AttestationRow:
    user = db.scalar(select(User).where(User.username == owner))
    if user is None or user.disabled:
        raise WorkflowError(f"no user named {owner!r}", field="owner")
    if user.role == Role.VIEWER.value:
        raise WorkflowError(f"{owner} is a viewer: viewers cannot attest", field="owner")
    row = AttestationRow(
        system_id=system.id,
        provision_id=provision_id,
        state=AttestationState.REQUESTED.value,
        owner=owner,
        requested_by=actor,
        due_on=due_on,
    )
    db.add(row)
    db.flush()
    record(
        db,
        actor,
        "attestation.request",
        "attestation",
        row.id,
        system=system.name,
        provision=provision_id,
        owner=owner,
        due_on=due_on.isoformat() if due_on else None,
    )
    return row


def submit(
    db: Session, row: AttestationRow, claimed: str, evidence_url: str, statement: str, *, actor: User
) -> None:
    if actor.username != row.owner and actor.role != Role.ADMIN.value:
        raise WorkflowError(f"only {row.owner}, who was asked, can answer this attestation", status=403)
    if row.state not in (AttestationState.REQUESTED.value, AttestationState.REJECTED.value):
        raise WorkflowError(f"this attestation is {row.state}: there is nothing to submit", status=409)
    if claimed not in CLAIMS:
        raise WorkflowError(f"the status must be one of {', '.join(CLAIMS)}", field="claimed_status")
    problem = evidence_url_problem(evidence_url)
    if problem:
        raise WorkflowError(problem, field="evidence_url")
    if not statement.strip():
        raise WorkflowError("a statement is required", field="statement")
    if len(statement) > MAX_STATEMENT:
        raise WorkflowError(f"the statement has more than {MAX_STATEMENT} characters", field="statement")
    row.state = AttestationState.SUBMITTED.value
    row.claimed_status = claimed
    row.evidence_url = evidence_url
    row.statement = statement
    row.submitted_at = utcnow()
    record(
        db,
        actor.username,
        "attestation.submit",
        "attestation",
        row.id,
        claimed_status=claimed,
        evidence_url=evidence_url,
    )


def decide(
    db: Session,
    row: AttestationRow,
    approve: bool,
    note: str,
    expires_on: dt.date | None,
    *,
    actor: User,
    today: dt.date | None = None,
) -> None:
    if actor.role not in (Role.ASSESSOR.value, Role.ADMIN.value):
        raise WorkflowError("only an assessor or an admin can approve or reject", status=403)
    if actor.username == row.owner:
        raise WorkflowError("the owner who attested cannot also approve: another person must", status=403)
    if row.state != AttestationState.SUBMITTED.value:
        raise WorkflowError(f"this attestation is {row.state}, not submitted: nothing to decide", status=409)
    if len(note) > MAX_STATEMENT:
        raise WorkflowError(f"the note has more than {MAX_STATEMENT} characters", field="note")
    today = today or dt.date.today()
    if approve:
        expires_on = expires_on or today + dt.timedelta(days=DEFAULT_VALIDITY_DAYS)
        if expires_on <= today:
            raise WorkflowError("an approval must expire after today", field="expires_on")
    elif not note.strip():
        raise WorkflowError("say why it is rejected, so that the owner can fix it", field="note")
    row.state = (AttestationState.APPROVED if approve else AttestationState.REJECTED).value
    row.decided_by = actor.username
    row.decided_at = utcnow()
    row.decision_note = note or None
    row.expires_on = expires_on if approve else None
    record(
        db,
        actor.username,
        "attestation.approve" if approve else "attestation.reject",
        "attestation",
        row.id,
        note=note or None,
        expires_on=expires_on.isoformat() if approve and expires_on else None,
    )


@dataclass(frozen=True)
class Approved:
    provision_id: str
    status: str
    owner: str
    evidence: str
    date: dt.date
    expires: dt.date | None
    note: str | None


def approved_for(db: Session, system_name: str, today: dt.date) -> dict[str, Approved]:
    """The newest approved, unexpired attestation of each provision of ``system_name``."""
    rows = db.scalars(
        select(AttestationRow)
        .join(System, System.id == AttestationRow.system_id)
        .where(
            System.name == system_name,
            AttestationRow.state == AttestationState.APPROVED.value,
            or_(AttestationRow.expires_on.is_(None), AttestationRow.expires_on >= today),
        )
        .order_by(AttestationRow.decided_at)
    ).all()
    out: dict[str, Approved] = {}
    for r in rows:  # later decisions replace earlier ones
        decided = r.decided_at or r.requested_at
        out[r.provision_id] = Approved(
            r.provision_id,
            r.claimed_status or "met",
            r.owner,
            r.evidence_url or "",
            decided.date(),
            r.expires_on,
            f"approved by {r.decided_by} in aicop serve"
            + (f": {r.decision_note}" if r.decision_note else ""),
        )
    return out


MIN_REASON = 10  # as the manifest's exclusions: a reason a reviewer can judge


def exclude(
    db: Session,
    system: System,
    provision_id: str,
    reason: str,
    expires_on: dt.date | None,
    *,
    actor: str,
    today: dt.date | None = None,
) -> ExclusionRow:
    """Decide that ``provision_id`` does not apply to ``system`` (replacing an earlier decision)."""
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise WorkflowError(f"say why it does not apply, in at least {MIN_REASON} characters", field="reason")
    if len(reason) > MAX_STATEMENT:
        raise WorkflowError(f"the reason has more than {MAX_STATEMENT} characters", field="reason")
    if expires_on is not None and expires_on <= (today or dt.date.today()):
        raise WorkflowError("an exclusion must expire after today", field="expires_on")
    row = exclusion(db, system.id, provision_id)
    if row is None:
        row = ExclusionRow(system_id=system.id, provision_id=provision_id)
        db.add(row)
    row.reason, row.owner, row.expires_on = reason, actor, expires_on
    row.created_by, row.created_at = actor, utcnow()
    db.flush()
    record(
        db,
        actor,
        "exclusion.set",
        "exclusion",
        row.id,
        system=system.name,
        provision=provision_id,
        reason=reason,
        expires_on=expires_on.isoformat() if expires_on else None,
    )
    return row


def remove_exclusion(db: Session, system: System, provision_id: str, *, actor: str) -> None:
    row = exclusion(db, system.id, provision_id)
    if row is None:
        raise WorkflowError("this provision is not excluded", status=409)
    record(db, actor, "exclusion.remove", "exclusion", row.id, system=system.name, provision=provision_id)
    db.delete(row)


def exclusion(db: Session, system_id: int, provision_id: str) -> ExclusionRow | None:
    return db.scalar(
        select(ExclusionRow).where(
            ExclusionRow.system_id == system_id, ExclusionRow.provision_id == provision_id
        )
    )


def exclusions_for(db: Session, system_name: str) -> Sequence[ExclusionRow]:
    """Every exclusion of ``system_name``; an expired one is passed on too, and the assessment shows it
    as expired, as it does the manifest's."""
    return db.scalars(
        select(ExclusionRow)
        .join(System, System.id == ExclusionRow.system_id)
        .where(System.name == system_name)
    ).all()


VIEWS = ("due", "open", "expiring", "expired", "approved", "rejected", "all")


def view_query(view: str, today: dt.date) -> Select[AttestationRow]:
    """Attestations in one of ``VIEWS``. due: waiting for someone, expiring within 30 days, or expired."""
    waiting = AttestationRow.state.in_([AttestationState.REQUESTED.value, AttestationState.SUBMITTED.value])
    approved = AttestationRow.state == AttestationState.APPROVED.value
    soon = today + dt.timedelta(days=EXPIRING_DAYS)
    expiring = and_(approved, AttestationRow.expires_on >= today, AttestationRow.expires_on <= soon)
    expired = and_(approved, AttestationRow.expires_on < today)
    condition = {
        "due": or_(waiting, expiring, expired),
        "open": waiting,
        "expiring": expiring,
        "expired": expired,
        "approved": approved,
        "rejected": AttestationRow.state == AttestationState.REJECTED.value,
        "all": AttestationRow.id.is_not(None),
    }[view]
    return (
        select(AttestationRow)
        .where(condition)
        .order_by(
            func.coalesce(AttestationRow.expires_on, AttestationRow.due_on).asc().nulls_last(),
            AttestationRow.id,
        )
    )


def standing(row: AttestationRow, today: dt.date) -> str:
    """One word a reader acts on: overdue, waiting, expired, expiring, valid, rejected."""
    if row.state in (AttestationState.REQUESTED.value, AttestationState.SUBMITTED.value):
        overdue = row.due_on is not None and row.due_on < today
        return (
            "overdue" if overdue else ("awaiting approval" if row.state == "submitted" else "awaiting owner")
        )
    if row.state == AttestationState.REJECTED.value:
        return "rejected"
    if row.expires_on is not None and row.expires_on < today:
        return "expired"
    if row.expires_on is not None and row.expires_on <= today + dt.timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "valid"


def for_provision(db: Session, system_id: int, provision_id: str) -> Sequence[AttestationRow]:
    return db.scalars(
        select(AttestationRow)
        .where(AttestationRow.system_id == system_id, AttestationRow.provision_id == provision_id)
        .order_by(AttestationRow.requested_at.desc(), AttestationRow.id.desc())
    ).all()
