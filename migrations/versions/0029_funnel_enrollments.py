"""The funnel engine's tables (funnels/engine/tables.py): enrollments (where each entry
stands and when its step is due), step runs (one row per step an enrollment ran: the key
that runs each step at most once), goals, and the clock entries' occurrences.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funnel_enrollments",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("funnel_id", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("entry_no", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("step_id", sa.Text),
        sa.Column("step_seq", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("waiting", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column(
            "context", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
        sa.Column("exit_reason", sa.Text),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(["funnel_id"], ["funnels.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("funnel_id", "customer_id", "entry_no"),
        sa.CheckConstraint(
            "status IN ('ACTIVE', 'COMPLETED', 'EXITED', 'FAILED')", name="status_known"
        ),
        sa.CheckConstraint(
            "(status = 'ACTIVE') = (step_id IS NOT NULL AND due_at IS NOT NULL)",
            name="active_has_a_step",
        ),
    )
    op.create_index(
        "ix_funnel_enrollments_due",
        "funnel_enrollments",
        ["due_at"],
        postgresql_where=sa.text("status = 'ACTIVE'"),
    )
    op.create_index("ix_funnel_enrollments_customer", "funnel_enrollments", ["customer_id"])
    op.create_table(
        "funnel_step_runs",
        sa.Column("enrollment_id", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("funnel_id", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("step_id", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("detail", postgresql.JSONB),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["funnel_enrollments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("enrollment_id", "seq"),
    )
    op.create_table(
        "funnel_goals",
        sa.Column("enrollment_id", sa.BigInteger, nullable=False),
        sa.Column("goal", sa.Text, nullable=False),
        sa.Column("funnel_id", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("step_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("converted_at", sa.DateTime(timezone=True)),
        sa.Column("event_id", sa.BigInteger),
        sa.Column("revenue_minor", sa.BigInteger),
        sa.ForeignKeyConstraint(["enrollment_id"], ["funnel_enrollments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("enrollment_id", "goal"),
    )
    op.create_index(
        "ix_funnel_goals_open",
        "funnel_goals",
        ["customer_id"],
        postgresql_where=sa.text("converted_at IS NULL"),
    )
    op.create_index(
        "ix_funnel_step_runs_step", "funnel_step_runs", ["funnel_id", "version", "step_id"]
    )
    op.create_table(
        "funnel_entry_ticks",
        sa.Column("funnel_id", sa.BigInteger, nullable=False),
        sa.Column("tick", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("entered", sa.Integer, nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["funnel_id"], ["funnels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("funnel_id", "tick"),
    )


def downgrade() -> None:
    op.drop_table("funnel_entry_ticks")
    op.drop_table("funnel_goals")
    op.drop_table("funnel_step_runs")
    op.drop_table("funnel_enrollments")
