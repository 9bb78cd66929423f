"""The customer area's introduction text, written by the shop.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 22:47:52.894772
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_area_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_area_settings")),
    )


def downgrade() -> None:
    op.drop_table("customer_area_settings")
