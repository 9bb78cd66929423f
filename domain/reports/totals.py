"""Program totals for a period, and their flow per day, week or month: read from the
ledger's rollups plus the entries not rolled up yet and the hours a period's ends or a
bucket's boundaries cut (domain/ledger/rollup_reads.py), in one snapshot, so they equal a
scan of the entries without reading them all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from domain.errors import Problems
from domain.ledger.rollup_reads import POINTS_BEFORE, period_groups_sql, rolled_to
from domain.reports.flows import FlowTotals, fold
from domain.reports.periods import (
    Granularity,
    Period,
    check_flow_period,
    check_period,
    check_time_zone,
)
from domain.uow import UnitOfWork, read_only


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


_TOTALS = text(period_groups_sql())
_POINTS_BEFORE = text(POINTS_BEFORE)


async def points_before(uow: UnitOfWork, moment: datetime | None, watermark: int) -> int:
    """The total balance just before `moment` (0 when None: before the first entry), in the
    open unit of work's snapshot, whose rollup watermark is `watermark`."""
    if moment is None:
        return 0
    params = {"since": None, "until": moment, "rolled_to": watermark}
    return int((await uow.execute(_POINTS_BEFORE, params)).scalar_one())


async def report_totals(uow: UnitOfWork, period: Period) -> Totals:
    """Points earned, taken back, spent, expired and otherwise moved in the period (all
    time when open), the number of operations and their average, and the total balance at
    the period's end: every figure from the same snapshot, equal to what a scan of the
    entries gives (the balance at the end: the sum of every entry before it)."""
    problems = Problems()
    clean = check_period(problems, period)
    problems.raise_if_any()

    async def read(uow: UnitOfWork) -> Totals:
        watermark = await rolled_to(uow)
        params = {"since": clean.since, "until": clean.until, "rolled_to": watermark}
        flow = fold((await uow.execute(_TOTALS, params)).mappings().all())
        before = await points_before(uow, clean.since, watermark)
        return Totals(clean, flow, before + flow.net)

    return await read_only(uow, read)


_UNITS = {Granularity.DAY: "day", Granularity.WEEK: "week", Granularity.MONTH: "month"}


def _flow_sql(unit: str) -> str:
    # `unit` is one of _UNITS' values, never the caller's text. Buckets are cut on local
    # time (AT TIME ZONE gives the local timestamp) and turned back into instants.
    local = f"date_trunc('{unit}', {{moment}} AT TIME ZONE :zone)"
    first = local.replace("{moment}", "CAST(:since AS timestamptz)")
    last = local.replace("{moment}", "CAST(:last AS timestamptz)")
    return f"""
        WITH buckets AS (
            SELECT b AS bucket FROM generate_series({first}, {last}, interval '1 {unit}') AS b),
        g AS ({period_groups_sql(local)})
        SELECT b.bucket AT TIME ZONE :zone AS starts_at,
               (b.bucket + interval '1 {unit}') AT TIME ZONE :zone AS ends_at,
               g.kind, g.credit, g.points, g.entries, g.moved
          FROM buckets b LEFT JOIN g ON g.bucket = b.bucket
         ORDER BY b.bucket"""


_FLOW_SQL = {granularity: text(_flow_sql(unit)) for granularity, unit in _UNITS.items()}


@dataclass(frozen=True)
class FlowRequest:
    """A flow's checked bounds, granularity and time zone."""

    since: datetime
    until: datetime
    granularity: Granularity
    zone: str


def check_flow(
    period: Period, granularity: Granularity, time_zone: str | None = None
) -> FlowRequest:
    """The flow asked for, or a DomainError naming each bad argument."""
    problems = Problems()
    since, until = check_flow_period(problems, period, granularity)
    zone = check_time_zone(problems, "timeZone", time_zone)
    problems.raise_if_any()
    return FlowRequest(since, until, granularity, zone)


async def flow_in_snapshot(uow: UnitOfWork, flow: FlowRequest, watermark: int) -> list[FlowBucket]:
    """The flow's buckets in the open unit of work's snapshot (rollups up to `watermark`)."""
    params = {
        "since": flow.since,
        "until": flow.until,
        "last": flow.until - timedelta(microseconds=1),
        "zone": flow.zone,
        "rolled_to": watermark,
    }
    rows = (await uow.execute(_FLOW_SQL[flow.granularity], params)).mappings().all()
    return _buckets(rows)


async def points_flow(
    uow: UnitOfWork, period: Period, granularity: Granularity, time_zone: str | None = None
) -> list[FlowBucket]:
    """The period's flow per day, week (ISO, from Monday) or month of `time_zone` (UTC by
    default), oldest first, every bucket present (zero when nothing moved), from one
    snapshot, equal to what a scan of the entries gives.

    Guarantees: the buckets' totals add up to report_totals of the same period."""
    flow = check_flow(period, granularity, time_zone)

    async def read(uow: UnitOfWork) -> list[FlowBucket]:
        return await flow_in_snapshot(uow, flow, await rolled_to(uow))

    return await read_only(uow, read)


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
