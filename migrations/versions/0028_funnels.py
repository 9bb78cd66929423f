"""Funnel definitions and their versions (funnels/definitions). Program-wide tables of a
few rows per funnel, so they carry no customer_id (they could be replicated to every node).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funnels",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_funnels"),
        sa.UniqueConstraint("name", name="uq_funnels_name"),
        sa.CheckConstraint(
            "status IN ('DRAFT', 'ACTIVE', 'PAUSED', 'ARCHIVED')", name="ck_funnels_status_known"
        ),
        sa.CheckConstraint("current_version >= 1", name="ck_funnels_current_version_positive"),
    )
    op.create_table(
        "funnel_versions",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("funnel_id", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("definition", postgresql.JSONB, nullable=False),
        sa.Column("migration", postgresql.JSONB),
        sa.Column("idempotency_key", sa.Text),
        sa.Column("request_digest", sa.Text),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_funnel_versions"),
        sa.ForeignKeyConstraint(
            ["funnel_id"],
            ["funnels.id"],
            name="fk_funnel_versions_funnel_id_funnels",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("funnel_id", "version", name="uq_funnel_versions_funnel_id_version"),
        sa.UniqueConstraint("idempotency_key", name="uq_funnel_versions_idempotency_key"),
        sa.CheckConstraint("version >= 1", name="ck_funnel_versions_version_positive"),
    )


def downgrade() -> None:
    op.drop_table("funnel_versions")
    op.drop_table("funnels")
