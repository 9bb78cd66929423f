"""The products members bought most in a period, by SKU or by product line, and how many
customers hold each card type (from the card rollups). One statement each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import text

from domain import watermarks
from domain.analytics.card_rollups import CARDS_STREAM, CHANGED_COUNTS
from domain.analytics.periods import check_bounded
from domain.cards.bi_sql import CARD_CHANGES
from domain.errors import ErrorCode, Problems
from domain.purchases.bi_sql import MADE_LINES
from domain.reports.periods import Period
from domain.uow import UnitOfWork, read_only

MAX_TOP = 100
CARD_TYPES = ("POINTS", "DISCOUNT", "CURRENT_DISCOUNT", "PRIZE")


class ProductGrouping(StrEnum):
    SKU = "SKU"
    PRODUCT_LINE = "PRODUCT_LINE"


# `key` is a column of MADE_LINES chosen from ProductGrouping, never the caller's text.
_TOP = """
    SELECT {key} AS key, CAST(sum(revenue_minor) AS bigint) AS revenue_minor,
           CAST(sum(units) AS bigint) AS units, count(DISTINCT customer_id) AS buyers
      FROM ({lines}) l
     WHERE occurred_at >= :since AND occurred_at < :until AND units > 0
     GROUP BY 1
     ORDER BY 2 DESC, 3 DESC, 1
     LIMIT :limit"""
_TOP_SQL = {
    ProductGrouping.SKU: text(_TOP.format(key="sku", lines=MADE_LINES)),
    ProductGrouping.PRODUCT_LINE: text(
        _TOP.format(key="COALESCE(product_line, '')", lines=MADE_LINES)
    ),
}


@dataclass(frozen=True)
class ProductSales:
    """A SKU's or product line's sales (the line "" holds lines filed under none)."""

    key: str
    revenue_minor: int
    units: int
    buyers: int


async def top_products(
    uow: UnitOfWork, period: Period, grouping: ProductGrouping, limit: int
) -> list[ProductSales]:
    """The `limit` (at most MAX_TOP) SKUs or product lines with the most revenue from
    orders made in `period` (both bounds required): units sold less units returned, at the
    line's unit price; ties by units, then key."""
    problems = Problems()
    since, until = check_bounded(problems, period)
    if not 1 <= limit <= MAX_TOP:
        problems.add("first", ErrorCode.OUT_OF_RANGE, f"Between 1 and {MAX_TOP}.")
    problems.raise_if_any()
    params = {"since": since, "until": until, "limit": limit}
    async with uow:
        rows = (await uow.execute(_TOP_SQL[grouping], params)).all()
    return [ProductSales(r.key, r.revenue_minor, r.units, r.buyers) for r in rows]


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
