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
    Identity,
    Index,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

# A file's import: the same file (kind, bytes and mapping: `digest`) is one job, so a run
# of it again resumes it or, once DONE, changes nothing. STAGING: its rows are being
# checked and copied into import_rows (`last_line`: the last line staged); REJECTED: some
# rows were bad, nothing was loaded (`problems`: the first of them); LOADING: the staged
# rows are loaded chunk by chunk (`last_line`: the last line loaded); DONE.
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
    CheckConstraint("kind IN ('CUSTOMERS', 'BALANCES', 'PURCHASES')", name="kind_known"),
    CheckConstraint("status IN ('STAGING', 'REJECTED', 'LOADING', 'DONE')", name="status_known"),
    Index("ix_import_jobs_kind_digest", "kind", "digest", unique=True),
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
