"""The due enrollments' index in the order the engine takes them (due time, then id): a
campaign enters a million customers due at the same moment, and an index of the due time
alone made every batch sort all of them by id again to take its oldest 10,000 (about a
second a batch at a million, most of the batch's statements' time).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 10:35:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_funnel_enrollments_due"
ACTIVE = "status = 'ACTIVE'"


def upgrade() -> None:
    op.drop_index(NAME, table_name="funnel_enrollments")
    op.create_index(NAME, "funnel_enrollments", ["due_at", "id"], postgresql_where=ACTIVE)


def downgrade() -> None:
    op.drop_index(NAME, table_name="funnel_enrollments")
    op.create_index(NAME, "funnel_enrollments", ["due_at"], postgresql_where=ACTIVE)
