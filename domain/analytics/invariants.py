"""Invariants of the analytics' rollups, as named checks (like the ledger's): each returns
human-readable violations, empty when the invariant holds."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.analytics.card_rollups import STATUS_COUNTS
from domain.analytics.cohort_rollups import MONTH, POINTS_SUMS, REGISTRATION_MONTH
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


CHECKS: tuple[Check, ...] = (
    cohort_rollups_equal_rows,
    cohort_registrations_equal_customers,
    card_rollups_equal_cards,
    roi_rollups_equal_rows,
)
