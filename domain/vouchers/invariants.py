"""Invariants of vouchers and of the rewards that issue them, as named checks (like the
ledger's): each returns human-readable violations, empty when the invariant holds."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ledger.invariants import Check, violation_rows


async def uses_equal_redemptions(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('voucher %s: %s uses counted but %s redemptions', v.id, v.uses,
                      COALESCE(r.n, 0))
          FROM vouchers v
          LEFT JOIN (SELECT voucher_id, count(*) AS n FROM voucher_redemptions
                      GROUP BY voucher_id) r ON r.voucher_id = v.id
         WHERE v.uses <> COALESCE(r.n, 0)""",
    )


async def bought_vouchers_are_paid(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('voucher %s (%s): paid by %s entries', v.id, v.source, count(e.id))
          FROM vouchers v
          LEFT JOIN ledger_entries e
            ON e.kind = 'REDEMPTION' AND e.points < 0
           AND e.idempotency_key = v.issue_key
         WHERE v.source <> 'BATCH'
         GROUP BY v.id, v.source
        HAVING count(e.id) <> 1""",
    )


async def claims_match_their_debit(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('claim %s: costs %s points but its entry moved %s', c.id, c.points,
                      e.points)
          FROM reward_claims c JOIN ledger_entries e ON e.id = c.entry_id
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


CHECKS: tuple[Check, ...] = (
    uses_equal_redemptions,
    bought_vouchers_are_paid,
    claims_match_their_debit,
    rewards_count_their_claims,
)
