"""The rewards' invariants as named checks (`tessera audit` runs them with the others)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ledger.invariants import Check, violation_rows
from domain.ledger.sql import ENTRIES


async def claims_match_their_debit(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        f"""
        SELECT format('claim %s: costs %s points but its entry moved %s', c.id, c.points,
                      e.points)
          FROM reward_claims c JOIN ({ENTRIES}) e ON e.id = c.entry_id
         WHERE e.points <> -c.points OR e.customer_id <> c.customer_id""",
    )


async def rewards_count_their_claims(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('reward %s: claimed %s but %s claims', r.id, r.claimed, COALESCE(c.n, 0))
          FROM rewards r
          LEFT JOIN (SELECT reward_id, count(*) AS n FROM reward_claims GROUP BY reward_id) c
            ON c.reward_id = r.id
         WHERE r.claimed <> COALESCE(c.n, 0)""",
    )


CHECKS: tuple[Check, ...] = (claims_match_their_debit, rewards_count_their_claims)
