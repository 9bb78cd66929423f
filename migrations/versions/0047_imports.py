"""Bulk imports (domain/imports/): import_jobs, one row per file imported (its progress and
its report of bad rows), and import_rows, a file's checked rows staged by COPY before
set-based statements load them. The ledger's new OPENING kind needs nothing here (kinds
are not constrained in the database).

Both tables are program-wide: import_rows is keyed by job and line, not by customer (its
rows become customers only when loaded); on a distributed PostgreSQL it would live on the
coordinator, as a file's rows arrive there.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        *(
            sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0"))
            for name in (
                "rows_total",
                "rows_done",
                "rows_rejected",
                "last_line",
                "customers_created",
                "balances_opened",
                "points_opened",
            )
        ),
        sa.Column("problems", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "kind IN ('CUSTOMERS', 'BALANCES')", name=op.f("ck_import_jobs_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('STAGING', 'REJECTED', 'LOADING', 'DONE')",
            name=op.f("ck_import_jobs_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index(
        op.f("ix_import_jobs_kind_digest"), "import_jobs", ["kind", "digest"], unique=True
    )
    op.create_table(
        "import_rows",
        sa.Column("job_id", sa.BigInteger, nullable=False),
        sa.Column("line", sa.BigInteger, nullable=False),
        sa.Column("external_ref", sa.Text, nullable=False),
        *(
            sa.Column(name, sa.Text)
            for name in ("email", "phone", "first_name", "last_name", "locale", "time_zone")
        ),
        sa.Column("birth_date", sa.Date),
        sa.Column("consent_email", sa.Boolean),
        sa.Column("consent_sms", sa.Boolean),
        sa.Column("points", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("job_id", "line", name=op.f("pk_import_rows")),
    )


def downgrade() -> None:
    op.drop_table("import_rows")
    op.drop_index(op.f("ix_import_jobs_kind_digest"), table_name="import_jobs")
    op.drop_table("import_jobs")
