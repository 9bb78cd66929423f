"""The engine's tables: where each enrollment stands, every step it ran, the goals it
reached, and the clock entries' occurrences. This package owns them.

- `funnel_enrollments`: one row per entry, numbered per funnel and customer (the re-entry
  rules read the latest; the unique number keeps two entries at once from both passing):
  the step it stands at (`step_id`), when that step is due (`due_at`: a wait is a stored
  time, never a sleeping thread or a delayed message), how many steps it ran (`step_seq`:
  the next run's number), its status and the values its steps left for the next ones
  (`context`, e.g. the voucher code a send step shows).
- `funnel_step_runs`: one row per step an enrollment ran, keyed (enrollment, seq): the key
  that makes each step run at most once, used as the ledger's idempotency key, the message
  dedupe key and the voucher assignment key of what the step did."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

# No foreign keys on the enrollments, their runs and goals (migration 0032): every row is
# written set-based from rows read in the same statement (customers and funnels that exist,
# the enrollment locked), and no customer, funnel or enrollment is ever deleted; a
# campaign's million entries spent most of their time in a million key checks each.
funnel_enrollments = Table(
    "funnel_enrollments",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("funnel_id", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("customer_id", BigInteger, nullable=False),
    Column("entry_no", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("step_id", Text),
    Column("step_seq", Integer, nullable=False, server_default=text("0")),
    Column("due_at", DateTime(timezone=True)),
    # At a wait step: true once it has arrived there and its wake-up time is `due_at`.
    Column("waiting", Boolean, nullable=False, server_default=text("false")),
    Column("context", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("exit_reason", Text),
    Column("entered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    UniqueConstraint("funnel_id", "customer_id", "entry_no"),
    CheckConstraint("status IN ('ACTIVE', 'COMPLETED', 'EXITED', 'FAILED')", name="status_known"),
    CheckConstraint(
        "(status = 'ACTIVE') = (step_id IS NOT NULL AND due_at IS NOT NULL)",
        name="active_has_a_step",
    ),
)
# The engine's question: which active enrollments are due, oldest first (due time, then id:
# the order batches take them in, so a batch reads its rows off the index in order).
Index(
    "ix_funnel_enrollments_due",
    funnel_enrollments.c.due_at,
    funnel_enrollments.c.id,
    postgresql_where=text("status = 'ACTIVE'"),
)
Index("ix_funnel_enrollments_customer", funnel_enrollments.c.customer_id)


def _step_of_enrollment() -> list[Column[Any]]:
    """The enrollment a row is about, and the step of which funnel version it ran."""
    return [
        Column("enrollment_id", BigInteger, nullable=False),
        Column("funnel_id", BigInteger, nullable=False),
        Column("version", Integer, nullable=False),
        Column("step_id", Text, nullable=False),
    ]


funnel_step_runs = Table(
    "funnel_step_runs",
    metadata,
    *_step_of_enrollment(),
    Column("seq", Integer, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("detail", JSONB),
    Column("ran_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("enrollment_id", "seq"),
)
# A goal an enrollment reached: its window opens when the enrollment runs the goal step
# (`opened_at` to `until`); the customer's first purchase within it converts it
# (`converted_at`, the purchase's event and revenue). Once per enrollment and goal name.
funnel_goals = Table(
    "funnel_goals",
    metadata,
    *_step_of_enrollment(),
    Column("goal", Text, nullable=False),
    Column("customer_id", BigInteger, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
    Column("converted_at", DateTime(timezone=True)),
    Column("event_id", BigInteger),
    Column("revenue_minor", BigInteger),
    PrimaryKeyConstraint("enrollment_id", "goal"),
)
# Purchases look for their customer's open goals.
Index(
    "ix_funnel_goals_open",
    funnel_goals.c.customer_id,
    postgresql_where=text("converted_at IS NULL"),
)
Index(
    "ix_funnel_step_runs_step",
    funnel_step_runs.c.funnel_id,
    funnel_step_runs.c.version,
    funnel_step_runs.c.step_id,
)

# The entries a funnel made from its schedule or as a campaign, one row per occurrence
# (`tick`: the campaign's, or the schedule's fire time), written in the transaction that
# enters its customers: an occurrence enters them once, whoever runs it and however often.
funnel_entry_ticks = Table(
    "funnel_entry_ticks",
    metadata,
    Column("funnel_id", BigInteger, ForeignKey("funnels.id", ondelete="CASCADE"), nullable=False),
    Column("tick", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("entered", Integer, nullable=False),
    Column("ran_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("funnel_id", "tick"),
)
