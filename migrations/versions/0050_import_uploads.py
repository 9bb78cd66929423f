"""Import jobs run from GraphQL (domain/imports/): the files uploaded for them, kept in
PostgreSQL in parts of about a megabyte (import_uploads, import_upload_parts) so that API
processes and workers on other hosts need no shared disk; and what import_jobs needs to be
run by a worker and shown with its progress: where it came from (CLI or API), whether it
is a dry run, its upload and mapping, generic options (a kind's flags), the rows expected
(for a progress bar), when it started, when its phase started and when it finished, the
error of a file that cannot be read at all (FAILED), QUEUED before a worker takes it and
CHECKED for a dry run whose every row is good, and the idempotency key of its start.

The uploads are program-wide, as import_jobs is: a file's bytes arrive at the coordinator
of a distributed PostgreSQL before they become any customer's rows.

Chained after 0048 on its branch; at merge it goes after 0049 (the purchases import).

Revision ID: 0050
Revises: 0048
Create Date: 2026-12-07 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0050"
down_revision: str | None = "0049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATUSES = "status IN ('STAGING', 'REJECTED', 'LOADING', 'DONE')"
_NEW_STATUSES = (
    "status IN ('QUEUED', 'STAGING', 'REJECTED', 'LOADING', 'DONE', 'CHECKED', 'FAILED')"
)


def upgrade() -> None:
    op.create_table(
        "import_uploads",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("bytes", sa.BigInteger),
        sa.Column("lines", sa.BigInteger),
        sa.Column("sha256", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_uploads")),
    )
    op.create_table(
        "import_upload_parts",
        sa.Column("upload_id", UUID(as_uuid=True), nullable=False),
        sa.Column("part_no", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["import_uploads.id"],
            name=op.f("fk_import_upload_parts_upload_id_import_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("upload_id", "part_no", name=op.f("pk_import_upload_parts")),
    )
    op.add_column("import_jobs", sa.Column("source", sa.Text, nullable=False, server_default="CLI"))
    op.add_column(
        "import_jobs",
        sa.Column("dry_run", sa.Boolean, nullable=False, server_default=sa.text("false")),
    )
    op.add_column("import_jobs", sa.Column("upload_id", UUID(as_uuid=True)))
    op.add_column("import_jobs", sa.Column("mapping", sa.Text))
    op.add_column(
        "import_jobs",
        sa.Column("options", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.add_column("import_jobs", sa.Column("rows_expected", sa.BigInteger))
    for name in ("started_at", "phase_started_at", "finished_at"):
        op.add_column("import_jobs", sa.Column(name, sa.DateTime(timezone=True)))
    op.add_column("import_jobs", sa.Column("error", sa.Text))
    op.add_column("import_jobs", sa.Column("idempotency_key", sa.Text))
    op.create_index(
        op.f("ix_import_jobs_idempotency_key"), "import_jobs", ["idempotency_key"], unique=True
    )
    op.create_check_constraint(
        op.f("ck_import_jobs_source_known"), "import_jobs", "source IN ('CLI', 'API')"
    )
    op.drop_constraint(op.f("ck_import_jobs_status_known"), "import_jobs", type_="check")
    op.create_check_constraint(op.f("ck_import_jobs_status_known"), "import_jobs", _NEW_STATUSES)


def downgrade() -> None:
    op.execute("DELETE FROM import_jobs WHERE status IN ('QUEUED', 'CHECKED', 'FAILED')")
    op.drop_constraint(op.f("ck_import_jobs_status_known"), "import_jobs", type_="check")
    op.create_check_constraint(op.f("ck_import_jobs_status_known"), "import_jobs", _OLD_STATUSES)
    op.drop_constraint(op.f("ck_import_jobs_source_known"), "import_jobs", type_="check")
    op.drop_index(op.f("ix_import_jobs_idempotency_key"), table_name="import_jobs")
    for name in (
        "idempotency_key",
        "error",
        "finished_at",
        "phase_started_at",
        "started_at",
        "rows_expected",
        "options",
        "mapping",
        "upload_id",
        "dry_run",
        "source",
    ):
        op.drop_column("import_jobs", name)
    op.drop_table("import_upload_parts")
    op.drop_table("import_uploads")
