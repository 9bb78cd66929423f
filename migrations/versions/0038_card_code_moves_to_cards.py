"""A customer's card code lives only in `cards` now: `customers.card_code` goes (0035 copied
every code into `cards` as the customer's primary card, and the code reads cards since).
Downgrade puts the primary card's code back (a primary card is never REPLACED, and live
codes are unique, so the restored column's unique constraint holds).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Codes written to customers.card_code after 0035 ran (an older server still running
    # during the upgrade) become primary cards too, before the column goes.
    op.execute(
        """
        INSERT INTO card_series (name, type)
        SELECT 'Loyalty card', 'POINTS'
         WHERE EXISTS (SELECT 1 FROM customers c WHERE c.card_code IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM cards k WHERE k.code = c.card_code))
        ON CONFLICT (name) DO NOTHING
        """
    )
    op.execute(
        """
        INSERT INTO cards (customer_id, series_id, code, type, status, is_primary, issued_at)
        SELECT c.id, s.id, c.card_code, 'POINTS', 'ACTIVE',
               NOT EXISTS (SELECT 1 FROM cards p WHERE p.customer_id = c.id AND p.is_primary),
               c.created_at
          FROM customers c JOIN card_series s ON s.name = 'Loyalty card'
         WHERE c.card_code IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM cards k WHERE k.code = c.card_code)
         ORDER BY c.id
        """
    )
    op.drop_constraint("uq_customers_card_code", "customers", type_="unique")
    op.drop_column("customers", "card_code")


def downgrade() -> None:
    op.add_column("customers", sa.Column("card_code", sa.Text))
    op.execute(
        """
        UPDATE customers c SET card_code = k.code
          FROM cards k
         WHERE k.customer_id = c.id AND k.is_primary AND k.status <> 'REPLACED'
        """
    )
    op.create_unique_constraint("uq_customers_card_code", "customers", ["card_code"])
