"""consult: drafts, responses, and identities kept apart from answers.

Revision ID: 0001_consult
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_consult"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("consult",)
depends_on: str | Sequence[str] | None = "0001_store"

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "consult_drafts",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=43), nullable=False),
        sa.Column("questionnaire", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("identity", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_as", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_drafts")),
        sa.UniqueConstraint("key", name=op.f("uq_consult_drafts_key")),
    )
    op.create_table(
        "consult_responses",
        sa.Column("id", ID, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("draft_key", sa.String(length=43), nullable=False),
        sa.Column("questionnaire", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_responses")),
        sa.UniqueConstraint("reference", name=op.f("uq_consult_responses_reference")),
        sa.UniqueConstraint("draft_key", name=op.f("uq_consult_responses_draft_key")),
    )
    op.create_table(
        "consult_identities",
        sa.Column("id", ID, nullable=False),
        sa.Column("response_id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["consult_responses.id"],
            name=op.f("fk_consult_identities_response_id_consult_responses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consult_identities")),
        sa.UniqueConstraint("response_id", name=op.f("uq_consult_identities_response_id")),
    )


def downgrade() -> None:
    op.drop_table("consult_identities")
    op.drop_table("consult_responses")
    op.drop_table("consult_drafts")
