"""The ledger's invariants as named checks; tests and the audit actor both run them.

Each check returns human-readable violations; an empty list means the invariant holds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.checkout.sql import ACTIVE_HOLDS_PER_CUSTOMER
from domain.ledger.kinds import EntryKind

Check = Callable[[AsyncConnection], Awaitable[list[str]]]

_REVERSAL = EntryKind.REVERSAL.value


async def violation_rows(conn: AsyncConnection, sql: str) -> list[str]:
    """The first column of each row of `sql`, a query selecting one violation per row."""
    return [str(row[0]) for row in await conn.execute(text(sql))]


async def balance_equals_sum_of_entries(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('customer %s: balance %s but entries sum to %s',
                      a.customer_id, a.balance, COALESCE(s.total, 0))
          FROM point_accounts a
          LEFT JOIN (SELECT customer_id, sum(points) AS total FROM ledger_entries
                      GROUP BY customer_id) s USING (customer_id)
         WHERE a.balance <> COALESCE(s.total, 0)""",
    )


async def balance_equals_open_lots(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('customer %s: balance %s but open lots hold %s',
                      a.customer_id, a.balance, COALESCE(l.total, 0))
          FROM point_accounts a
          LEFT JOIN (SELECT customer_id, sum(remaining) AS total FROM point_lots
                      GROUP BY customer_id) l USING (customer_id)
         WHERE a.balance <> COALESCE(l.total, 0)""",
    )


async def balance_equals_lifetime_totals(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('customer %s: balance %s but earned %s - spent %s - expired %s',
                      customer_id, balance, lifetime_earned, lifetime_spent, lifetime_expired)
          FROM point_accounts
         WHERE balance <> lifetime_earned - lifetime_spent - lifetime_expired
            OR lifetime_earned < 0 OR lifetime_spent < 0 OR lifetime_expired < 0""",
    )


async def lifetime_expired_equals_expiry_entries(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('customer %s: lifetime expired %s but expiry entries total %s',
                      a.customer_id, a.lifetime_expired, COALESCE(x.total, 0))
          FROM point_accounts a
          LEFT JOIN (SELECT customer_id, -sum(points) AS total FROM ledger_entries
                      WHERE kind = 'EXPIRY' GROUP BY customer_id) x USING (customer_id)
         WHERE a.lifetime_expired <> COALESCE(x.total, 0)""",
    )


async def expiry_takes_only_lots_past_their_date(conn: AsyncConnection) -> list[str]:
    # An EXPIRY entry's source_ref is the time its run expired lots as of.
    return await violation_rows(
        conn,
        """
        SELECT format('entry %s: expired %s points of lot %s, which expires at %s',
                      e.id, -a.points, l.id, COALESCE(l.expires_at::text, 'never'))
          FROM ledger_entries e
          JOIN lot_allocations a ON a.entry_id = e.id
          JOIN point_lots l ON l.id = a.lot_id
         WHERE e.kind = 'EXPIRY'
           AND (a.points > 0 OR l.expires_at IS NULL
                OR l.expires_at > CAST(e.source_ref AS timestamptz))""",
    )


async def balance_after_is_running_total(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('entry %s: balance_after %s but running total is %s',
                      id, balance_after, running)
          FROM (SELECT id, balance_after,
                       sum(points) OVER (PARTITION BY customer_id ORDER BY id) AS running
                  FROM ledger_entries) t
         WHERE balance_after <> running OR running < 0""",
    )


async def lots_match_allocations(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('lot %s: remaining %s but granted %s with allocations %s',
                      l.id, l.remaining, l.granted, COALESCE(a.total, 0))
          FROM point_lots l
          LEFT JOIN (SELECT lot_id, sum(points) AS total FROM lot_allocations
                      GROUP BY lot_id) a ON a.lot_id = l.id
         WHERE l.remaining <> l.granted + COALESCE(a.total, 0)""",
    )


async def debits_fully_allocated(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('entry %s: moves %s points but its lot allocations total %s',
                      e.id, e.points, COALESCE(a.total, 0))
          FROM ledger_entries e
          LEFT JOIN (SELECT entry_id, sum(points) AS total FROM lot_allocations
                      GROUP BY entry_id) a ON a.entry_id = e.id
          LEFT JOIN point_lots l ON l.entry_id = e.id
         WHERE l.id IS NULL AND e.points <> COALESCE(a.total, 0)""",
    )


async def held_equals_active_holds(conn: AsyncConnection) -> list[str]:
    # Checkout's holds reserve what an account holds: read through checkout's relation.
    return await violation_rows(
        conn,
        f"""
        SELECT format('customer %s: %s points held but active holds reserve %s',
                      a.customer_id, a.held, COALESCE(h.total, 0))
          FROM point_accounts a
          LEFT JOIN ({ACTIVE_HOLDS_PER_CUSTOMER}) h USING (customer_id)
         WHERE a.held <> COALESCE(h.total, 0) OR a.held > a.balance""",
    )


async def rollups_equal_entries(conn: AsyncConnection) -> list[str]:
    # The entries up to the rollups' watermark, grouped as the rollup job groups them (a
    # reversal under the kind and direction of what it reverses), against the hour totals,
    # those against the rollups summed over shop, channel and category (which the job
    # read when it rolled an entry up, so they are not compared with today's), and the day
    # totals against the hour totals summed per UTC day.
    return await violation_rows(
        conn,
        f"""
        WITH w AS (SELECT COALESCE((SELECT rolled_to FROM ledger_rollup_state WHERE id = 1),
                                   0) AS rolled_to),
        e AS (SELECT date_trunc('hour', e.created_at, 'UTC') AS hour,
                     CASE WHEN e.kind = '{_REVERSAL}' THEN r.kind ELSE e.kind END AS kind,
                     CASE WHEN e.kind = '{_REVERSAL}' THEN r.points ELSE e.points END > 0
                         AS credit,
                     e.kind = '{_REVERSAL}' AS reversal,
                     sum(e.points) AS points, count(*) AS entries, sum(abs(e.points)) AS moved
                FROM w, ledger_entries e
                LEFT JOIN ledger_entries r
                       ON e.kind = '{_REVERSAL}' AND r.id = e.reverses_entry_id
               WHERE e.id <= w.rolled_to AND (e.kind <> '{_REVERSAL}' OR r.id IS NOT NULL)
               GROUP BY 1, 2, 3, 4),
        d AS (SELECT hour, kind, credit, reversal, sum(points) AS points,
                     sum(entries) AS entries, sum(moved) AS moved
                FROM ledger_rollups GROUP BY 1, 2, 3, 4)
        SELECT format('hour %s, %s %s%s: entries %s, hour totals %s, rollups %s (points, '
                      'entries, moved)', hour, kind, CASE WHEN credit THEN 'credit'
                      ELSE 'debit' END, CASE WHEN reversal THEN ' reversed' ELSE '' END,
                      ROW(e.points, e.entries, e.moved), ROW(t.points, t.entries, t.moved),
                      ROW(d.points, d.entries, d.moved))
          FROM e FULL JOIN ledger_hour_totals t USING (hour, kind, credit, reversal)
                 FULL JOIN d USING (hour, kind, credit, reversal)
         WHERE ROW(e.points, e.entries, e.moved) IS DISTINCT FROM ROW(t.points, t.entries,
                                                                       t.moved)
            OR ROW(t.points, t.entries, t.moved) IS DISTINCT FROM ROW(d.points, d.entries,
                                                                       d.moved)
        UNION ALL
        SELECT format('day %s, %s %s%s: hour totals %s, day totals %s', day, kind,
                      CASE WHEN credit THEN 'credit' ELSE 'debit' END,
                      CASE WHEN reversal THEN ' reversed' ELSE '' END,
                      ROW(h.points, h.entries, h.moved), ROW(y.points, y.entries, y.moved))
          FROM (SELECT date_trunc('day', hour, 'UTC') AS day, kind, credit, reversal,
                       sum(points) AS points, sum(entries) AS entries, sum(moved) AS moved
                  FROM ledger_hour_totals GROUP BY 1, 2, 3, 4) h
          FULL JOIN ledger_day_totals y USING (day, kind, credit, reversal)
         WHERE ROW(h.points, h.entries, h.moved) IS DISTINCT FROM ROW(y.points, y.entries,
                                                                       y.moved)""",
    )


CHECKS: tuple[Check, ...] = (
    balance_equals_sum_of_entries,
    balance_equals_open_lots,
    balance_equals_lifetime_totals,
    lifetime_expired_equals_expiry_entries,
    expiry_takes_only_lots_past_their_date,
    balance_after_is_running_total,
    lots_match_allocations,
    debits_fully_allocated,
    held_equals_active_holds,
    rollups_equal_entries,
)


async def find_violations(conn: AsyncConnection, checks: tuple[Check, ...] = CHECKS) -> list[str]:
    """Run every check (the ledger's by default); the result is empty when all hold."""
    found: list[str] = []
    for check in checks:
        found.extend(f"{check.__name__}: {v}" for v in await check(conn))
    return found
