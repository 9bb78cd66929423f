"""An erased customer keeps no idempotency key or request fingerprint: a platform's key
(woocommerce:<shop>:customer:<email>) holds their email. Erasures from now on empty both
(domain.customers.customer_data); this empties those of customers erased before.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-07 10:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0053"
down_revision: str | None = "0052"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE customers SET idempotency_key = NULL, request_digest = NULL"
        " WHERE erased_at IS NOT NULL"
        " AND (idempotency_key IS NOT NULL OR request_digest IS NOT NULL)"
    )


def downgrade() -> None:
    pass  # what was emptied stays empty
