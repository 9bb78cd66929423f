"""Invariants of the analytics' rollups, as named checks (like the ledger's): each returns
human-readable violations, empty when the invariant holds."""

from __future__ import annotations

from pyroaring import BitMap64
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.analytics import buyer_sets
from domain.analytics.card_rollups import STATUS_COUNTS
from domain.analytics.cohort_rollups import MONTH, POINTS_SUMS, REGISTRATION_MONTH
from domain.analytics.product_rollups import NO_END, SOLD_LINES, TOUCHED_DAYS
from domain.analytics.roi_audit import roi_rollups_equal_rows
from domain.cards.bi_sql import CARD_CHANGES
from domain.customers.sql import CUSTOMERS
from domain.ledger.invariants import Check, violation_rows
from domain.ledger.sql import ENTRIES
from domain.purchases.bi_sql import MADE_IN_ORDER, UNNUMBERED_MADE

_WATERMARK = "COALESCE((SELECT rolled_to FROM analytics_rollup_state WHERE stream = '{}'), 0)"


async def cohort_rollups_equal_rows(conn: AsyncConnection) -> list[str]:
    """cohort_activity holds, per registration day and month, the points of the entries up
    to the ledger watermark and the buyers of the orders made up to the purchases
    watermark, recomputed here from those rows; cohort_buyer_months holds exactly the
    (customer, month) pairs of those orders; every made purchase is numbered (a writer that
    disabled triggers, as a bulk load with session_replication_role = replica does, must
    number them itself)."""
    return await violation_rows(
        conn,
        f"""
        WITH points AS (
            SELECT CAST(c.created_at AT TIME ZONE 'UTC' AS date) AS registered_on,
                   {MONTH.format("e.created_at")} AS month, {POINTS_SUMS}
              FROM ({ENTRIES}) e JOIN ({CUSTOMERS}) c ON c.id = e.customer_id
             WHERE e.id <= {_WATERMARK.format("ledger")}
               AND e.created_at >= {REGISTRATION_MONTH.format("c.created_at")}
             GROUP BY 1, 2),
        pairs AS (
            SELECT DISTINCT p.customer_id, {MONTH.format("p.occurred_at")} AS month
              FROM ({MADE_IN_ORDER}) p JOIN ({CUSTOMERS}) c ON c.id = p.customer_id
             WHERE p.made_seq <= {_WATERMARK.format("purchases")}
               AND p.occurred_at >= {REGISTRATION_MONTH.format("c.created_at")}),
        buyers AS (
            SELECT CAST(c.created_at AT TIME ZONE 'UTC' AS date) AS registered_on, b.month,
                   count(*) AS buyers
              FROM pairs b JOIN ({CUSTOMERS}) c ON c.id = b.customer_id GROUP BY 1, 2),
        expected AS (
            SELECT registered_on, month, COALESCE(b.buyers, 0) AS buyers,
                   COALESCE(p.earned, 0) AS earned, COALESCE(p.spent, 0) AS spent,
                   COALESCE(p.expired, 0) AS expired
              FROM points p FULL JOIN buyers b USING (registered_on, month)),
        kept AS (SELECT * FROM cohort_activity
                  WHERE buyers <> 0 OR earned <> 0 OR spent <> 0 OR expired <> 0)
        SELECT format('registered %s, month %s: rows give %s, cohort_activity %s '
                      '(buyers, earned, spent, expired)', registered_on, month,
                      ROW(x.buyers, x.earned, x.spent, x.expired),
                      ROW(k.buyers, k.earned, k.spent, k.expired))
          FROM (SELECT * FROM expected
                 WHERE buyers <> 0 OR earned <> 0 OR spent <> 0 OR expired <> 0) x
          FULL JOIN kept k USING (registered_on, month)
         WHERE ROW(x.buyers, x.earned, x.spent, x.expired)
               IS DISTINCT FROM ROW(k.buyers, k.earned, k.spent, k.expired)
        UNION ALL
        SELECT format('purchase %s: %s but not numbered (made_seq)', id, status)
          FROM ({UNNUMBERED_MADE}) u
        UNION ALL
        SELECT format('customer %s, month %s: %s', customer_id, month,
                      CASE WHEN p.month IS NULL THEN 'counted as a buyer without an order'
                           ELSE 'an order not counted' END)
          FROM pairs p FULL JOIN cohort_buyer_months b USING (customer_id, month)
         WHERE p.customer_id IS NULL OR b.customer_id IS NULL""",
    )


async def cohort_registrations_equal_customers(conn: AsyncConnection) -> list[str]:
    """cohort_registrations counts, per UTC registration day, the customers up to the
    customers watermark."""
    return await violation_rows(
        conn,
        f"""
        WITH x AS (
            SELECT CAST(created_at AT TIME ZONE 'UTC' AS date) AS registered_on,
                   count(*) AS customers
              FROM ({CUSTOMERS}) c WHERE id <= {_WATERMARK.format("customers")} GROUP BY 1)
        SELECT format('registered %s: %s customers, cohort_registrations %s', registered_on,
                      COALESCE(x.customers, 0), COALESCE(r.registered, 0))
          FROM x FULL JOIN cohort_registrations r USING (registered_on)
         WHERE COALESCE(x.customers, 0) <> COALESCE(r.registered, 0)""",
    )


async def card_rollups_equal_cards(conn: AsyncConnection) -> list[str]:
    """card_type_totals are the sums of card_holder_counts; those are each customer's cards
    counted now, for every customer whose cards have not changed above the watermark; and
    every card is numbered (change_seq)."""
    return await violation_rows(
        conn,
        f"""
        WITH w AS (SELECT {_WATERMARK.format("cards")} AS cards_to),
        settled AS (
            SELECT k.customer_id, k.type, {STATUS_COUNTS}
              FROM ({CARD_CHANGES}) k, w
             GROUP BY 1, 2
            HAVING max(k.change_seq) <= max(w.cards_to)),
        sums AS (
            SELECT type, count(*) FILTER (WHERE active > 0) AS customers, sum(active) AS active,
                   sum(blocked) AS blocked, sum(lost) AS lost, sum(replaced) AS replaced
              FROM card_holder_counts GROUP BY type)
        SELECT format('customer %s, %s cards: counted %s, card_holder_counts %s (active, '
                      'blocked, lost, replaced)', customer_id, type,
                      ROW(s.active, s.blocked, s.lost, s.replaced),
                      ROW(h.active, h.blocked, h.lost, h.replaced))
          FROM settled s LEFT JOIN card_holder_counts h USING (customer_id, type)
         WHERE ROW(s.active, s.blocked, s.lost, s.replaced)
               IS DISTINCT FROM ROW(h.active, h.blocked, h.lost, h.replaced)
        UNION ALL
        SELECT format('%s cards: holder counts sum to %s, card_type_totals %s (customers, '
                      'active, blocked, lost, replaced)', type,
                      ROW(s.customers, s.active, s.blocked, s.lost, s.replaced),
                      ROW(t.holders, t.active, t.blocked, t.lost, t.replaced))
          FROM sums s FULL JOIN card_type_totals t USING (type)
         WHERE ROW(COALESCE(s.customers, 0), COALESCE(s.active, 0), COALESCE(s.blocked, 0),
                   COALESCE(s.lost, 0), COALESCE(s.replaced, 0))
               IS DISTINCT FROM ROW(COALESCE(t.holders, 0), COALESCE(t.active, 0),
                                    COALESCE(t.blocked, 0), COALESCE(t.lost, 0),
                                    COALESCE(t.replaced, 0))
        UNION ALL
        SELECT format('card of customer %s (%s): not numbered (change_seq)', customer_id, type)
          FROM ({CARD_CHANGES}) k WHERE change_seq IS NULL""",
    )


# Per (day or month, grouping, key) of the periods not dirty (:dirty, a date[]): the
# figures the rows give and those the rollup holds, either side missing when absent.
_PRODUCT_FIGURES = """
    WITH x AS (
        SELECT {period} AS period, grouping, key, CAST(sum(revenue_minor) AS bigint) AS revenue,
               CAST(sum(units) AS bigint) AS units, array_agg(customer_id) AS customers
          FROM ({sold}) s
         WHERE {period} <> ALL(CAST(:dirty AS date[]))
         GROUP BY 1, 2, 3),
    k AS (
        SELECT {column} AS period, grouping, key, revenue_minor AS revenue, units, buyers
          FROM {table} WHERE {column} <> ALL(CAST(:dirty AS date[])))
    SELECT period, grouping, key, x.revenue, x.units, x.customers,
           k.revenue AS kept_revenue, k.units AS kept_units, k.buyers AS kept_buyers
      FROM x FULL JOIN k USING (period, grouping, key)"""
_PRODUCT_CHECKS = {
    table: text(_PRODUCT_FIGURES.format(period=period, column=column, table=table, sold=SOLD_LINES))
    for table, column, period in (
        ("product_days", "day", "day"),
        ("product_months", "month", "CAST(date_trunc('month', day) AS date)"),
    )
}


async def product_rollups_equal_rows(conn: AsyncConnection) -> list[str]:
    """product_days holds, for every UTC day that no order made and no refund above the
    top products' watermarks touches (a clean day), the figures its rows give now: revenue,
    units and the set of buyers per SKU and per product line; product_months holds those of
    every month without a dirty day. (A dirty day's rollup may be stale: the report reads
    its rows.)"""
    made_to, refunds_to = (
        await conn.execute(
            text(
                f"SELECT {_WATERMARK.format('products_made')}, "
                f"{_WATERMARK.format('products_refunds')}"
            )
        )
    ).one()
    above = {"made_from": made_to, "made_to": NO_END, "refunds_from": refunds_to}
    dirty = list((await conn.execute(TOUCHED_DAYS, {**above, "refunds_to": NO_END})).scalars())
    months = sorted({d.replace(day=1) for d in dirty})
    found: list[str] = []
    for table, check in _PRODUCT_CHECKS.items():
        params = {"dirty": dirty if table == "product_days" else months}
        async for r in await conn.stream(check, params):
            rows, kept = BitMap64(r.customers or ()), buyer_sets.load(r.kept_buyers)
            if (r.revenue, r.units) != (r.kept_revenue, r.kept_units) or rows != kept:
                found.append(
                    f"{table} {r.period} {r.grouping} {r.key!r}: rows give "
                    f"{(r.revenue, r.units, len(rows))}, the rollup "
                    f"{(r.kept_revenue, r.kept_units, len(kept))} (revenue_minor, units, buyers)"
                    + ("" if rows == kept else "; other buyers")
                )
    return found


CHECKS: tuple[Check, ...] = (
    cohort_rollups_equal_rows,
    cohort_registrations_equal_customers,
    card_rollups_equal_cards,
    product_rollups_equal_rows,
    roi_rollups_equal_rows,
)
