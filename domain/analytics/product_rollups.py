"""The top products report's rollups: per UTC day of the orders' occurred_at (product_days)
and per UTC calendar month (product_months), per SKU and per product line, the revenue and
units of the lines sold in orders made (net of returned units) and their buyers, as a
roaring bitmap of customer ids (domain/analytics/buyer_sets.py), so that the report unites
a period's buyers without reading its orders.

A refund lowers a line's units long after its order was rolled up, and a buyer whose only
line of a SKU is refunded whole stops being one: a rollup cannot simply add each new row.
So a job follows two streams together behind watermarks (domain/watermarks.py): the order
in which purchases were made (purchases.made_seq) and refunds (their ids). Each step takes
the UTC days its claimed values touch (the days their orders occurred on), recomputes those
days entirely from the rows as they are now, then those days' months from their days.

Why that is exact. A day is clean when no value above the watermarks touches it. Every
change to a clean day's lines (an order made on it, a refund of one) took a value at or
below a watermark; the step that claimed that value ran after the change had committed (the
watermarks' guarantee) and recomputed the day from all its rows; and steps never overlap
(the joint claim locks both watermark rows), so a later change to the day was claimed by a
later step, which recomputed it again, or is above a watermark and the day is dirty. So a
clean day's rollup equals its rows now, and a clean month's the union of its days. (A step
also reads rows above the watermarks: harmless, their days stay dirty until a later step
claims them and recomputes the days again.) The report (domain/analytics/products.py) reads
clean months and days from the rollups and the dirty days and the days its ends cut from the
rows, in one snapshot with the watermarks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pyroaring import BitMap64
from sqlalchemy import TextClause, text

from domain import watermarks
from domain.analytics import buyer_sets
from domain.analytics.periods import UTC_DAY, midnight, next_month
from domain.purchases.bi_sql import (
    MADE_IN_ORDER,
    MADE_LINES,
    MADE_SEQUENCE,
    REFUNDS_IN_ORDER,
    REFUNDS_SEQUENCE,
)
from domain.uow import UnitOfWork

DEFAULT_BATCH = 1_000_000
DAYS_A_STATEMENT = 31  # days recomputed by one statement (bounds what a step holds in memory)
NO_END = watermarks.NO_END
ONE_DAY = timedelta(days=1)

_STATE = "analytics_rollup_state"
MADE_STREAM = watermarks.Stream(_STATE, "stream", "products_made", MADE_SEQUENCE)
REFUNDS_STREAM = watermarks.Stream(_STATE, "stream", "products_refunds", REFUNDS_SEQUENCE)
STREAMS = (MADE_STREAM, REFUNDS_STREAM)

DAY = UTC_DAY

# The UTC days that the orders made numbered (:made_from, :made_to] and the refunds with ids
# in (:refunds_from, :refunds_to] touch: the days their orders occurred on. The job passes
# its claims; the report the watermarks and NO_END (the days not rolled up yet: dirty).
TOUCHED_DAYS = text(f"""
    SELECT {DAY.format("m.occurred_at")} AS day FROM ({MADE_IN_ORDER}) m
     WHERE m.made_seq > :made_from AND m.made_seq <= :made_to
    UNION
    SELECT {DAY.format("r.occurred_at")} AS day FROM ({REFUNDS_IN_ORDER}) r
     WHERE r.id > :refunds_from AND r.id <= :refunds_to
    ORDER BY 1""")

# Every line sold (units > 0) in an order made, once per grouping with the key it counts
# under (SKU: the SKU; PRODUCT_LINE: the product line, "" for none): customer_id,
# occurred_at, day (UTC), grouping, key, units, revenue_minor.
SOLD_LINES = f"""
    SELECT l.customer_id, l.occurred_at, {DAY.format("l.occurred_at")} AS day, g.grouping,
           g.key, l.units, l.revenue_minor
      FROM ({MADE_LINES}) l
     CROSS JOIN LATERAL (VALUES ('SKU', l.sku),
                                ('PRODUCT_LINE', COALESCE(l.product_line, ''))) g(grouping, key)
     WHERE l.units > 0"""

# The lines sold in orders that occurred in the half-open ranges [:starts[i], :ends[i]), a
# range at a time: OFFSET 0 keeps the planner from flattening the subquery into a join with
# the ranges, which it would run as a scan of every order made.
SOLD_IN_RANGES = f"""
    SELECT s.* FROM unnest(CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]))
                    r(since, until)
     CROSS JOIN LATERAL (
        SELECT * FROM ({SOLD_LINES}) x
         WHERE x.occurred_at >= r.since AND x.occurred_at < r.until OFFSET 0) s"""

# A set of days' or a month's figures per grouping and key: the sums here, the buyers
# (customer ids of the lines, or the days' bitmaps) united in Python.
_DAY_FIGURES = text(f"""
    SELECT day, grouping, key, CAST(sum(revenue_minor) AS bigint) AS revenue_minor,
           CAST(sum(units) AS bigint) AS units, array_agg(customer_id) AS buyers
      FROM ({SOLD_IN_RANGES}) s
     GROUP BY 1, 2, 3""")
_MONTH_FIGURES = text("""
    SELECT CAST(:month AS date) AS month, grouping, key,
           CAST(sum(revenue_minor) AS bigint) AS revenue_minor,
           CAST(sum(units) AS bigint) AS units, array_agg(buyers) AS buyers
      FROM product_days
     WHERE day >= :month AND day < :next
     GROUP BY 2, 3""")

_FORGET_DAYS = text("DELETE FROM product_days WHERE day = ANY(CAST(:periods AS date[]))")
_FORGET_MONTHS = text("DELETE FROM product_months WHERE month = ANY(CAST(:periods AS date[]))")
_UNNEST = """
    SELECT * FROM unnest(CAST(:periods AS date[]), CAST(:groupings AS text[]),
                         CAST(:keys AS text[]), CAST(:revenues AS bigint[]),
                         CAST(:units AS bigint[]), CAST(:buyers AS bytea[]))"""
_SAVE_DAYS = text(
    f"INSERT INTO product_days (day, grouping, key, revenue_minor, units, buyers) {_UNNEST}"
)
_SAVE_MONTHS = text(
    f"INSERT INTO product_months (month, grouping, key, revenue_minor, units, buyers) {_UNNEST}"
)


async def touched_days(
    uow: UnitOfWork, made: tuple[int, int], refunds: tuple[int, int]
) -> list[date]:
    """The UTC days the orders made numbered in (made[0], made[1]] and the refunds with ids
    in (refunds[0], refunds[1]] touch, in order."""
    params = {
        "made_from": made[0],
        "made_to": made[1],
        "refunds_from": refunds[0],
        "refunds_to": refunds[1],
    }
    return list((await uow.execute(TOUCHED_DAYS, params)).scalars())


async def recompute_touched_days(uow: UnitOfWork, claims: watermarks.Claims) -> int:
    """A step of the job (watermarks.RollUpTogether on STREAMS): every day the claimed
    values touch, recomputed from the rows, then their months from their days; how many
    days it recomputed."""
    days = await touched_days(uow, claims.bounds(MADE_STREAM), claims.bounds(REFUNDS_STREAM))
    for n in range(0, len(days), DAYS_A_STATEMENT):
        await _recompute_days(uow, days[n : n + DAYS_A_STATEMENT])
    for month in sorted({d.replace(day=1) for d in days}):
        await _recompute_month(uow, month)
    return len(days)


async def _recompute_days(uow: UnitOfWork, days: list[date]) -> None:
    params = {
        "starts": [midnight(d) for d in days],
        "ends": [midnight(d) + ONE_DAY for d in days],
    }
    rows = (await uow.execute(_DAY_FIGURES, params)).all()
    await _replace(uow, _FORGET_DAYS, _SAVE_DAYS, days, rows, BitMap64)


async def _recompute_month(uow: UnitOfWork, month: date) -> None:
    params = {"month": month, "next": next_month(month)}
    rows = (await uow.execute(_MONTH_FIGURES, params)).all()
    await _replace(uow, _FORGET_MONTHS, _SAVE_MONTHS, [month], rows, _union)


def _union(buyers: Sequence[bytes]) -> BitMap64:
    return BitMap64().union(*(buyer_sets.load(b) for b in buyers))


async def _replace(
    uow: UnitOfWork,
    forget: TextClause,
    save: TextClause,
    periods: list[date],
    rows: Sequence[Any],
    buyers_of: Callable[[Any], BitMap64],
) -> None:
    """Delete the periods' rows, then write `rows` (period, grouping, key, revenue_minor,
    units, buyers), the buyers made a bitmap by `buyers_of`."""
    await uow.execute(forget, {"periods": periods})
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    params = {
        "periods": list(columns[0]),
        "groupings": list(columns[1]),
        "keys": list(columns[2]),
        "revenues": list(columns[3]),
        "units": list(columns[4]),
        "buyers": [buyer_sets.dump(buyers_of(b)) for b in columns[5]],
    }
    await uow.execute(save, params)


@dataclass(frozen=True)
class ProductRollupRun:
    """A run's work: the days it recomputed (a day touched in two batches counts twice), in
    `batches` transactions, and each stream's watermark after it."""

    made: watermarks.Progress
    refunds: watermarks.Progress

    @property
    def days(self) -> int:
        return self.made.rows  # the steps' count, the same on both streams

    @property
    def batches(self) -> int:
        return self.made.batches


async def roll_up_products(uow: UnitOfWork, batch: int = DEFAULT_BATCH) -> ProductRollupRun:
    """Recompute the days that the orders made and the refunds their pending watermarks
    cover touch, once the transactions that could still write below them have ended (at
    most `batch` values of each a transaction), then take the next pending watermarks.
    domain.watermarks.roll_up's guarantees for each stream: whatever the order of commits,
    concurrent runs (they take turns) or a crash, every change is in the rollups once its
    values are below the watermarks, and a day untouched above them equals its rows."""
    done = await watermarks.roll_up_together(uow, STREAMS, recompute_touched_days, batch)
    return ProductRollupRun(done[MADE_STREAM], done[REFUNDS_STREAM])


async def roll_up_products_now(
    uow: UnitOfWork, batch: int = DEFAULT_BATCH, wait_s: float = 300.0
) -> ProductRollupRun:
    """Every order made and refund recorded before this call (`tessera rollup-ledger`, the
    bench, tests), waiting at most `wait_s` seconds for the transactions in progress."""
    done = await watermarks.run_together_until_caught_up(
        uow, STREAMS, recompute_touched_days, batch, wait_s
    )
    return ProductRollupRun(done[MADE_STREAM], done[REFUNDS_STREAM])
