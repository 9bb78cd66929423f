"""The rollup job: its watermark waits for every writer that could still commit an id below
it, it rolls each entry up once under its hour, kind, direction, shop, channel and
category, and the invariant check finds rollups that disagree with the entries."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.ledger.dimensions import entry_dimensions_sql
from domain.ledger.invariants import rollups_equal_entries
from domain.ledger.rollup_reads import ROLLUPS, period_groups_sql, rolled_to
from domain.ledger.rollups import roll_up_ledger, roll_up_now
from domain.ledger.services import adjust_points, reverse_entry
from domain.ledger.sql import entry_groups_sql
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.refunds import refund_purchase
from domain.purchases.services import PurchaseReport, record_purchase
from domain.reports.flows import fold
from domain.uow import UnitOfWork
from tessera.database import create_engine
from tests.support.ledger import assert_ledger_sound
from tests.support.reports import new_customer

_CREDIT = text("UPDATE point_accounts SET balance = balance + :p WHERE customer_id = :c")
_ENTRY = text("""
    INSERT INTO ledger_entries (id, customer_id, points, balance_after, kind, actor)
    VALUES (COALESCE(:id, nextval(pg_get_serial_sequence('ledger_entries', 'id'))), :c, :p,
            (SELECT balance FROM point_accounts WHERE customer_id = :c), 'MANUAL', 'test')
    RETURNING id""")
_NEXT_ID = text("SELECT nextval(pg_get_serial_sequence('ledger_entries', 'id'))")


async def credit(
    conn: AsyncConnection, customer_id: int, points: int, id: int | None = None
) -> int:
    """A manual credit written in the connection's open transaction (as the ledger writes
    one: the balance, then the entry); its id (taken now unless given)."""
    await conn.execute(_CREDIT, {"p": points, "c": customer_id})
    params = {"id": id, "c": customer_id, "p": points}
    return int((await conn.execute(_ENTRY, params)).scalar_one())


async def rolled_sums(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("""
                    SELECT (SELECT rolled_to FROM ledger_rollup_state) AS rolled_to,
                           (SELECT sum(entries) FROM ledger_hour_totals) AS hour_entries,
                           (SELECT sum(points) FROM ledger_hour_totals) AS hour_points,
                           (SELECT sum(entries) FROM ledger_rollups) AS entries,
                           (SELECT sum(points) FROM ledger_rollups) AS points""")
            )
        ).one()
    return dict(row._mapping)


async def entry_sums(engine: AsyncEngine, up_to: int) -> tuple[int, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT count(*), COALESCE(sum(points), 0) FROM ledger_entries WHERE id <= :w"
                ),
                {"w": up_to},
            )
        ).one()
    return int(row[0]), int(row[1])


async def assert_rollups_complete(engine: AsyncEngine) -> None:
    """Every entry up to the watermark is rolled up once, in both tables."""
    sums = await rolled_sums(engine)
    entries, points = await entry_sums(engine, sums["rolled_to"])
    assert (sums["entries"], sums["points"]) == (entries, points)
    assert (sums["hour_entries"], sums["hour_points"]) == (entries, points)
    async with engine.connect() as conn:
        assert await rollups_equal_entries(conn) == []


_SCAN = text(f"SELECT * FROM ({entry_groups_sql('true')}) g")
_ROLLED = text(period_groups_sql())


async def assert_totals_read_as_a_scan(engine: AsyncEngine) -> None:
    """In one snapshot, all-time totals read from the rollups and the tail equal a scan of
    the entries, whatever the writers and the job are doing meanwhile."""
    async with UnitOfWork(engine) as uow:
        await uow.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        params = {"since": None, "until": None, "rolled_to": await rolled_to(uow)}
        rolled = fold((await uow.execute(_ROLLED, params)).mappings().all())
        assert rolled == fold((await uow.execute(_SCAN)).mappings().all())


@pytest.fixture
async def writers(clean_db: AsyncEngine, database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine of its own for writers holding transactions open beside the job's."""
    engine = create_engine(database_url, pool_size=20)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_an_id_taken_before_the_watermark_is_rolled_up_when_its_writer_commits(
    clean_db: AsyncEngine, writers: AsyncEngine
) -> None:
    ann = await new_customer(clean_db, "ann")
    async with writers.connect() as late:
        # Given a writer that took an id (no xid yet: nothing written) and goes on slowly
        late_tx = await late.begin()
        late_id = int((await late.execute(_NEXT_ID)).scalar_one())
        # and writers that committed ids after it
        async with writers.begin() as quick:
            committed = [await credit(quick, ann, 10) for _ in range(3)]
        assert min(committed) > late_id

        # When the job takes its pending watermark (above the late id) and runs again
        first = await roll_up_ledger(UnitOfWork(clean_db))
        assert first.pending_to == max(committed)
        await credit(late, ann, 7, id=late_id)  # the late writer inserts now
        second = await roll_up_ledger(UnitOfWork(clean_db))

        # Then the watermark waits for the late writer, though the later ids are visible
        assert (second.rows, second.rolled_to) == (0, 0)
        await late_tx.commit()

    # And once it has committed, the next run rolls up all four entries, the late one too
    third = await roll_up_ledger(UnitOfWork(clean_db))
    assert (third.rows, third.rolled_to) == (4, max(committed))
    assert (await rolled_sums(clean_db))["points"] == 37
    await assert_rollups_complete(clean_db)


async def test_ids_of_rolled_back_writers_are_passed_over(
    clean_db: AsyncEngine, writers: AsyncEngine
) -> None:
    ann = await new_customer(clean_db, "ann")
    async with writers.connect() as conn:
        tx = await conn.begin()
        lost = await credit(conn, ann, 99)
        await roll_up_ledger(UnitOfWork(clean_db))  # pending: up to the lost id
        await tx.rollback()
    async with writers.begin() as conn:
        kept = await credit(conn, ann, 5)
    run = await roll_up_now(UnitOfWork(clean_db))
    assert kept > lost and run.rolled_to == kept
    assert (await rolled_sums(clean_db))["points"] == 5
    await assert_rollups_complete(clean_db)


async def test_many_writers_and_runs_at_once_roll_each_entry_up_once(
    clean_db: AsyncEngine, writers: AsyncEngine
) -> None:
    # Given customers, and 30 writers each running 8 transactions of 1 to 3 credits, some
    # taking their id before a pause, some held open across job runs, one in five rolled back
    customers = [await new_customer(clean_db, f"c{n}") for n in range(12)]
    rng = random.Random(12)
    done = asyncio.Event()

    async def writer(seed: int) -> None:
        mine = random.Random(seed)
        for _ in range(8):
            async with writers.connect() as conn:
                tx = await conn.begin()
                early = int((await conn.execute(_NEXT_ID)).scalar_one())
                await asyncio.sleep(mine.random() * 0.02)
                customer = mine.choice(customers)  # one a transaction: writers never deadlock
                await credit(conn, customer, mine.randint(1, 50), id=early)
                for _ in range(mine.randrange(3)):
                    await credit(conn, customer, mine.randint(1, 50))
                await asyncio.sleep(mine.random() * 0.05)
                await (tx.rollback() if mine.random() < 0.2 else tx.commit())

    async def job() -> int:
        runs = 0
        while not done.is_set():
            await roll_up_ledger(UnitOfWork(clean_db), batch=rng.randint(1, 20))
            runs += 1
            await assert_totals_read_as_a_scan(clean_db)
        return runs

    # When the job runs over and over, two at a time, while they write (and after each run
    # the totals are read from the rollups and compared with a scan in the same snapshot)
    jobs = [asyncio.create_task(job()) for _ in range(2)]
    await asyncio.gather(*(writer(seed) for seed in range(30)))
    done.set()
    runs = sum(await asyncio.gather(*jobs))
    assert runs > 2
    before = await rolled_sums(clean_db)
    # (what was rolled up while writers ran is exact already)
    entries, points = await entry_sums(clean_db, before["rolled_to"])
    assert (before["entries"] or 0, before["points"] or 0) == (entries, points)

    # Then, rolled up to the end, every committed entry is counted once
    run = await roll_up_now(UnitOfWork(clean_db))
    async with clean_db.connect() as conn:
        last = (await conn.execute(text("SELECT max(id) FROM ledger_entries"))).scalar_one()
    assert run.rolled_to >= last
    await assert_rollups_complete(clean_db)


async def test_entries_are_rolled_up_under_their_orders_shop_channel_and_category(
    clean_db: AsyncEngine,
) -> None:
    # Given a Gold customer's purchase on the web at a shop whose code holds a '/', its
    # refund, a manual credit made at a till and its reversal
    async with clean_db.begin() as conn:
        gold = (
            await conn.execute(
                text(
                    "INSERT INTO point_categories (name, earn_multiplier) "
                    "VALUES ('Gold', 1) RETURNING id"
                )
            )
        ).scalar_one()
    ann = await new_customer(clean_db, "ann", gold)
    report = PurchaseReport(
        order_id="A-1",
        status=PurchaseStatus.PAID,
        customer_id=str(ann),
        lines=[Line("SKU", 1, 10_000)],
        shop="rome/center",
        channel="WEB",
    )
    await record_purchase(UnitOfWork(clean_db), report, "test")
    await refund_purchase(UnitOfWork(clean_db), "A-1", "rome/center", None, "r-1", "test")
    manual = await adjust_points(UnitOfWork(clean_db), str(ann), 30, "contest", "k-1", "t", "milan")
    await reverse_entry(UnitOfWork(clean_db), str(manual.entry.id), "mistake", "test")

    # When they are rolled up
    await roll_up_now(UnitOfWork(clean_db))

    # Then each is under its order's shop and channel (the reversal under its entry's),
    # and the customer's category
    async with clean_db.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT kind, credit, reversal, shop, channel, category_id, points, entries "
                    "FROM ledger_rollups ORDER BY kind, reversal"
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("MANUAL", True, False, "milan", None, gold, 30, 1),
        ("MANUAL", True, True, "milan", None, gold, -30, 1),
        ("PURCHASE", True, False, "rome/center", "WEB", gold, 100, 1),
        ("REFUND", False, False, "rome/center", "WEB", gold, -100, 1),
    ]
    await assert_rollups_complete(clean_db)
    await assert_ledger_sound(clean_db)  # the audit, which checks the rollups too

    # And a breakdown by shop read from the rollups plus the tail (a purchase made since)
    # equals one grouped from every entry
    report = PurchaseReport(
        order_id="B-2",
        status=PurchaseStatus.PAID,
        customer_id=str(ann),
        lines=[Line("SKU", 1, 4_000)],
        shop="milan",
        channel="POS",
    )
    await record_purchase(UnitOfWork(clean_db), report, "test")
    by_shop = """
        SELECT shop, channel, sum(points) FROM ({rows}) r GROUP BY 1, 2 ORDER BY 1, 2"""
    rolled_and_tail = f"""
        SELECT shop, channel, points FROM ({ROLLUPS}) r
        UNION ALL
        SELECT shop, channel, points FROM ({entry_dimensions_sql("e.id > :rolled_to")}) t"""
    async with UnitOfWork(clean_db) as uow:
        watermark = await rolled_to(uow)
        fast = await uow.execute(
            text(by_shop.format(rows=rolled_and_tail)), {"rolled_to": watermark}
        )
        scan = await uow.execute(text(by_shop.format(rows=entry_dimensions_sql("true"))))
        assert (
            fast.all()
            == scan.all()
            == [
                ("milan", "POS", 40),
                ("milan", None, 0),
                ("rome/center", "WEB", 0),
            ]
        )


async def test_the_invariant_check_finds_rollups_that_disagree_with_the_entries(
    clean_db: AsyncEngine,
) -> None:
    ann = await new_customer(clean_db, "ann")
    async with clean_db.begin() as conn:
        await credit(conn, ann, 10)
    await roll_up_now(UnitOfWork(clean_db))
    await assert_rollups_complete(clean_db)
    # When a rollup row is changed behind the job's back
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE ledger_hour_totals SET points = points + 1"))
    # Then the check (and so the audit) names the hour and the figures that disagree
    async with clean_db.connect() as conn:
        found = await rollups_equal_entries(conn)
    assert len(found) == 2
    assert "MANUAL credit: entries (10,1,10), hour totals (11,1,10), rollups (10,1,10)" in found[0]
    assert "MANUAL credit: hour totals (11,1,10), day totals (10,1,10)" in found[1]
