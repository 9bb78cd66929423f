"""Ledger rules at the domain level: retried adjustments, and the append-only entries."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.errors import DomainError, ErrorCode
from domain.ledger.invariants import find_violations
from domain.ledger.services import adjust_points
from domain.uow import UnitOfWork


async def new_customer(engine: AsyncEngine, points: int = 0) -> str:
    customer = (await create_customer(UnitOfWork(engine), {"email": "ann@example.com"}, None)).item
    if points:
        await adjust_points(UnitOfWork(engine), str(customer.id), points, "opening", "open", "t")
    return str(customer.id)


async def entry_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM ledger_entries"))).scalar_one())


async def test_retried_debit_replays_even_when_the_balance_no_longer_covers_it(
    clean_db: AsyncEngine,
) -> None:
    # Given a debit of 80 out of 100 that succeeded, then a debit that left 5 points
    cid = await new_customer(clean_db, 100)
    first = await adjust_points(UnitOfWork(clean_db), cid, -80, "gift", "redeem-1", "t")
    await adjust_points(UnitOfWork(clean_db), cid, -15, "gift", "redeem-2", "t")
    entries = await entry_count(clean_db)

    # When the first debit is retried (e.g. after a timeout)
    retry = await adjust_points(UnitOfWork(clean_db), cid, -80, "gift", "redeem-1", "t")

    # Then the first movement comes back, not an INSUFFICIENT_POINTS refusal, and nothing moves
    assert retry.replayed is True
    assert retry.entry.id == first.entry.id
    assert retry.account.balance == 5
    assert await entry_count(clean_db) == entries


async def test_used_key_with_another_amount_is_a_conflict_even_if_it_would_overdraw(
    clean_db: AsyncEngine,
) -> None:
    # Given a key used for a credit of 10
    cid = await new_customer(clean_db)
    await adjust_points(UnitOfWork(clean_db), cid, 10, "welcome", "k", "t")

    # When the same key comes with a debit the balance cannot cover
    with pytest.raises(DomainError) as refused:
        await adjust_points(UnitOfWork(clean_db), cid, -50, "gift", "k", "t")

    # Then it is refused as a key conflict, and nothing is written
    assert [p.code for p in refused.value.problems] == [ErrorCode.IDEMPOTENCY_CONFLICT]
    assert await entry_count(clean_db) == 1


@pytest.mark.parametrize(
    "statement",
    ["UPDATE ledger_entries SET points = points + 1", "DELETE FROM ledger_entries"],
)
async def test_ledger_entries_cannot_be_changed_or_deleted(
    clean_db: AsyncEngine, statement: str
) -> None:
    # Given a customer with one entry
    await new_customer(clean_db, 100)

    # When anyone, even with direct SQL, updates or deletes an entry
    with pytest.raises(DBAPIError, match="append-only"):
        async with clean_db.begin() as conn:
            await conn.execute(text(statement))

    # Then the database refused it and the ledger is as it was
    async with clean_db.connect() as conn:
        points = (await conn.execute(text("SELECT points FROM ledger_entries"))).scalars().all()
        assert points == [100]
        assert await find_violations(conn) == []


async def test_credits_and_debits_racing_on_one_customer_are_applied_or_refused_never_an_error(
    clean_db: AsyncEngine,
) -> None:
    # Given one customer with 36 points, and 30 callers at a time crediting and debiting
    # 15, 60 or 120 points (each caller its own key), for a few rounds; each debit is sent
    # before its credit, so that some find too few points even when the calls, each one
    # round trip now, reach the database in the order they were made
    cid = await new_customer(clean_db, 36)
    moves = [sign * points for points in (15, 60, 120) for sign in (-1, 1)] * 5

    async def move(n: int, points: int) -> str:
        try:
            await adjust_points(UnitOfWork(clean_db), cid, points, "race", f"race-{n}", "t")
        except DomainError as error:
            return error.problems[0].code.value
        return "ok"

    # When they run concurrently
    outcomes = await asyncio.gather(*(move(n, p) for n, p in enumerate(moves)))

    # Then each is written or refused for want of points (the debit's guard reads the
    # account as locked, never a version older than the one it changes), and the ledger holds
    assert set(outcomes) <= {"ok", ErrorCode.INSUFFICIENT_POINTS.value}
    assert "ok" in outcomes and ErrorCode.INSUFFICIENT_POINTS.value in outcomes
    async with clean_db.connect() as conn:
        assert await find_violations(conn) == []
