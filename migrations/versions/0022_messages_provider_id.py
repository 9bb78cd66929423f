"""Messages found by their provider's id: Twilio's status callbacks name the message by its
SID.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 23:58:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_messages_provider_id", "messages", ["provider_id"])


def downgrade() -> None:
    op.drop_index("ix_messages_provider_id", table_name="messages")
