"""The products members bought most in a period, by SKU or by product line, from the product
rollups (domain/analytics/product_rollups.py) and the rows they do not cover; and how many
customers hold each card type (from the card rollups). Each in one snapshot."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pyroaring import BitMap64
from sqlalchemy import text

from domain import watermarks
from domain.analytics import buyer_sets
from domain.analytics.card_rollups import CARDS_STREAM, CHANGED_COUNTS
from domain.analytics.periods import check_bounded, whole_days, whole_months
from domain.analytics.product_rollups import (
    MADE_STREAM,
    NO_END,
    ONE_DAY,
    REFUNDS_STREAM,
    SOLD_IN_RANGES,
    midnight,
    touched_days,
)
from domain.cards.bi_sql import CARD_CHANGES
from domain.errors import ErrorCode, Problems
from domain.reports.periods import Period
from domain.uow import UnitOfWork, read_only

MAX_TOP = 100
CARD_TYPES = ("POINTS", "DISCOUNT", "CURRENT_DISCOUNT", "PRIZE")


class ProductGrouping(StrEnum):
    SKU = "SKU"
    PRODUCT_LINE = "PRODUCT_LINE"


@dataclass(frozen=True)
class ProductSales:
    """A SKU's or product line's sales (the line "" holds lines filed under none)."""

    key: str
    revenue_minor: int
    units: int
    buyers: int


@dataclass(frozen=True)
class PeriodParts:
    """Where a period's figures are read: the rollups of whole UTC months (product_months)
    and of other whole UTC days (product_days), and the rows of orders that occurred in the
    ranges [starts[i], ends[i])."""

    months: list[date]
    days: list[date]
    starts: list[datetime]
    ends: list[datetime]


def split_period(since: datetime, until: datetime, dirty: Collection[date]) -> PeriodParts:
    """[since, until) as its whole months with no day in `dirty` (the days the rollups may
    not hold as their rows are now), its other whole days not in `dirty`, and ranges read
    from the rows: the dirty days and the parts of days its ends cut (adjacent ones as one)."""
    since, until = (_utc(t) for t in (since, until))
    lo, hi = whole_days(since, until)
    if lo >= hi:
        return PeriodParts([], [], [since], [until])
    first, end = whole_months(lo, hi)
    dirty_months = {d.replace(day=1) for d in dirty}
    months: list[date] = []
    days: list[date] = []
    ranges = [(since, lo)] if since < lo else []
    day = lo.date()
    while day < hi.date():
        month = day.replace(day=1)
        if day in dirty:
            ranges.append((midnight(day), midnight(day) + ONE_DAY))
        elif first <= month < end and month not in dirty_months:
            if not months or months[-1] != month:
                months.append(month)
        else:
            days.append(day)
        day += ONE_DAY
    if hi < until:
        ranges.append((hi, until))
    merged: list[tuple[datetime, datetime]] = []
    for start, stop in ranges:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], stop)
        else:
            merged.append((start, stop))
    return PeriodParts(months, days, [r[0] for r in merged], [r[1] for r in merged])


def _utc(t: datetime) -> datetime:
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)


# The rollups' rows of a period's clean months and days (PeriodParts) for one grouping.
_ROLLED = """
    SELECT key, revenue_minor, units, buyers FROM product_months
     WHERE grouping = :grouping AND month = ANY(CAST(:months AS date[])) {and_key}
    UNION ALL
    SELECT key, revenue_minor, units, buyers FROM product_days
     WHERE grouping = :grouping AND day = ANY(CAST(:days AS date[])) {and_key}"""

# The top keys in the plain query's order, from the rollups' sums and the lines of the rest
# of the period (read once); then, for those keys alone, what makes their buyers: the
# customers of those lines and the rollups' bitmaps (united in Python).
_TOP = text(f"""
    WITH lines AS MATERIALIZED (
        SELECT key, sum(revenue_minor) AS revenue_minor, sum(units) AS units,
               array_agg(customer_id) AS customers
          FROM ({SOLD_IN_RANGES}) s
         WHERE grouping = :grouping
         GROUP BY key),
    ranked AS (
        SELECT key, CAST(sum(revenue_minor) AS bigint) AS revenue_minor,
               CAST(sum(units) AS bigint) AS units
          FROM (SELECT key, revenue_minor, units FROM ({_ROLLED.format(and_key="")}) r
                UNION ALL
                SELECT key, revenue_minor, units FROM lines) p
         GROUP BY key
         ORDER BY 2 DESC, 3 DESC, 1
         LIMIT :limit)
    SELECT t.key, t.revenue_minor, t.units, l.customers,
           ARRAY(SELECT buyers FROM ({_ROLLED.format(and_key="AND key = t.key")}) b) AS buyers
      FROM ranked t LEFT JOIN lines l USING (key)
     ORDER BY 2 DESC, 3 DESC, 1""")


async def top_products(
    uow: UnitOfWork, period: Period, grouping: ProductGrouping, limit: int
) -> list[ProductSales]:
    """The `limit` (at most MAX_TOP) SKUs or product lines with the most revenue from
    orders made in `period` (both bounds required): units sold less units returned, at the
    line's unit price; ties by units, then key. Exactly what the rows give at one moment:
    the rollups of the whole months and days that nothing above their watermarks touches,
    and the rows of the other days and of the parts of days the period's ends cut, read in
    one snapshot with the watermarks."""
    problems = Problems()
    since, until = check_bounded(problems, period)
    if not 1 <= limit <= MAX_TOP:
        problems.add("first", ErrorCode.OUT_OF_RANGE, f"Between 1 and {MAX_TOP}.")
    problems.raise_if_any()

    async def fetch(u: UnitOfWork) -> list[ProductSales]:
        made_to = await watermarks.rolled_to(u, MADE_STREAM)
        refunds_to = await watermarks.rolled_to(u, REFUNDS_STREAM)
        dirty = await touched_days(u, (made_to, NO_END), (refunds_to, NO_END))
        parts = split_period(since, until, set(dirty))
        params: dict[str, Any] = {"grouping": grouping.value, "limit": limit, **vars(parts)}
        found = []
        for row in await u.execute(_TOP, params):
            buyers = BitMap64(row.customers or ())
            for bitmap in row.buyers:
                buyers |= buyer_sets.load(bitmap)
            found.append(ProductSales(row.key, row.revenue_minor, row.units, len(buyers)))
        return found

    return await read_only(uow, fetch)


# The totals the card rollups hold, plus the difference the customers with a card changed
# above the watermark (:cards_to, read in the same snapshot) make now.
_PER_CARD_TYPE = text(
    "WITH "
    + CHANGED_COUNTS.format(
        touched=f"SELECT DISTINCT customer_id FROM ({CARD_CHANGES}) k"
        " WHERE k.change_seq > :cards_to"
    )
    + """,
    tail AS (
        SELECT type, sum(d_customers) AS customers, sum(d_active) AS active,
               sum(d_blocked) AS blocked, sum(d_lost) AS lost, sum(d_replaced) AS replaced
          FROM diff GROUP BY type)
    SELECT t.type,
           CAST(COALESCE(b.holders, 0) + COALESCE(x.customers, 0) AS bigint) AS customers,
           CAST(COALESCE(b.active, 0) + COALESCE(x.active, 0) AS bigint) AS active,
           CAST(COALESCE(b.blocked, 0) + COALESCE(x.blocked, 0) AS bigint) AS blocked,
           CAST(COALESCE(b.lost, 0) + COALESCE(x.lost, 0) AS bigint) AS lost,
           CAST(COALESCE(b.replaced, 0) + COALESCE(x.replaced, 0) AS bigint) AS replaced
      FROM unnest(CAST(:types AS text[])) WITH ORDINALITY t(type, n)
      LEFT JOIN card_type_totals b ON b.type = t.type
      LEFT JOIN tail x ON x.type = t.type
     ORDER BY t.n"""
)


@dataclass(frozen=True)
class CardTypeHolders:
    """Customers holding an active card of the type, and its cards by status."""

    type: str
    customers: int
    active: int
    blocked: int
    lost: int
    replaced: int


async def customers_per_card_type(uow: UnitOfWork) -> list[CardTypeHolders]:
    """Every card type (POINTS, DISCOUNT, CURRENT_DISCOUNT, PRIZE, in that order, unheld
    ones too) with the customers holding an active card of it now and its cards by status:
    the card rollups (domain/analytics/card_rollups.py) plus the tail, in one snapshot."""

    async def fetch(u: UnitOfWork) -> Sequence[Any]:
        cards_to = await watermarks.rolled_to(u, CARDS_STREAM)
        params = {"types": list(CARD_TYPES), "cards_to": cards_to}
        return (await u.execute(_PER_CARD_TYPE, params)).all()

    return [CardTypeHolders(*tuple(r)) for r in await read_only(uow, fetch)]
