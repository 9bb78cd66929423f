"""Funnel enrollments, step runs and goals without foreign keys: each is written set-based
from rows read in the same statement (customers, funnels, the locked enrollment), and no
customer, funnel or enrollment is ever deleted, so the keys only cost: a campaign's million
entries ran a million checks against customers (each one also writing a row lock on the
customer's page) and a million against funnels, most of the entry's time.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 07:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, referred table, ON DELETE)
KEYS = (
    ("funnel_enrollments", "funnel_id", "funnels", "CASCADE"),
    ("funnel_enrollments", "customer_id", "customers", None),
    ("funnel_step_runs", "enrollment_id", "funnel_enrollments", "CASCADE"),
    ("funnel_goals", "enrollment_id", "funnel_enrollments", "CASCADE"),
)


def upgrade() -> None:
    for table, column, referred, _ in KEYS:
        op.drop_constraint(op.f(f"fk_{table}_{column}_{referred}"), table, type_="foreignkey")


def downgrade() -> None:
    for table, column, referred, on_delete in KEYS:
        op.create_foreign_key(
            op.f(f"fk_{table}_{column}_{referred}"), table, referred, [column], ["id"],
            ondelete=on_delete,
        )  # fmt: skip
