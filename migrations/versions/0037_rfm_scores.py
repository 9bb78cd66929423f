"""RFM scores: the runs of the RFM job (their moment, window and quintile cutoffs) and each
scored customer's recency, frequency and monetary scores (domain/analytics).

rfm_scores belongs to a customer and is keyed by customer_id. rfm_runs is program-wide (a
few rows a day, no customer_id): it could be replicated to every node of a distributed
database.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 15:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rfm_runs",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_days", sa.Integer, nullable=False),
        sa.Column("recency_cutoffs", postgresql.ARRAY(sa.BigInteger), nullable=False),
        sa.Column("frequency_cutoffs", postgresql.ARRAY(sa.BigInteger), nullable=False),
        sa.Column("monetary_cutoffs", postgresql.ARRAY(sa.BigInteger), nullable=False),
        sa.Column("customers_scored", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("window_days > 0", name="ck_rfm_runs_window_positive"),
        sa.CheckConstraint("customers_scored >= 0", name="ck_rfm_runs_customers_nonnegative"),
        sa.PrimaryKeyConstraint("id", name="pk_rfm_runs"),
        sa.UniqueConstraint("idempotency_key", name="uq_rfm_runs_idempotency_key"),
    )
    op.create_table(
        "rfm_scores",
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("recency", sa.SmallInteger, nullable=False),
        sa.Column("frequency", sa.SmallInteger, nullable=False),
        sa.Column("monetary", sa.SmallInteger, nullable=False),
        sa.Column("orders", sa.BigInteger, nullable=False),
        sa.Column("spend_minor", sa.BigInteger, nullable=False),
        sa.Column("last_purchase_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.BigInteger, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "recency BETWEEN 1 AND 5 AND frequency BETWEEN 1 AND 5 AND monetary BETWEEN 1 AND 5",
            name="ck_rfm_scores_scores_range",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_rfm_scores_customer_id_customers"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["rfm_runs.id"], name="fk_rfm_scores_run_id_rfm_runs"),
        sa.PrimaryKeyConstraint("customer_id", name="pk_rfm_scores"),
    )
    op.create_index("ix_rfm_scores_run_id", "rfm_scores", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_rfm_scores_run_id", table_name="rfm_scores")
    op.drop_table("rfm_scores")
    op.drop_table("rfm_runs")
