"""The ROI's figures read from the rows, over a list of time ranges: what the rollup job
stores for each day it recomputes (a range per day), and what the report reads for the
stretches the rollups cannot answer (the period's cut ends, the days rows not rolled up
yet touch). One definition each, so the rollups and the report's rows always agree.

The ranges are bound as two arrays, :range_lo and :range_hi (timestamptz, [lo, hi) each,
disjoint); each figure reaches its table's index on time through a LATERAL per range.
domain/analytics/roi.py says what each figure means."""

from __future__ import annotations

from domain.analytics.periods import UTC_DAY
from domain.checkout.bi_sql import POINTS_PAID
from domain.customers.sql import CUSTOMERS
from domain.purchases.bi_sql import (
    LINE_DISCOUNTS,
    MADE_ORDER_TIMES,
    MADE_ORDERS,
    ORDER_CHANNELS,
)
from domain.vouchers.bi_sql import VOUCHER_DISCOUNTS

# How far back before registering a member's orders make their baseline.
PRE_JOIN = "interval '365 days'"
PRE_JOIN_SECONDS = 365 * 86_400


def day_of(moment: str) -> str:
    """The UTC day (a date) of a timestamptz expression."""
    return UTC_DAY.format(moment)


RANGES = """ranges AS (
        SELECT lo, hi FROM unnest(CAST(:range_lo AS timestamptz[]),
                                  CAST(:range_hi AS timestamptz[])) g(lo, hi))"""

# Orders made in the ranges with their customer's registration, then the member orders
# among them (at or after the customer registered) with whether their customer is
# baselined (made an order in the year before registering). Lookups are correlated
# subqueries, one index probe per order: a join's plan, estimated for ranges of unknown
# length, would read whole tables.
MEMBER_ORDERS = f"""made_orders AS MATERIALIZED (
        SELECT p.id, p.shop, p.channel, p.customer_id, p.occurred_at, p.net_minor,
               (SELECT c.created_at FROM ({CUSTOMERS}) c WHERE c.id = p.customer_id)
                   AS registered_at
          FROM ranges g
          JOIN LATERAL (SELECT * FROM ({MADE_ORDERS}) m
                         WHERE m.occurred_at >= g.lo AND m.occurred_at < g.hi) p ON true),
    member_orders AS MATERIALIZED (
        SELECT o.*,
               EXISTS (SELECT 1 FROM ({MADE_ORDER_TIMES}) q
                        WHERE q.customer_id = o.customer_id
                          AND q.occurred_at >= o.registered_at - {PRE_JOIN}
                          AND q.occurred_at < o.registered_at) AS baselined
          FROM made_orders o
         WHERE o.occurred_at >= o.registered_at)"""

# The channel of the order a redemption or voucher use (alias {alias}) was on, '' when that
# order was never reported.
_CHANNEL = f"""COALESCE((SELECT oc.channel FROM ({ORDER_CHANNELS}
                                  WHERE shop = {{alias}}.shop
                                    AND order_id = {{alias}}.order_id) oc), '')"""

FIGURE_COLUMNS = (
    "revenue_minor",
    "orders",
    "baselined_revenue_minor",
    "points_paid_minor",
    "vouchers_minor",
    "member_prices_minor",
    "card_discounts_minor",
    "current_discounts_minor",
)

# Per UTC day, shop and channel: member revenue, orders and baselined members' revenue (by
# the day the order occurred); points paid and voucher discounts (by the day they were
# made, each on the channel of the order it was on, '' when that order was never
# reported); line discounts by kind (by their order's day, whoever the customer).
DAY_FIGURES = f"""day_figures AS (
        SELECT day, shop, channel,
               {", ".join(f"CAST(sum({c}) AS bigint) AS {c}" for c in FIGURE_COLUMNS)}
          FROM (
            SELECT {day_of("o.occurred_at")} AS day, o.shop, o.channel,
                   o.net_minor AS revenue_minor, 1 AS orders,
                   CASE WHEN o.baselined THEN o.net_minor ELSE 0 END AS baselined_revenue_minor,
                   0 AS points_paid_minor, 0 AS vouchers_minor, 0 AS member_prices_minor,
                   0 AS card_discounts_minor, 0 AS current_discounts_minor
              FROM member_orders o
            UNION ALL
            SELECT {day_of("x.created_at")}, x.shop, {_CHANNEL.format(alias="x")}, 0, 0, 0,
                   x.value_minor, 0, 0, 0, 0
              FROM ranges g
              JOIN LATERAL (SELECT * FROM ({POINTS_PAID}) x
                             WHERE x.created_at >= g.lo AND x.created_at < g.hi) x ON true
            UNION ALL
            SELECT {day_of("v.created_at")}, v.shop, {_CHANNEL.format(alias="v")}, 0, 0, 0, 0,
                   v.discount_minor, 0, 0, 0
              FROM ranges g
              JOIN LATERAL (SELECT * FROM ({VOUCHER_DISCOUNTS}) v
                             WHERE v.created_at >= g.lo AND v.created_at < g.hi) v ON true
            UNION ALL
            SELECT {day_of("o.occurred_at")}, o.shop, o.channel, 0, 0, 0, 0, 0,
                   d.member_prices_minor, d.card_discounts_minor, d.current_discounts_minor
              FROM made_orders o
              CROSS JOIN LATERAL (
                  SELECT COALESCE(sum(amount_minor) FILTER (WHERE source_kind = 'PRICE_RULE'),
                                  0) AS member_prices_minor,
                         COALESCE(sum(amount_minor) FILTER (WHERE source_kind = 'CARD'), 0)
                             AS card_discounts_minor,
                         COALESCE(sum(amount_minor) FILTER (
                             WHERE source_kind = 'CURRENT_DISCOUNT'), 0)
                             AS current_discounts_minor
                    FROM ({LINE_DISCOUNTS} WHERE purchase_id = o.id) d) d
             WHERE d.member_prices_minor <> 0 OR d.card_discounts_minor <> 0
                OR d.current_discounts_minor <> 0
          ) f
         GROUP BY 1, 2, 3)"""

# The buyers among members per UTC day, shop and channel: (customer_id, orders).
BUYERS = f"""
    WITH {RANGES}, {MEMBER_ORDERS}
    SELECT {day_of("occurred_at")} AS day, shop, channel, customer_id, count(*) AS orders
      FROM member_orders GROUP BY 1, 2, 3, 4"""

# Members registered in the ranges with orders in the year before (baselined): their
# registration moment and what those orders came to, net of refunds. (OFFSET 0 keeps the
# customers' lookup a scan of their index per range: flattened into a join, planned for
# ranges of unknown length, it reads every customer.)
BASELINED = f"""baselined AS MATERIALIZED (
        SELECT c.id, c.created_at, CAST(sum(m.net_minor) AS bigint) AS pre_join_minor
          FROM ranges g
          JOIN LATERAL (SELECT * FROM ({CUSTOMERS}) c
                         WHERE c.created_at >= g.lo AND c.created_at < g.hi
                        OFFSET 0) c ON true
          JOIN LATERAL (SELECT * FROM ({MADE_ORDERS}) m
                         WHERE m.customer_id = c.id
                           AND m.occurred_at >= c.created_at - {PRE_JOIN}
                           AND m.occurred_at < c.created_at) m ON true
         GROUP BY c.id, c.created_at)"""

# A member's registration moment in epoch seconds (numeric: exact to the microsecond).
EPOCH = "extract(epoch FROM {})"
