"""The invariant checks the tests share."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.audit import audit


async def assert_ledger_sound(engine: AsyncEngine) -> None:
    """Every invariant holds (the ledger's, vouchers', rewards' and badges': what
    `tessera audit` checks, in one snapshot)."""
    assert await audit(engine) == []
