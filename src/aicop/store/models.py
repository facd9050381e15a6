"""The store's tables, declared once with SQLAlchemy 2's typed mappings.

Every table of every aicop app lives on ``Base.metadata`` (one set of foreign keys, one Alembic
environment); an app's tables carry its prefix (``consult_…``) and its migrations live in its own version
directory (see ``aicop.store.migrate``). The schema itself is created only by migrations, never by
``create_all``, so that SQLite and PostgreSQL stores go through the same steps.

The report of a run is kept whole (zlib-compressed canonical JSON, so every export can be rebuilt
exactly) and also split into queryable rows: one per provision result and one per finding. ``events``
is append-only: the migrations add a trigger on both databases that refuses UPDATE and DELETE.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Constraint names fixed by convention: Alembic can then name what it alters, on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids are 64-bit on PostgreSQL; SQLite's INTEGER PRIMARY KEY is its rowid only when typed INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp in UTC on both databases: SQLite keeps no time zone, so one read back is marked UTC
    (the store writes only UTC) instead of coming back naive."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON}  # noqa: RUF012


class Role(StrEnum):
    """What a user may do. admin: everything; assessor: record runs, request and decide attestations;
    owner: answer the attestations asked of them; viewer: read."""

    ADMIN = "admin"
    ASSESSOR = "assessor"
    OWNER = "owner"
    VIEWER = "viewer"


class AttestationState(StrEnum):
    REQUESTED = "requested"  # an assessor asked the owner
    SUBMITTED = "submitted"  # the owner gave a link and a statement
    APPROVED = "approved"  # an approver accepted it: it decides the provision until it expires
    REJECTED = "rejected"  # sent back; the owner may submit again


class System(Base):
    __tablename__ = "systems"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The newest run by generated_at, kept here so that the portfolio reads one row per system.
    # (no foreign key: systems and assessments would point at each other, and the run is never deleted alone)
    latest_assessment_id: Mapped[int | None] = mapped_column(Id)
    runs: Mapped[int] = mapped_column(Integer, default=0)


class Assessment(Base):
    """One run of ``aicop assess`` on a system, as its JSON report."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_system_generated", "system_id", "generated_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    system_id: Mapped[int] = mapped_column(Id, ForeignKey("systems.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the canonical report JSON
    generated_at: Mapped[dt.datetime]
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    catalog_id: Mapped[str] = mapped_column(String(100))
    system_version: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    met_ratio: Mapped[float] = mapped_column(Float)
    gaps_shall: Mapped[int] = mapped_column(Integer)
    gaps_should: Mapped[int] = mapped_column(Integer)
    roles: Mapped[str] = mapped_column(String(200))  # comma-separated, for display and filters
    principles: Mapped[dict[str, Any]] = mapped_column(JSON)  # {principle id: status}
    commit: Mapped[str | None] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(300))
    ci_url: Mapped[str | None] = mapped_column(String(2000))
    source: Mapped[str] = mapped_column(String(32))  # push, import, web
    recorded_by: Mapped[str] = mapped_column(String(200))
    report_z: Mapped[bytes] = mapped_column(LargeBinary)  # zlib of the canonical JSON

    system: Mapped[System] = relationship(foreign_keys=[system_id])


class ProvisionResult(Base):
    __tablename__ = "provision_results"
    __table_args__ = (
        UniqueConstraint("assessment_id", "provision_id", name="uq_provision_results_run_provision"),
        Index("ix_provision_results_system_provision", "system_id", "provision_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(Id, ForeignKey("assessments.id", ondelete="CASCADE"))
    system_id: Mapped[int] = mapped_column(Id, ForeignKey("systems.id", ondelete="CASCADE"))
    provision_id: Mapped[str] = mapped_column(String(32))
    principle_id: Mapped[str] = mapped_column(String(32))
    modality: Mapped[str] = mapped_column(String(16))
    stakeholders: Mapped[str] = mapped_column(String(200))  # comma-separated roles
    applicable: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(32))
    gap: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)  # the catalog's order


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_assessment_provision", "assessment_id", "provision_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(Id, ForeignKey("assessments.id", ondelete="CASCADE"))
    provision_id: Mapped[str] = mapped_column(String(32))
    check: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"items": [Evidence, ...]}
    remediation: Mapped[str | None] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    role: Mapped[str] = mapped_column(String(16))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its sha256 is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A token for ``aicop assess --push``: scoped to pushing runs, shown once, stored as its sha256
    (a token is 32 random bytes, so a fast hash is enough; argon2 is for guessable passwords)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to recognise it in a list
    scope: Mapped[str] = mapped_column(String(32), default="push")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


class AttestationRow(Base):
    """A person's statement for one provision of one system, through request → submit → decide."""

    __tablename__ = "attestations"
    __table_args__ = (Index("ix_attestations_system_provision", "system_id", "provision_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    system_id: Mapped[int] = mapped_column(Id, ForeignKey("systems.id", ondelete="CASCADE"))
    provision_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(100))  # the username asked to attest
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    claimed_status: Mapped[str | None] = mapped_column(String(16))  # met, partial, not_met
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    statement: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)

    system: Mapped[System] = relationship()


class ExclusionRow(Base):
    __tablename__ = "exclusions"
    __table_args__ = (UniqueConstraint("system_id", "provision_id", name="uq_exclusions_system_provision"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    system_id: Mapped[int] = mapped_column(Id, ForeignKey("systems.id", ondelete="CASCADE"))
    provision_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(100))
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Event(Base):
    """Who changed what, when. Append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class Setting(Base):
    """Values the deployment shares between its processes, such as the key CSRF tokens are signed with."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
