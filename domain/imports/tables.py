"""Bulk imports: one row per file imported (its progress and report), and the rows of the
file being imported, checked and staged before they are loaded."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from domain.metadata import metadata

# A file's import: the same file (kind, bytes and mapping: `digest`) is one job, so a run
# of it again resumes it or, once DONE, changes nothing. STAGING: its rows are being
# checked and copied into import_rows (`last_line`: the last line staged); REJECTED: some
# rows were bad, nothing was loaded (`problems`: the first of them); LOADING: the staged
# rows are loaded chunk by chunk (`last_line`: the last line loaded); DONE.
# A job started from GraphQL (source API) is QUEUED until a worker takes it; its file is an
# upload (import_uploads) and its mapping's YAML is kept for the worker. A dry run is a job
# of its own (its digest is not the file's: it never stands for the import) that ends
# CHECKED (every row good) or REJECTED, writing nothing else. FAILED: the file could not be
# read at all (`error` says why). `rows_expected` is the file's estimated rows, for a
# progress bar; `phase_started_at` when the current status began (rows per second).
import_jobs = Table(
    "import_jobs",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("kind", Text, nullable=False),
    Column("digest", Text, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("rows_total", BigInteger, nullable=False, server_default=text("0")),
    Column("rows_done", BigInteger, nullable=False, server_default=text("0")),
    Column("rows_rejected", BigInteger, nullable=False, server_default=text("0")),
    Column("last_line", BigInteger, nullable=False, server_default=text("0")),
    Column("customers_created", BigInteger, nullable=False, server_default=text("0")),
    Column("balances_opened", BigInteger, nullable=False, server_default=text("0")),
    Column("points_opened", BigInteger, nullable=False, server_default=text("0")),
    # A purchases file's: orders created, orders already in Tessera (left as they were),
    # and the points the created ones earned (--earn).
    Column("purchases_created", BigInteger, nullable=False, server_default=text("0")),
    Column("purchases_skipped", BigInteger, nullable=False, server_default=text("0")),
    Column("points_earned", BigInteger, nullable=False, server_default=text("0")),
    Column("problems", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("source", Text, nullable=False, server_default="CLI"),
    Column("dry_run", Boolean, nullable=False, server_default=text("false")),
    Column("upload_id", UUID(as_uuid=True)),
    Column("mapping", Text),
    Column("options", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("rows_expected", BigInteger),
    Column("started_at", DateTime(timezone=True)),
    Column("phase_started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("error", Text),
    Column("idempotency_key", Text),
    # The runs that claimed an API job (running.ClaimRun): one that never finishes (a bug, a
    # file that crashes the worker) is FAILED after running.MAX_RUNS instead of being sent
    # again every minute for ever.
    Column("runs", Integer, nullable=False, server_default=text("0")),
    CheckConstraint("kind IN ('CUSTOMERS', 'BALANCES', 'PURCHASES')", name="kind_known"),
    CheckConstraint(
        "status IN ('QUEUED', 'STAGING', 'REJECTED', 'LOADING', 'DONE', 'CHECKED', 'FAILED')",
        name="status_known",
    ),
    CheckConstraint("source IN ('CLI', 'API')", name="source_known"),
    Index("ix_import_jobs_kind_digest", "kind", "digest", unique=True),
    Index("ix_import_jobs_idempotency_key", "idempotency_key", unique=True),
)

# A file uploaded for an import job (POST /imports/files), in parts of about a megabyte.
# `bytes`, `lines` and `sha256` are set when the whole body has arrived (completed_at); an
# upload never completed, or older than a day and needed by no unfinished job, is deleted.
import_uploads = Table(
    "import_uploads",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("bytes", BigInteger),
    Column("lines", BigInteger),
    Column("sha256", Text),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True)),
)

import_upload_parts = Table(
    "import_upload_parts",
    metadata,
    Column("upload_id", UUID(as_uuid=True), ForeignKey(import_uploads.c.id, ondelete="CASCADE")),
    Column("part_no", Integer),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("upload_id", "part_no"),
)

# The checked, normalised rows of a job's file, by line (the line a row starts on), as
# COPY wrote them; deleted when the job is DONE or REJECTED. Customers', balances' and
# purchases' columns in one table: a file leaves the others' null. A purchases row is an
# order line: its customer's reference in external_ref, and `order_no`, the number of its
# order in the file (by the order's first line), by which its orders load.
import_rows = Table(
    "import_rows",
    metadata,
    Column("job_id", BigInteger, nullable=False),
    Column("line", BigInteger, nullable=False),
    Column("external_ref", Text, nullable=False),
    Column("email", Text),
    Column("phone", Text),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("locale", Text),
    Column("time_zone", Text),
    Column("birth_date", Date),
    Column("consent_email", Boolean),
    Column("consent_sms", Boolean),
    Column("points", BigInteger, nullable=False, server_default=text("0")),
    Column("expires_at", DateTime(timezone=True)),
    Column("order_no", BigInteger),
    Column("order_id", Text),
    Column("shop", Text),
    Column("occurred_at", DateTime(timezone=True)),
    Column("status", Text),
    Column("channel", Text),
    Column("sku", Text),
    Column("quantity", BigInteger),
    Column("unit_price_minor", BigInteger),
    Column("product_line", Text),
    Column("discounted", Boolean),
    PrimaryKeyConstraint("job_id", "line"),
    Index(
        "ix_import_rows_job_id_order_no",
        "job_id",
        "order_no",
        postgresql_where=text("order_no IS NOT NULL"),
    ),
)
