"""The messaging limits: one row per scope of a program (the program itself, EMAIL, SMS)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Time,
    func,
    text,
)

from domain.metadata import metadata

messaging_limits = Table(
    "messaging_limits",
    metadata,
    Column("program_id", Integer, nullable=False, server_default=text("1")),
    # PROGRAM: the program-wide quiet hours and default time zone; EMAIL, SMS (MMS counts as
    # SMS): the channel's cap and its own quiet hours. No row: nothing set for that scope.
    Column("scope", Text, nullable=False),
    # At most cap_messages marketing messages in any cap_period cap_period_unit (a sliding
    # window); all three null: no cap.
    Column("cap_messages", Integer),
    Column("cap_period", Integer),
    Column("cap_period_unit", Text),
    # Local wall-clock times in the customer's zone; start > end crosses midnight.
    Column("quiet_start", Time),
    Column("quiet_end", Time),
    # PROGRAM only: the zone of a customer who has none (null: UTC).
    Column("time_zone", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", Text),
    PrimaryKeyConstraint("program_id", "scope"),
    CheckConstraint("scope IN ('PROGRAM', 'EMAIL', 'SMS')", name="scope"),
    CheckConstraint(
        "(cap_messages IS NULL) = (cap_period IS NULL) "
        "AND (cap_period IS NULL) = (cap_period_unit IS NULL)",
        name="cap_whole",
    ),
    CheckConstraint("cap_messages >= 1", name="cap_messages"),
    CheckConstraint(
        "(cap_period_unit = 'HOURS' AND cap_period BETWEEN 1 AND 8784) "
        "OR (cap_period_unit = 'DAYS' AND cap_period BETWEEN 1 AND 366)",
        name="cap_period",
    ),
    CheckConstraint(
        "(quiet_start IS NULL) = (quiet_end IS NULL) AND quiet_start <> quiet_end",
        name="quiet_hours",
    ),
    CheckConstraint("scope = 'PROGRAM' OR time_zone IS NULL", name="time_zone_scope"),
    CheckConstraint("scope <> 'PROGRAM' OR cap_messages IS NULL", name="cap_scope"),
)
