"""Outbound webhooks (domain/webhooks): subscriptions to the domain events, and one delivery
per subscription and event with its attempts, lease and outcome.

Subscriptions are program-wide settings (a small table). Deliveries carry the event's
customer_id (their order is per customer) but are keyed by their subscription: on a
distributed PostgreSQL they would be distributed by subscription, the table the sender
scans by.

Notice recipients may receive WEBHOOK_DISABLED: a run of failures disabled a subscription.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTICES_BEFORE = (
    "PROMOTION_STARTED",
    "LARGE_ADJUSTMENT",
    "GIFT_RUN_FINISHED",
    "EXPIRY_RUN_FINISHED",
    "FUNNEL_STEP",
)
NOTICES_AFTER = (*NOTICES_BEFORE, "WEBHOOK_DISABLED")


def _notice_kinds(kinds: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    op.drop_constraint(op.f("ck_notice_recipients_kinds_known"), "notice_recipients", type_="check")
    op.create_check_constraint(
        op.f("ck_notice_recipients_kinds_known"),
        "notice_recipients",
        f"cardinality(kinds) >= 1 AND kinds <@ ARRAY[{listed}]::text[]",
    )


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event_types", ARRAY(sa.Text), nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
        sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
        sa.Column("request_digest", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "subscription_id",
            sa.BigInteger,
            sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_id", sa.BigInteger, nullable=False),
        sa.Column("customer_id", sa.BigInteger),
        sa.Column("queue_key", sa.BigInteger, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'PENDING'")),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column(
            "retry_from", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("redelivery_key", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_event"),
        sa.CheckConstraint(
            "status IN ('PENDING', 'DELIVERED', 'FAILED')", name="ck_webhook_deliveries_status"
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_pending",
        "webhook_deliveries",
        ["subscription_id", "queue_key", "event_id"],
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_index(
        "ix_webhook_deliveries_subscription", "webhook_deliveries", ["subscription_id", "id"]
    )
    _notice_kinds(NOTICES_AFTER)


def downgrade() -> None:
    op.execute("UPDATE notice_recipients SET kinds = array_remove(kinds, 'WEBHOOK_DISABLED')")
    op.execute("DELETE FROM notice_recipients WHERE cardinality(kinds) = 0")
    _notice_kinds(NOTICES_BEFORE)
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
