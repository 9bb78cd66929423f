"""Refunds record the earned points they did not take back because they had already
expired from the order's lot.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 23:28:26.568258
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "refunds",
        sa.Column("points_expired", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("refunds", "points_expired")
