"""Messages: the outbox their sending works from and the delivery log (notifications).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 23:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = (
    "QUEUED", "DEFERRED", "SENDING", "SENT", "DELIVERED", "FAILED", "SUPPRESSED", "UNCERTAIN",
    "CAPTURED",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("customer_id", sa.BigInteger),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("dedupe_key", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("template_id", sa.BigInteger),
        sa.Column("template_version", sa.Integer),
        sa.Column("content", JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'QUEUED'")),
        sa.Column("status_reason", sa.Text),
        sa.Column("provider_id", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text),
        sa.Column("not_before", sa.DateTime(timezone=True)),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("handed_at", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("dedupe_key", name="uq_messages_dedupe_key"),
        sa.CheckConstraint("channel IN ('EMAIL', 'SMS', 'MMS')", name="ck_messages_channel"),
        sa.CheckConstraint("purpose IN ('MARKETING', 'TRANSACTIONAL')", name="ck_messages_purpose"),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in _STATUSES) + ")",
            name="ck_messages_status",
        ),
        sa.CheckConstraint("attempts >= 0", name="ck_messages_attempts"),
    )
    op.create_index("ix_messages_customer_created", "messages", ["customer_id", "created_at"])
    op.create_index(
        "ix_messages_pending",
        "messages",
        ["status", "not_before"],
        postgresql_where=sa.text("status IN ('QUEUED', 'DEFERRED', 'SENDING')"),
    )


def downgrade() -> None:
    op.drop_table("messages")
