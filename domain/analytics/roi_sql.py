"""The ROI report's statements (domain/analytics/roi.py says what each figure means; the
same SQL, written plainly, is in docs/reports.md). Parameters: :since, :until, :program,
and :rolled_to for PROGRAM."""

from __future__ import annotations

from sqlalchemy import text

from domain.checkout.bi_sql import POINTS_PAID
from domain.checkout.sql import REDEMPTION_RATE
from domain.customers.sql import CUSTOMERS
from domain.ledger.rollup_reads import period_groups_sql
from domain.purchases.bi_sql import MADE_LINE_DISCOUNTS, MADE_PURCHASES, ORDER_CHANNELS
from domain.vouchers.bi_sql import VOUCHER_DISCOUNTS

_SINCE = "CAST(:since AS timestamptz)"
_UNTIL = "CAST(:until AS timestamptz)"

# Member revenue per (shop, channel), then for all: orders made in the period at or after
# the customer registered, net of refunds; members active, and those with two orders or
# more (in that shop and channel; over all, in all of them).
SALES = text(f"""
    WITH o AS (
        SELECT p.shop, p.channel, p.customer_id, p.net_minor
          FROM ({MADE_PURCHASES}) p JOIN ({CUSTOMERS}) c ON c.id = p.customer_id
         WHERE p.occurred_at >= {_SINCE} AND p.occurred_at < {_UNTIL}
           AND p.occurred_at >= c.created_at),
    per AS (SELECT shop, channel, customer_id, count(*) AS orders,
                   sum(net_minor) AS revenue FROM o GROUP BY 1, 2, 3),
    overall AS (SELECT customer_id, sum(orders) AS orders, sum(revenue) AS revenue
                  FROM per GROUP BY 1)
    SELECT shop, channel, CAST(sum(revenue) AS bigint) AS revenue_minor,
           CAST(sum(orders) AS bigint) AS orders, count(*) AS active,
           count(*) FILTER (WHERE orders >= 2) AS repeaters
      FROM per GROUP BY 1, 2
    UNION ALL
    SELECT NULL, NULL, CAST(COALESCE(sum(revenue), 0) AS bigint),
           CAST(COALESCE(sum(orders), 0) AS bigint), count(*),
           count(*) FILTER (WHERE orders >= 2)
      FROM overall""")

# Money given per (shop, channel), and for all (shop and channel null): points that paid at
# the till at their value when they paid, voucher discounts, and line discounts by kind. A
# redemption or voucher use takes the channel of the order it was on ('' when the order was
# never reported), looked up by the order's unique key (one index probe per use: a period's
# uses are far fewer than all the orders a hash join would read).
COSTS = text(f"""
    WITH given AS (
        SELECT r.shop, COALESCE(o.channel, '') AS channel, r.value_minor AS points_off,
               0 AS voucher_off, 0 AS rule_off, 0 AS card_off, 0 AS current_off
          FROM ({POINTS_PAID}) r
          LEFT JOIN LATERAL ({ORDER_CHANNELS} WHERE shop = r.shop AND order_id = r.order_id) o
            ON true
         WHERE r.created_at >= {_SINCE} AND r.created_at < {_UNTIL}
        UNION ALL
        SELECT v.shop, COALESCE(o.channel, ''), 0, v.discount_minor, 0, 0, 0
          FROM ({VOUCHER_DISCOUNTS}) v
          LEFT JOIN LATERAL ({ORDER_CHANNELS} WHERE shop = v.shop AND order_id = v.order_id) o
            ON true
         WHERE v.created_at >= {_SINCE} AND v.created_at < {_UNTIL}
        UNION ALL
        SELECT d.shop, d.channel, 0, 0,
               CASE d.source_kind WHEN 'PRICE_RULE' THEN d.amount_minor ELSE 0 END,
               CASE d.source_kind WHEN 'CARD' THEN d.amount_minor ELSE 0 END,
               CASE d.source_kind WHEN 'CURRENT_DISCOUNT' THEN d.amount_minor ELSE 0 END
          FROM ({MADE_LINE_DISCOUNTS}) d
         WHERE d.occurred_at >= {_SINCE} AND d.occurred_at < {_UNTIL})
    SELECT shop, channel, CAST(sum(points_off) AS bigint) AS points_paid_minor,
           CAST(sum(voucher_off) AS bigint) AS vouchers_minor,
           CAST(sum(rule_off) AS bigint) AS member_prices_minor,
           CAST(sum(card_off) AS bigint) AS card_discounts_minor,
           CAST(sum(current_off) AS bigint) AS current_discounts_minor
      FROM given GROUP BY GROUPING SETS ((shop, channel), ())""")

# The program's figures for the period: new members; gift and bonus points (credits of
# GIFT, ACTION and MANUAL entries); the change of the points outstanding (every entry's
# points) and what expired, from the ledger's rollups plus the entries they do not hold
# (:rolled_to, the ledger's watermark read in the same snapshot: reversals grouped apart);
# the pre-join baseline; the redemption rate.
PROGRAM = text(f"""
    WITH g AS MATERIALIZED ({period_groups_sql()}),
    m AS (SELECT id, created_at, GREATEST({_SINCE}, created_at) AS joined_or_since
            FROM ({CUSTOMERS}) c WHERE created_at < {_UNTIL}),
    base AS (
        SELECT m.id,
               COALESCE(sum(p.net_minor) FILTER (
                   WHERE p.occurred_at >= m.joined_or_since AND p.occurred_at < {_UNTIL}), 0)
                   AS during,
               COALESCE(sum(p.net_minor) FILTER (
                   WHERE p.occurred_at >= m.created_at - ({_UNTIL} - m.joined_or_since)
                     AND p.occurred_at < m.created_at), 0) AS before
          FROM m JOIN ({MADE_PURCHASES}) p ON p.customer_id = m.id
         GROUP BY m.id
        HAVING bool_or(p.occurred_at < m.created_at))
    SELECT (SELECT count(*) FROM ({CUSTOMERS}) c
             WHERE created_at >= {_SINCE} AND created_at < {_UNTIL}) AS new_members,
           (SELECT CAST(COALESCE(sum(points), 0) AS bigint) FROM g
             WHERE credit AND NOT reversal AND kind IN ('GIFT', 'ACTION', 'MANUAL'))
               AS bonus_points,
           (SELECT CAST(COALESCE(sum(points), 0) AS bigint) FROM g) AS liability_change_points,
           (SELECT CAST(COALESCE(-sum(points), 0) AS bigint) FROM g
             WHERE kind = 'EXPIRY' AND NOT reversal) AS expired_points,
           (SELECT count(*) FROM base) AS baselined_members,
           (SELECT CAST(COALESCE(sum(during), 0) AS bigint) FROM base) AS baselined_revenue_minor,
           (SELECT CAST(COALESCE(sum(before), 0) AS bigint) FROM base) AS baseline_minor,
           rate.points_per_unit, rate.value_per_unit_minor
      FROM ({REDEMPTION_RATE}) rate""")
