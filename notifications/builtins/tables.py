"""The built-in notifications' settings, and the daily expiry reminders' progress; this
package owns both tables (program-wide, a few rows: no customer_id)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.metadata import metadata

KINDS = (
    "POINTS_EARNED", "THRESHOLD_REACHED", "POINTS_EXPIRING", "BADGE_UNLOCKED", "VOUCHER_ISSUED",
    "REWARD_CLAIMED",
)  # fmt: skip

# One row per kind once a manager has set it; no row: off, without templates.
builtin_notifications = Table(
    "builtin_notifications",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("enabled", Boolean, nullable=False, server_default=text("false")),
    Column("email_template_id", BigInteger, ForeignKey("message_templates.id")),
    # An SMS or MMS template.
    Column("text_template_id", BigInteger, ForeignKey("message_templates.id")),
    # THRESHOLD_REACHED: the balances notified on an upward crossing, ascending.
    Column("thresholds", ARRAY(BigInteger), nullable=False, server_default=text("'{}'")),
    # POINTS_EXPIRING: how many days before a lot's expiry date its reminder goes.
    Column("days_before", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", Text),
    CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name="kind"),
    CheckConstraint("days_before BETWEEN 1 AND 365", name="days_before"),
)

# One row per lot expiry date reminded: how far the daily run got (customers in id order),
# so a run cut short continues, and a second run the same day waits for the first and then
# finds the date done.
expiry_reminder_runs = Table(
    "expiry_reminder_runs",
    metadata,
    Column("lot_date", Date, primary_key=True),
    Column("after_customer_id", BigInteger, nullable=False, server_default=text("0")),
    Column("customers", BigInteger, nullable=False, server_default=text("0")),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
)
