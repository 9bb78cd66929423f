"""Internal notices: recipients per shop (or program-wide) and the kinds each receives, the
notices' settings (the large-adjustment threshold), each promotion start noticed, and how
far the notice jobs have looked. Program-wide, small tables: no customer_id (replicated to
every node on a distributed PostgreSQL).

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "'PROMOTION_STARTED', 'LARGE_ADJUSTMENT', 'GIFT_RUN_FINISHED', 'EXPIRY_RUN_FINISHED'"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "notice_recipients",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("shop", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("kinds", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("request_digest", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            f"cardinality(kinds) >= 1 AND kinds <@ ARRAY[{KINDS}]::text[]",
            name=op.f("ck_notice_recipients_kinds_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_recipients")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notice_recipients_idempotency_key")),
    )
    op.create_index(
        "uq_notice_recipients_program_email",
        "notice_recipients",
        ["email"],
        unique=True,
        postgresql_where=sa.text("shop IS NULL"),
    )
    op.create_index(
        "uq_notice_recipients_shop_email",
        "notice_recipients",
        ["shop", "email"],
        unique=True,
        postgresql_where=sa.text("shop IS NOT NULL"),
    )
    op.create_table(
        "notice_settings",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("large_adjustment_points", sa.Integer(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_notice_settings_one_row")),
        sa.CheckConstraint(
            "large_adjustment_points > 0", name=op.f("ck_notice_settings_threshold_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_settings")),
    )
    op.create_table(
        "notice_promotion_starts",
        sa.Column("promotion_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint(
            "promotion_id", "starts_at", name=op.f("pk_notice_promotion_starts")
        ),
    )
    op.create_table(
        "notice_watermarks",
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_notice_watermarks")),
    )


def downgrade() -> None:
    op.drop_table("notice_watermarks")
    op.drop_table("notice_promotion_starts")
    op.drop_table("notice_settings")
    op.drop_index("uq_notice_recipients_shop_email", table_name="notice_recipients")
    op.drop_index("uq_notice_recipients_program_email", table_name="notice_recipients")
    op.drop_table("notice_recipients")
