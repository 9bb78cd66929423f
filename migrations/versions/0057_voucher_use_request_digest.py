"""Voucher uses keep what their key's request asked for (voucher_redemptions.request_digest,
the cart included): the same key sent with another cart is IDEMPOTENCY_CONFLICT instead of
a replay of the first discount. Uses made before keep none and replay as before.

Revision ID: 0057
Revises: 0056
Create Date: 2026-12-07 13:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0057"
down_revision: str | None = "0056"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("voucher_redemptions", sa.Column("request_digest", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("voucher_redemptions", "request_digest")
