"""Gift schedules and their runs (one per schedule and period, ever)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.metadata import metadata

gift_schedules = Table(
    "gift_schedules",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    # Five crontab fields, in UTC.
    Column("cron", Text, nullable=False),
    Column("points", BigInteger, nullable=False),
    # The note of each gift's ledger entry: what customers read in their history.
    Column("description", Text, nullable=False),
    # The customer filter; null criteria match everyone.
    Column("category_ids", ARRAY(BigInteger)),
    Column("min_balance", BigInteger),
    Column("max_balance", BigInteger),
    Column("registered_after", DateTime(timezone=True)),
    Column("registered_before", DateTime(timezone=True)),
    # A saved segment (funnels/segments) the customers must also be in; null: none.
    Column("segment", Text),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # Only periods after this run: set on creation, on a change of cron and on reactivation,
    # so neither a new schedule nor a resumed one pays for periods before it.
    Column("runs_from", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The key of the create that made it (null for schedules made before keys), and what
    # that create asked for (domain.idempotency.request_digest).
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("points > 0", name="points_positive"),
    CheckConstraint(
        "min_balance IS NULL OR max_balance IS NULL OR min_balance <= max_balance",
        name="balance_range",
    ),
)

gift_runs = Table(
    "gift_runs",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("schedule_id", BigInteger, ForeignKey("gift_schedules.id"), nullable=False),
    # The cron fire time this run stands for.
    Column("period", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Set in the same transaction as the claim and the credits: a visible run is finished.
    Column("finished_at", DateTime(timezone=True)),
    Column("customers_credited", BigInteger, nullable=False, server_default=text("0")),
    # Matching customers left out because the gift would take them over the balance ceiling.
    Column("customers_skipped", BigInteger, nullable=False, server_default=text("0")),
    Column("points_credited", BigInteger, nullable=False, server_default=text("0")),
    # The claim: a period runs once, whatever workers, restarts and duplicate messages do.
    UniqueConstraint("schedule_id", "period"),
)
