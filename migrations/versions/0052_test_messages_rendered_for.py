"""messages.rendered_for_customer_id: the customer whose facts a test message
(sendTestMessage with a customer) was rendered with. Such a message is no message of hers
(customer_id stays null: it went to staff), but it holds her data: her export lists it and
her erasure empties it, found through this column (a partial index: only test messages
rendered for a customer have one).

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-07 10:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0052"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("rendered_for_customer_id", sa.BigInteger()))
    op.create_index(
        "ix_messages_rendered_for",
        "messages",
        ["rendered_for_customer_id"],
        postgresql_where=sa.text("rendered_for_customer_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_rendered_for", table_name="messages")
    op.drop_column("messages", "rendered_for_customer_id")
