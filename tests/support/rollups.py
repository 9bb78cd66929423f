"""Random ledgers for the rollup tests, and the reports computed by scanning every entry
(the SQL the reports ran before the rollups, kept here as the reference they must equal)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.sql import BALANCE_TOTAL, MOVED_SINCE_UNTIL, entry_groups_sql
from domain.reports.flows import FlowTotals, fold
from domain.reports.periods import Granularity
from domain.reports.totals import FlowBucket
from tests.support.reports import Row, new_customer, write_entries

CREDITS = ("PURCHASE", "MANUAL", "ACTION", "GIFT", "REDEMPTION_REFUND")
DEBITS = ("REDEMPTION", "REFUND", "EXPIRY", "MANUAL")


def random_moment(rng: random.Random, start: datetime, hours: int) -> datetime:
    """An instant in the `hours` after `start`: often on an hour or a half or quarter hour
    (where buckets of whole- and half-hour zones start), else anywhere, to the microsecond."""
    hour = start + timedelta(hours=rng.randrange(hours))
    match rng.randrange(4):
        case 0:
            return hour
        case 1:
            return hour + timedelta(minutes=rng.choice((15, 30, 45)))
        case 2:
            return hour + timedelta(minutes=rng.choice((15, 30, 45)), microseconds=-1)
        case _:
            return hour + timedelta(microseconds=rng.randrange(3_600_000_000))


def random_rows(rng: random.Random, count: int, start: datetime, hours: int) -> list[Row]:
    """A customer's entries: credits and debits of every kind (never below zero), and
    reversals of earlier entries, at random instants (not in id order)."""
    rows: list[Row] = []
    balance = 0
    reversible: list[int] = []
    for _ in range(count):
        at = random_moment(rng, start, hours)
        roll = rng.random()
        if roll < 0.15 and reversible:
            index = reversible.pop(rng.randrange(len(reversible)))
            points = -rows[index].points
            if balance + points >= 0:
                rows.append(Row("REVERSAL", points, at, reverses=index))
                balance += points
                continue
        if roll < 0.55 or balance == 0:
            points = rng.randint(1, 500)
            rows.append(Row(rng.choice(CREDITS), points, at))
        else:
            points = -rng.randint(1, balance)
            rows.append(Row(rng.choice(DEBITS), points, at))
        reversible.append(len(rows) - 1)
        balance += points
    return rows


async def write_random_ledger(
    engine: AsyncEngine, rng: random.Random, customers: int, entries: int, start: datetime
) -> None:
    """`entries` random entries for each of `customers` new customers, over four days."""
    for n in range(customers):
        customer_id = await new_customer(engine, f"r{rng.random()}-{n}")
        await write_entries(engine, customer_id, random_rows(rng, entries, start, 96))


_TOTALS_SCAN = """
    WITH g AS ({groups})
    SELECT kind, credit, points, entries, moved, NULL AS balance FROM g
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, NULL, {balance}"""


async def totals_by_scan(
    engine: AsyncEngine, since: datetime | None, until: datetime | None
) -> tuple[FlowTotals, int]:
    """A period's flow and the total balance at its end, by scanning the entries."""
    conditions = ["e.created_at >= :since"] if since else []
    conditions += ["e.created_at < :until"] if until else []
    balance = f"{BALANCE_TOTAL} - {MOVED_SINCE_UNTIL}" if until else BALANCE_TOTAL
    sql = _TOTALS_SCAN.format(
        groups=entry_groups_sql(" AND ".join(conditions) or "true"), balance=balance
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(text(sql), {"since": since, "until": until})).mappings().all()
    groups = [row for row in rows if row["credit"] is not None]
    return fold(groups), next(row["balance"] for row in rows if row["balance"] is not None)


_UNITS = {Granularity.DAY: "day", Granularity.WEEK: "week", Granularity.MONTH: "month"}


def _flow_scan_sql(unit: str) -> str:
    local = "date_trunc('{unit}', {moment} AT TIME ZONE :zone)"
    groups = entry_groups_sql(
        "e.created_at >= :since AND e.created_at < :until",
        local.format(unit=unit, moment="e.created_at"),
    )
    return f"""
        WITH buckets AS (
            SELECT b AS bucket FROM generate_series(
                {local.format(unit=unit, moment="CAST(:since AS timestamptz)")},
                {local.format(unit=unit, moment="CAST(:last AS timestamptz)")},
                interval '1 {unit}') AS b),
        g AS ({groups})
        SELECT b.bucket AT TIME ZONE :zone AS starts_at,
               (b.bucket + interval '1 {unit}') AT TIME ZONE :zone AS ends_at,
               g.kind, g.credit, g.points, g.entries, g.moved
          FROM buckets b LEFT JOIN g ON g.bucket = b.bucket
         ORDER BY b.bucket"""


async def flow_by_scan(
    engine: AsyncEngine, since: datetime, until: datetime, granularity: Granularity, zone: str
) -> list[FlowBucket]:
    """A flow's buckets by scanning the entries."""
    params: dict[str, Any] = {
        "since": since,
        "until": until,
        "last": until - timedelta(microseconds=1),
        "zone": zone,
    }
    async with engine.connect() as conn:
        rows = (
            (await conn.execute(text(_flow_scan_sql(_UNITS[granularity])), params)).mappings().all()
        )
    found: dict[datetime, FlowBucket] = {}
    for row in rows:
        bucket = found.get(row["starts_at"]) or FlowBucket(
            row["starts_at"], row["ends_at"], FlowTotals()
        )
        if row["credit"] is not None:
            flow = bucket.flow.plus(
                row["kind"], row["credit"], row["points"], row["entries"], row["moved"]
            )
            bucket = FlowBucket(bucket.starts_at, bucket.ends_at, flow)
        found[bucket.starts_at] = bucket
    return list(found.values())


async def balance_by_scan(engine: AsyncEngine, moment: datetime) -> int:
    """The sum of every entry created before `moment`."""
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    text(
                        "SELECT COALESCE(sum(points), 0) FROM ledger_entries WHERE created_at < :at"
                    ),
                    {"at": moment},
                )
            ).scalar_one()
        )
