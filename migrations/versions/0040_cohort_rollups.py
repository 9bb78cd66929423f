"""Cohort rollups: the order in which purchases were made (purchases.made_seq, stamped by a
trigger the moment a purchase is PAID or COMPLETED, whatever writes it), and the analytics'
rollups of the cohorts report (domain/analytics/cohort_rollups.py) with their watermarks,
and an index of customers by registration time.

cohort_activity and cohort_registrations are program-wide (per registration day and
activity month, no customer_id): on a distributed PostgreSQL each node would roll up its own
customers and the report would add the nodes' rows. cohort_buyer_months belongs to a
customer and is keyed by customer_id. Existing made purchases are numbered in id order;
nothing is rolled up here: the job's first run does it (on a large database, run
`tessera rollup-ledger` once after this migration).

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 18:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MADE = "('PAID', 'COMPLETED')"


def upgrade() -> None:
    op.execute("CREATE SEQUENCE purchases_made_seq AS bigint CACHE 1")
    op.add_column("purchases", sa.Column("made_seq", sa.BigInteger))
    op.execute(f"""
        UPDATE purchases p SET made_seq = n.seq
          FROM (SELECT id, nextval('purchases_made_seq') AS seq
                  FROM (SELECT id FROM purchases WHERE status IN {_MADE} ORDER BY id) o) n
         WHERE p.id = n.id""")
    op.create_index(
        "ux_purchases_made_seq",
        "purchases",
        ["made_seq"],
        unique=True,
        postgresql_where=sa.text("made_seq IS NOT NULL"),
    )
    op.execute("""
        CREATE FUNCTION stamp_purchase_made() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.made_seq := nextval('purchases_made_seq');
            RETURN NEW;
        END $$""")
    op.execute(f"""
        CREATE TRIGGER purchases_made_seq BEFORE INSERT OR UPDATE OF status ON purchases
           FOR EACH ROW WHEN (NEW.status IN {_MADE} AND NEW.made_seq IS NULL)
           EXECUTE FUNCTION stamp_purchase_made()""")
    op.create_table(
        "analytics_rollup_state",
        sa.Column("stream", sa.Text, nullable=False),
        sa.Column("rolled_to", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("pending_to", sa.BigInteger),
        sa.Column("pending_vxids", postgresql.ARRAY(sa.Text)),
        sa.Column("pending_at", sa.DateTime(timezone=True)),
        sa.Column("rolled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "pending_to IS NULL OR pending_to > rolled_to",
            name="ck_analytics_rollup_state_pending_ahead",
        ),
        sa.PrimaryKeyConstraint("stream", name="pk_analytics_rollup_state"),
    )
    op.create_table(
        "cohort_activity",
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("buyers", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("earned", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("spent", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("expired", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("registered_on", "month", name="pk_cohort_activity"),
    )
    op.create_table(
        "cohort_registrations",
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("registered", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("registered_on", name="pk_cohort_registrations"),
    )
    op.create_index("ix_customers_created_at", "customers", ["created_at"])
    op.create_table(
        "cohort_buyer_months",
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_cohort_buyer_months_customer_id_customers",
        ),
        sa.PrimaryKeyConstraint("customer_id", "month", name="pk_cohort_buyer_months"),
    )
    # Statistics for the new column and index, so that the reports' tail reads (made_seq
    # above the watermark) use the index before autovacuum gets round to it.
    op.execute("ANALYZE purchases")
    op.execute("ANALYZE customers")


def downgrade() -> None:
    op.drop_table("cohort_buyer_months")
    op.drop_index("ix_customers_created_at", table_name="customers")
    op.drop_table("cohort_registrations")
    op.drop_table("cohort_activity")
    op.drop_table("analytics_rollup_state")
    op.execute("DROP TRIGGER purchases_made_seq ON purchases")
    op.execute("DROP FUNCTION stamp_purchase_made()")
    op.drop_index("ux_purchases_made_seq", table_name="purchases")
    op.drop_column("purchases", "made_seq")
    op.execute("DROP SEQUENCE purchases_made_seq")
