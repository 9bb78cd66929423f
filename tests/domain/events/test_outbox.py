"""Given pending events, when consumers take them from the outbox, then each is taken once
and in order, done only when the taking transaction commits, whatever the concurrency."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.events.outbox import take_pending
from domain.events.store import insert_events
from domain.events.types import CustomerUpdated
from domain.uow import UnitOfWork
from tessera.database import create_engine


async def _record(engine: AsyncEngine, count: int) -> None:
    async with engine.begin() as conn:
        await insert_events(conn, [CustomerUpdated(n, [f"f{n}"]) for n in range(count)])


async def _pending(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT count(*) FROM domain_events WHERE published_at IS NULL")
        )
        return int(found.scalar_one())


async def test_events_are_taken_oldest_first_and_done_on_commit(clean_db: AsyncEngine) -> None:
    # Given five pending events
    await _record(clean_db, 5)
    # When three are taken and the transaction commits
    uow = UnitOfWork(clean_db)
    async with uow:
        taken = await take_pending(uow, 3)
        await uow.commit()
    # Then they are the three oldest, with their payloads, and two are left
    assert [e.payload["fields"] for e in taken] == [["f0"], ["f1"], ["f2"]]
    assert [e.id for e in taken] == sorted(e.id for e in taken)
    assert (taken[0].type, taken[0].customer_id) == ("CustomerUpdated", 0)
    assert await _pending(clean_db) == 2


async def test_events_taken_by_a_transaction_that_rolls_back_are_pending_again(
    clean_db: AsyncEngine,
) -> None:
    await _record(clean_db, 4)
    # When a consumer takes them and fails before committing
    uow = UnitOfWork(clean_db)
    async with uow:
        assert len(await take_pending(uow, 10)) == 4
    # Then the next consumer gets all of them
    assert await _pending(clean_db) == 4


async def test_thirty_concurrent_consumers_each_take_distinct_events(
    clean_db: AsyncEngine, database_url: str
) -> None:
    # Given 600 pending events
    await _record(clean_db, 600)
    wide = create_engine(database_url, pool_size=30)  # a connection per consumer

    async def consume() -> list[int]:
        mine: list[int] = []
        while True:
            uow = UnitOfWork(wide)
            async with uow:
                batch = await take_pending(uow, 7)
                await asyncio.sleep(0)  # let the others in while this batch is held
                await uow.commit()
            if not batch:
                return mine
            mine.extend(e.id for e in batch)

    # When 30 consumers drain them at once
    try:
        taken = await asyncio.gather(*(consume() for _ in range(30)))
    finally:
        await wide.dispose()
    # Then every event was taken exactly once
    every = [i for ids in taken for i in ids]
    assert len(every) == len(set(every)) == 600
    assert await _pending(clean_db) == 0


async def test_a_batch_is_between_one_and_ten_thousand_events(clean_db: AsyncEngine) -> None:
    uow = UnitOfWork(clean_db)
    async with uow:
        for limit in (0, 10_001):
            with pytest.raises(ValueError):
                await take_pending(uow, limit)
