"""The dispatcher starts: every event recorded before it is marked published (a program's
whole history must not be mailed when notifications are switched on); the built-in
notifications' settings and the expiry reminders' progress (notifications/builtins).

Both new tables are program-wide and small (one row per kind, one per reminded date), so
they carry no customer_id.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = (
    "POINTS_EARNED", "THRESHOLD_REACHED", "POINTS_EXPIRING", "BADGE_UNLOCKED", "VOUCHER_ISSUED",
    "REWARD_CLAIMED",
)  # fmt: skip


def upgrade() -> None:
    # Before notifications existed nothing consumed events: they are history, not news.
    op.execute("UPDATE domain_events SET published_at = now() WHERE published_at IS NULL")
    op.create_table(
        "builtin_notifications",
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("email_template_id", sa.BigInteger),
        sa.Column("text_template_id", sa.BigInteger),
        sa.Column(
            "thresholds", ARRAY(sa.BigInteger), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column("days_before", sa.Integer),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("updated_by", sa.Text),
        sa.ForeignKeyConstraint(
            ["email_template_id"],
            ["message_templates.id"],
            name="fk_builtin_notifications_email_template_id_message_templates",
        ),
        sa.ForeignKeyConstraint(
            ["text_template_id"],
            ["message_templates.id"],
            name="fk_builtin_notifications_text_template_id_message_templates",
        ),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in _KINDS) + ")",
            name="ck_builtin_notifications_kind",
        ),
        sa.CheckConstraint(
            "days_before BETWEEN 1 AND 365", name="ck_builtin_notifications_days_before"
        ),
        sa.PrimaryKeyConstraint("kind", name="pk_builtin_notifications"),
    )
    op.create_table(
        "expiry_reminder_runs",
        sa.Column("lot_date", sa.Date, nullable=False),
        sa.Column("after_customer_id", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("customers", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("lot_date", name="pk_expiry_reminder_runs"),
    )


def downgrade() -> None:
    op.drop_table("expiry_reminder_runs")
    op.drop_table("builtin_notifications")
    # The events marked published stay so: nothing tells them from those dispatched since.
