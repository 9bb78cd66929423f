"""Customers found by phone: an inbound SMS (STOP, START) names its sender by number, stored
in E.164 since 0018.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 23:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_customers_phone", "customers", ["phone"])


def downgrade() -> None:
    op.drop_index("ix_customers_phone", table_name="customers")
