"""The invariant checks the tests share."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.audit import CHECKS
from domain.ledger.invariants import find_violations


async def assert_ledger_sound(engine: AsyncEngine) -> None:
    """Every invariant holds: the ledger's, the vouchers' and the rewards' (the same checks
    as `tessera audit`)."""
    async with engine.connect() as conn:
        assert await find_violations(conn, CHECKS) == []
