"""Data protection (GDPR articles 15, 17 and 20): customers.erased_at and erased_by (an
erased customer's row stays, anonymized: the ledger and the reports name it), and the log
of data requests (each export and erasure, who asked and when).

data_requests belongs to a customer and carries customer_id (distributed by customer).

The ledger stays append-only with one exception an erasure needs: an entry whose actor is
the customer themselves (a customer token's, customer:<external ref>: personal data) may
have that actor, and nothing else, replaced by customer:erased. Every other change of an
entry, and every delete, is refused as before.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION ledger_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {allowed}
        RAISE EXCEPTION 'ledger_entries is append-only (% refused)', TG_OP
            USING ERRCODE = 'restrict_violation';
    END $$
"""
_ERASING_THE_ACTOR = """IF TG_OP = 'UPDATE' AND NEW.actor = 'customer:erased'
           AND OLD.actor LIKE 'customer:%'
           AND to_jsonb(NEW) - 'actor' = to_jsonb(OLD) - 'actor' THEN
            RETURN NEW;
        END IF;"""


def upgrade() -> None:
    op.execute(_APPEND_ONLY.format(allowed=_ERASING_THE_ACTOR))
    op.add_column("customers", sa.Column("erased_at", sa.DateTime(timezone=True)))
    op.add_column("customers", sa.Column("erased_by", sa.Text()))
    op.create_table(
        "data_requests",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("kind IN ('EXPORT', 'ERASURE')", name="ck_data_requests_kind_known"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_data_requests_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_data_requests"),
        sa.UniqueConstraint("idempotency_key", name="uq_data_requests_idempotency_key"),
    )
    op.create_index(
        "ix_data_requests_customer_id_created_at", "data_requests", ["customer_id", "created_at"]
    )


def downgrade() -> None:
    op.execute(_APPEND_ONLY.format(allowed=""))
    op.drop_index("ix_data_requests_customer_id_created_at", table_name="data_requests")
    op.drop_table("data_requests")
    op.drop_column("customers", "erased_by")
    op.drop_column("customers", "erased_at")
