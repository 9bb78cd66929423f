"""import_jobs.runs: the runs that claimed an API import job, so that one whose runs keep
dying is FAILED after a few instead of being sent to the workers every minute for ever.

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 01:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0051"
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "import_jobs",
        sa.Column("runs", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )


def downgrade() -> None:
    op.drop_column("import_jobs", "runs")
