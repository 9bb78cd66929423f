"""Steps the badge tests share: many customers in a moment, and the checks that every
customer holds exactly the badges their points give, each change logged once with its
event."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.badges.standings import badges_due, badges_held
from tests.support.ledger import assert_ledger_sound

# `n` customers with points spread over low..low+spread-1 (a fixed scramble of their ids),
# each an account, a credit entry and its lot, as the ledger's invariants want: set-based,
# tens of thousands in a second or two.
_SEED = text("""
    WITH c AS (
        INSERT INTO customers (category_id)
        SELECT (SELECT id FROM point_categories WHERE is_default) FROM generate_series(1, :n)
        RETURNING id),
    p AS (SELECT id, CAST(:low AS bigint) + (id * 7919) % CAST(:spread AS bigint) AS points
            FROM c),
    a AS (
        INSERT INTO point_accounts (customer_id, balance, lifetime_earned)
        SELECT id, points, points FROM p),
    e AS (
        INSERT INTO ledger_entries (customer_id, points, balance_after, kind, actor)
        SELECT id, points, points, 'MANUAL', 'seed' FROM p WHERE points > 0
        RETURNING id, customer_id, points)
    INSERT INTO point_lots (customer_id, entry_id, granted, remaining)
    SELECT customer_id, id, points, points FROM e
""")


async def seed_customers(engine: AsyncEngine, n: int, low: int = 0, spread: int = 1000) -> None:
    """`n` customers with points spread over low..low+spread-1, in one statement."""
    async with engine.begin() as conn:
        await conn.execute(_SEED, {"n": n, "low": low, "spread": spread})


async def assert_badges_sound(engine: AsyncEngine) -> None:
    """Every customer holds exactly the badges their points give (recomputed from scratch),
    every invariant holds (badges' history alternating from an unlock included), and each
    logged unlock and loss has exactly one event."""
    async with engine.connect() as conn:
        held, due = await badges_held(conn), await badges_due(conn)
        assert held == due, f"held: {sorted(held - due)[:5]}, lacked: {sorted(due - held)[:5]}"
        unevented = await conn.execute(
            text("""
                SELECT c.id, count(e.id) AS events FROM badge_changes c
                  LEFT JOIN domain_events e
                    ON e.type IN ('BadgeUnlocked', 'BadgeLost')
                   AND CAST(e.payload ->> 'change_id' AS bigint) = c.id
                 GROUP BY c.id HAVING count(e.id) <> 1""")
        )
        assert unevented.all() == []
        events = await conn.execute(
            text("SELECT count(*) FROM domain_events WHERE type IN ('BadgeUnlocked', 'BadgeLost')")
        )
        changes = await conn.execute(text("SELECT count(*) FROM badge_changes"))
        assert events.scalar_one() == changes.scalar_one()
    await assert_ledger_sound(engine)
