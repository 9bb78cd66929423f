"""Messaging limits: frequency caps per channel, quiet hours, the program's default time
zone (notifications/fatigue). A program-wide table of at most three rows per program, so it
carries no customer_id (it could be replicated to every node).

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "messaging_limits",
        sa.Column("program_id", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("cap_messages", sa.Integer),
        sa.Column("cap_period", sa.Integer),
        sa.Column("cap_period_unit", sa.Text),
        sa.Column("quiet_start", sa.Time),
        sa.Column("quiet_end", sa.Time),
        sa.Column("time_zone", sa.Text),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("updated_by", sa.Text),
        sa.PrimaryKeyConstraint("program_id", "scope", name="pk_messaging_limits"),
        sa.CheckConstraint(
            "scope IN ('PROGRAM', 'EMAIL', 'SMS')", name="ck_messaging_limits_scope"
        ),
        sa.CheckConstraint(
            "(cap_messages IS NULL) = (cap_period IS NULL) "
            "AND (cap_period IS NULL) = (cap_period_unit IS NULL)",
            name="ck_messaging_limits_cap_whole",
        ),
        sa.CheckConstraint("cap_messages >= 1", name="ck_messaging_limits_cap_messages"),
        sa.CheckConstraint(
            "(cap_period_unit = 'HOURS' AND cap_period BETWEEN 1 AND 8784) "
            "OR (cap_period_unit = 'DAYS' AND cap_period BETWEEN 1 AND 366)",
            name="ck_messaging_limits_cap_period",
        ),
        sa.CheckConstraint(
            "(quiet_start IS NULL) = (quiet_end IS NULL) AND quiet_start <> quiet_end",
            name="ck_messaging_limits_quiet_hours",
        ),
        sa.CheckConstraint(
            "scope = 'PROGRAM' OR time_zone IS NULL", name="ck_messaging_limits_time_zone_scope"
        ),
        sa.CheckConstraint(
            "scope <> 'PROGRAM' OR cap_messages IS NULL", name="ck_messaging_limits_cap_scope"
        ),
    )


def downgrade() -> None:
    op.drop_table("messaging_limits")
