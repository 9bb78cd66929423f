"""Whether the part of an order paid with points earns points (by default it does not).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:49:37.043136
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "redemption_rules",
        sa.Column(
            "earn_on_points_paid", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_column("redemption_rules", "earn_on_points_paid")
