"""Program totals for a period, and their flow per day, week or month: each one SQL
statement over the ledger (ix_ledger_entries_created_at_id serves the period's range)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from domain.errors import Problems
from domain.ledger.sql import BALANCE_TOTAL, MOVED_SINCE_UNTIL, entry_groups_sql
from domain.reports.flows import FlowTotals, fold
from domain.reports.periods import (
    Granularity,
    Period,
    check_flow_period,
    check_period,
    check_time_zone,
)
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class Totals:
    """A period's flow, and the total balance of all customers at its end (now, when the
    period is open-ended)."""

    period: Period
    flow: FlowTotals
    balance: int


@dataclass(frozen=True)
class FlowBucket:
    """One day, week or month of a flow: it starts at `starts_at` (local midnight in the
    flow's time zone) and ends where the next one starts; the first and last buckets count
    only what lies inside the period."""

    starts_at: datetime
    ends_at: datetime
    flow: FlowTotals


def _totals_sql(period: Period) -> str:
    conditions = ["e.created_at >= :since"] if period.since else []
    conditions += ["e.created_at < :until"] if period.until else []
    # What the balance was at :until: now's, less what moved since.
    balance = f"{BALANCE_TOTAL} - {MOVED_SINCE_UNTIL}" if period.until else BALANCE_TOTAL
    return f"""
        WITH g AS ({entry_groups_sql(" AND ".join(conditions) or "true")})
        SELECT kind, credit, points, entries, moved, NULL AS balance FROM g
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, NULL, {balance}"""


async def report_totals(uow: UnitOfWork, period: Period) -> Totals:
    """Points earned, taken back, spent, expired and otherwise moved in the period (all
    time when open), the number of operations and their average, and the total balance at
    the period's end: one statement, so every figure comes from the same snapshot."""
    problems = Problems()
    clean = check_period(problems, period)
    problems.raise_if_any()
    params = {"since": clean.since, "until": clean.until}
    async with uow:
        rows = (await uow.execute(text(_totals_sql(clean)), params)).mappings().all()
    groups = [row for row in rows if row["credit"] is not None]
    balance = next(row["balance"] for row in rows if row["balance"] is not None)
    return Totals(clean, fold(groups), balance)


_UNITS = {Granularity.DAY: "day", Granularity.WEEK: "week", Granularity.MONTH: "month"}


def _flow_sql(unit: str) -> str:
    # `unit` is one of _UNITS' values, never the caller's text. Buckets are cut on local
    # time (AT TIME ZONE gives the local timestamp) and turned back into instants.
    local = "date_trunc('{unit}', {moment} AT TIME ZONE :zone)"
    return f"""
        WITH buckets AS (
            SELECT b AS bucket FROM generate_series(
                {local.format(unit=unit, moment="CAST(:since AS timestamptz)")},
                {local.format(unit=unit, moment="CAST(:last AS timestamptz)")},
                interval '1 {unit}') AS b),
        g AS ({
        entry_groups_sql(
            "e.created_at >= :since AND e.created_at < :until",
            local.format(unit=unit, moment="e.created_at"),
        )
    })
        SELECT b.bucket AT TIME ZONE :zone AS starts_at,
               (b.bucket + interval '1 {unit}') AT TIME ZONE :zone AS ends_at,
               g.kind, g.credit, g.points, g.entries, g.moved
          FROM buckets b LEFT JOIN g ON g.bucket = b.bucket
         ORDER BY b.bucket"""


_FLOW_SQL = {granularity: text(_flow_sql(unit)) for granularity, unit in _UNITS.items()}


async def points_flow(
    uow: UnitOfWork, period: Period, granularity: Granularity, time_zone: str | None = None
) -> list[FlowBucket]:
    """The period's flow per day, week (ISO, from Monday) or month of `time_zone` (UTC by
    default), oldest first, every bucket present (zero when nothing moved): one statement.

    Guarantees: the buckets' totals add up to report_totals of the same period."""
    problems = Problems()
    since, until = check_flow_period(problems, period, granularity)
    zone = check_time_zone(problems, "timeZone", time_zone)
    problems.raise_if_any()
    params = {
        "since": since,
        "until": until,
        "last": until - timedelta(microseconds=1),
        "zone": zone,
    }
    async with uow:
        rows = (await uow.execute(_FLOW_SQL[granularity], params)).mappings().all()
    return _buckets(rows)


def _buckets(rows: Sequence[Any]) -> list[FlowBucket]:
    found: dict[datetime, FlowBucket] = {}
    for row in rows:
        bucket = found.get(row["starts_at"]) or FlowBucket(
            row["starts_at"], row["ends_at"], FlowTotals()
        )
        if row["credit"] is not None:  # None: a bucket in which nothing moved
            flow = bucket.flow.plus(
                row["kind"], row["credit"], row["points"], row["entries"], row["moved"]
            )
            bucket = FlowBucket(bucket.starts_at, bucket.ends_at, flow)
        found[bucket.starts_at] = bucket
    return list(found.values())
