"""Every invariant the data must keep, as one list of named checks (ledger, vouchers,
rewards, badges, cards, the analytics' rollups, erased customers); `tessera audit` and the
nightly audit actor run them all."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.analytics import invariants as analytics
from domain.badges import invariants as badges
from domain.cards import invariants as cards
from domain.customers import invariants as customers
from domain.ledger import invariants as ledger
from domain.rewards import invariants as rewards
from domain.vouchers import invariants as vouchers

CHECKS: tuple[ledger.Check, ...] = (
    ledger.CHECKS
    + vouchers.CHECKS
    + rewards.CHECKS
    + badges.CHECKS
    + cards.CHECKS
    + analytics.CHECKS
    + customers.CHECKS
)


async def find_all_violations(conn: AsyncConnection) -> list[str]:
    """Run every check on `conn` (in one snapshot, so that writes committed between two
    checks cannot show up as false violations); empty when all hold."""
    snapshot = await conn.execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )
    async with snapshot.begin():
        return await ledger.find_violations(snapshot, CHECKS)


async def audit(engine: AsyncEngine) -> list[str]:
    """Every check, on a connection of its own (`tessera audit`, the nightly actor)."""
    async with engine.connect() as conn:
        return await find_all_violations(conn)
