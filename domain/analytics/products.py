"""The products members bought most in a period, by SKU or by product line, and how many
customers hold each card type. One statement each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import text

from domain.analytics.periods import check_bounded
from domain.cards.bi_sql import CARDS_HELD
from domain.errors import ErrorCode, Problems
from domain.purchases.bi_sql import MADE_LINES
from domain.reports.periods import Period
from domain.uow import UnitOfWork

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


_PER_CARD_TYPE = text(f"""
    SELECT t.type,
           count(DISTINCT c.customer_id) FILTER (WHERE c.status = 'ACTIVE') AS customers,
           count(c.status) FILTER (WHERE c.status = 'ACTIVE') AS active,
           count(c.status) FILTER (WHERE c.status = 'BLOCKED') AS blocked,
           count(c.status) FILTER (WHERE c.status = 'LOST') AS lost,
           count(c.status) FILTER (WHERE c.status = 'REPLACED') AS replaced
      FROM unnest(CAST(:types AS text[])) WITH ORDINALITY t(type, n)
      LEFT JOIN ({CARDS_HELD}) c ON c.type = t.type
     GROUP BY t.type, t.n ORDER BY t.n""")


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
    ones too) with the customers holding an active card of it now and its cards by status."""
    async with uow:
        rows = (await uow.execute(_PER_CARD_TYPE, {"types": list(CARD_TYPES)})).all()
    return [CardTypeHolders(*tuple(r)) for r in rows]
