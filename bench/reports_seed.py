"""The reports bench's ledger, written set-based in SQL (generate_series): customers spread
over three categories, and for each customer a run of entries interleaved with everyone
else's in time, as a live ledger grows.

A customer's k-th entry is entry i = k * customers + c (c from 1), at START + (i - 1) *
the span / entries, so ids and times rise together. Even k: a credit (PURCHASE, or MANUAL
one time in five) of 50 to 499 points, which opens a lot. Odd k: a debit of 10% to 89% of
the credit just before it (REDEMPTION 70%, REFUND 15%, MANUAL 15%), drawn from that credit's
lot. So balances never go below zero, balance_after is the running total, each lot's
remaining is its grant less its one allocation, each debit is fully allocated, and the
accounts' lifetime totals follow the ledger's rules: every check of
domain.ledger.invariants holds. (Debits draw from the lot just before them rather than the
oldest open lot: the invariants do not look at the order of allocation.) There are no
reversals, holds or reward claims."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import asyncpg

START = datetime(2024, 7, 1, tzinfo=UTC)
SPAN = timedelta(days=730)  # two years, to 2026-06-30

# Per entry i: its customer c, its rank k among the customer's entries, the pair j = k / 2
# (a credit and the debit after it), the credit's points cp and the debit's dp (from two
# cheap hashes of c and j) and its kinds' dice.
_ENTRIES = """
    SELECT i, c, k, created_at,
           CASE WHEN k % 2 = 0 THEN cp ELSE -(cp * (10 + h2 % 80) / 100) END AS points,
           CASE WHEN k % 2 = 0 THEN CASE WHEN h1 % 5 = 0 THEN 'MANUAL' ELSE 'PURCHASE' END
                WHEN h2 % 100 < 70 THEN 'REDEMPTION'
                WHEN h2 % 100 < 85 THEN 'REFUND'
                ELSE 'MANUAL' END AS kind,
           cp * (10 + h2 % 80) / 100 AS next_debit
      FROM (SELECT i, c, k, created_at, 50 + (h1 * 7) % 450 AS cp, h1, h2
              FROM (SELECT i, c, k, created_at,
                           (c * 7919 + (k / 2) * 104729) % 1000 AS h1,
                           (c * 104723 + (k / 2) * 7907) % 1000 AS h2
                      FROM (SELECT i, (i - 1) % $1 + 1 AS c, (i - 1) / $1 AS k,
                                   $3::timestamptz + (i - 1) * $4::interval AS created_at
                              FROM generate_series(1, $2::bigint) i) a) b) s"""

_CATEGORIES = """
    INSERT INTO point_categories (name, earn_multiplier) VALUES ('Premium', 2), ('VIP', 3)"""

_CUSTOMERS = """
    INSERT INTO customers (id, external_ref, first_name, category_id, created_at)
    SELECT c, 'bench-' || c, 'Customer ' || c,
           (SELECT id FROM point_categories
             WHERE name = CASE WHEN c % 50 = 0 THEN 'VIP' WHEN c % 10 = 0 THEN 'Premium'
                               ELSE (SELECT name FROM point_categories WHERE is_default) END),
           $2::timestamptz
      FROM generate_series(1, $1::bigint) c"""

_LEDGER = f"""
    INSERT INTO ledger_entries (id, customer_id, points, balance_after, kind, note,
                                source_type, source_ref, actor, created_at)
    SELECT i, c, points, sum(points) OVER (PARTITION BY c ORDER BY k), kind,
           CASE kind WHEN 'MANUAL' THEN CASE WHEN points > 0 THEN 'Contest winner'
                                             ELSE 'Damaged card' END END,
           CASE kind WHEN 'PURCHASE' THEN 'purchase' WHEN 'REFUND' THEN 'purchase'
                     WHEN 'REDEMPTION' THEN 'order' END,
           CASE WHEN kind <> 'MANUAL' THEN 'default/B-' || c || '-' || (k / 2) END,
           'bench', created_at
      FROM ({_ENTRIES}) e
     ORDER BY i"""

# A credit's lot keeps what the debit after it (if any) did not take.
_LOTS = f"""
    INSERT INTO point_lots (id, customer_id, entry_id, granted, remaining, created_at)
    SELECT i, c, i, points, points - CASE WHEN i + $1 <= $2 THEN next_debit ELSE 0 END,
           created_at
      FROM ({_ENTRIES}) e
     WHERE k % 2 = 0"""

_ALLOCATIONS = f"""
    INSERT INTO lot_allocations (entry_id, lot_id, points)
    SELECT i, i - $1, points FROM ({_ENTRIES}) e WHERE k % 2 = 1"""

# Lifetime earned: credits net of refunds; spent: other debits (domain.ledger.kinds).
_ACCOUNTS = """
    INSERT INTO point_accounts (customer_id, balance, lifetime_earned, lifetime_spent)
    SELECT c.id, COALESCE(t.balance, 0), COALESCE(t.earned, 0), COALESCE(t.spent, 0)
      FROM customers c
      LEFT JOIN (SELECT customer_id, sum(points) AS balance,
                        sum(points) FILTER (WHERE points > 0 OR kind = 'REFUND') AS earned,
                        -sum(points) FILTER (WHERE points < 0 AND kind <> 'REFUND') AS spent
                   FROM ledger_entries GROUP BY customer_id) t ON t.customer_id = c.id"""

_SEQUENCES = [
    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
    for table in ("customers", "ledger_entries", "point_lots")
]


async def seed(dsn: str, customers: int, entries: int) -> None:
    """Write the bench's program; ANALYZE it so the planner knows its size."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET work_mem = '256MB'")
        await _skip_foreign_key_checks(conn)
        generated = (customers, entries, START, SPAN / entries)
        async with conn.transaction():
            await conn.execute(_CATEGORIES)
            await conn.execute(_CUSTOMERS, customers, START)
            for name, statement in (("entries", _LEDGER), ("lots", _LOTS)):
                await _timed(name, conn.execute(statement, *generated))
            await _timed("allocations", conn.execute(_ALLOCATIONS, *generated))
            await _timed("accounts", conn.execute(_ACCOUNTS))
            for statement in _SEQUENCES:
                await conn.execute(statement)
        await _timed("vacuum analyze", conn.execute("VACUUM ANALYZE"))
    finally:
        await conn.close()


async def _skip_foreign_key_checks(conn: asyncpg.Connection) -> None:
    """The rows are consistent by construction: a superuser skips the foreign keys' per-row
    checks (a third of the seed's time); anyone else seeds with them."""
    try:
        await conn.execute("SET session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        print("not a superuser: seeding with foreign key checks", file=sys.stderr)


async def _timed(name: str, step: Awaitable[object]) -> None:
    t0 = time.perf_counter()
    await step
    print(f"  seeded {name} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
