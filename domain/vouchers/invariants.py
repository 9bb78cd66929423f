"""Invariants of vouchers, as named checks (like the ledger's): each returns human-readable
violations, empty when the invariant holds. The rewards that issue vouchers have theirs in
domain/rewards/invariants.py."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ledger.invariants import Check, violation_rows
from domain.ledger.sql import ENTRIES


async def uses_equal_redemptions(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        """
        SELECT format('voucher %s: %s uses counted but %s standing redemptions', v.id, v.uses,
                      COALESCE(r.n, 0))
          FROM vouchers v
          LEFT JOIN (SELECT voucher_id, count(*) AS n FROM voucher_redemptions
                      WHERE cancelled_at IS NULL GROUP BY voucher_id) r ON r.voucher_id = v.id
         WHERE v.uses <> COALESCE(r.n, 0)""",
    )


async def bought_vouchers_are_paid(conn: AsyncConnection) -> list[str]:
    return await violation_rows(
        conn,
        f"""
        SELECT format('voucher %s (%s): paid by %s entries', v.id, v.source, count(e.id))
          FROM vouchers v
          LEFT JOIN ({ENTRIES}) e
            ON e.kind = 'REDEMPTION' AND e.points < 0
           AND e.idempotency_key = v.issue_key
         WHERE v.source <> 'BATCH'
         GROUP BY v.id, v.source
        HAVING count(e.id) <> 1""",
    )


CHECKS: tuple[Check, ...] = (
    uses_equal_redemptions,
    bought_vouchers_are_paid,
)
