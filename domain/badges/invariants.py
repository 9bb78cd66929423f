"""Invariants of badges, as named checks (like the ledger's): each returns human-readable
violations, empty when the invariant holds."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.badges.standings import DUE_FROM_SCRATCH
from domain.ledger.invariants import Check, violation_rows


async def badges_consistent_with_balances(conn: AsyncConnection) -> list[str]:
    """The badges held are exactly those the points and the badges give, recomputed from
    scratch; except, for a badge whose re-sync is under way, the customers it has not
    reached yet (they hold what the badge's previous settings gave until it does)."""
    return await violation_rows(
        conn,
        f"""
        SELECT format('customer %s: %s badge %s', v.customer_id,
                      CASE WHEN v.due THEN 'lacks the in-range' ELSE 'holds the out-of-range'
                      END, v.badge_id)
          FROM (SELECT COALESCE(h.customer_id, d.customer_id) AS customer_id,
                       COALESCE(h.badge_id, d.badge_id) AS badge_id,
                       d.badge_id IS NOT NULL AS due
                  FROM (SELECT customer_id, badge_id FROM customer_badges) h
                  FULL JOIN ({DUE_FROM_SCRATCH}) d
                    ON d.customer_id = h.customer_id AND d.badge_id = h.badge_id
                 WHERE h.badge_id IS NULL OR d.badge_id IS NULL) v
         WHERE NOT EXISTS (
                 SELECT 1 FROM badge_resyncs r
                  WHERE r.badge_id = v.badge_id AND r.finished_at IS NULL
                    AND v.customer_id > r.through_customer_id)
         ORDER BY v.customer_id, v.badge_id""",
    )


async def badge_history_matches_holdings(conn: AsyncConnection) -> list[str]:
    """A badge is held exactly when its last logged change for that customer is UNLOCKED."""
    return await violation_rows(
        conn,
        """
        SELECT format('customer %s, badge %s: held %s but last change %s',
                      COALESCE(h.customer_id, l.customer_id), COALESCE(h.badge_id, l.badge_id),
                      h.badge_id IS NOT NULL, COALESCE(l.change, 'none'))
          FROM customer_badges h
          FULL JOIN (SELECT DISTINCT ON (customer_id, badge_id) customer_id, badge_id, change
                       FROM badge_changes ORDER BY customer_id, badge_id, id DESC) l
            ON l.customer_id = h.customer_id AND l.badge_id = h.badge_id
         WHERE (h.badge_id IS NOT NULL) <> (l.change IS NOT DISTINCT FROM 'UNLOCKED')""",
    )


async def badge_changes_alternate(conn: AsyncConnection) -> list[str]:
    """Each customer's changes of a badge alternate, from an unlock: no unlock or loss is
    logged twice."""
    return await violation_rows(
        conn,
        """
        SELECT format('customer %s, badge %s: change %s is %s after %s', customer_id,
                      badge_id, id, change, COALESCE(previous, 'nothing'))
          FROM (SELECT id, customer_id, badge_id, change,
                       lag(change) OVER (PARTITION BY customer_id, badge_id ORDER BY id)
                           AS previous
                  FROM badge_changes) c
         WHERE change = COALESCE(previous, 'LOST')
         ORDER BY id""",
    )


async def badge_ranges_do_not_overlap(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('badges %s and %s (%s): their ranges overlap', a.id, b.id, a.basis)
          FROM badges a JOIN badges b
            ON a.id < b.id AND a.basis = b.basis AND a.active AND b.active
         WHERE a.min_points <= COALESCE(b.max_points, 'infinity'::numeric)
           AND b.min_points <= COALESCE(a.max_points, 'infinity'::numeric)""",
    )


CHECKS: tuple[Check, ...] = (
    badges_consistent_with_balances,
    badge_history_matches_holdings,
    badge_changes_alternate,
    badge_ranges_do_not_overlap,
)
