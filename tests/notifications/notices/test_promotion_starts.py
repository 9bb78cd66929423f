"""Given promotions starting now, later, or made already started, when the promotion-starts
job runs (as often and as concurrently as workers make it), then each start is noticed
once, to every recipient of PROMOTION_STARTED, with the promotion's filter and the number
of customers it is for. Time passes on the job's clock, set from the database's, never by
sleeping."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.promotions.models import PromotionSpec
from domain.promotions.services import create_promotion, update_promotion
from domain.uow import UnitOfWork
from notifications.notices.promotion_starts import notice_promotion_starts
from tests.notifications.notices.support import notices, recipient

STARTED = "PROMOTION_STARTED"


class Clock:
    """The job's clock: the database's time when the test began, moved on by `passes`, so
    the stored times stay as made (a promotion's start is what identifies it)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def passes(self, elapsed: timedelta) -> None:
        self.now += elapsed


@pytest.fixture
async def clock(clean_db: AsyncEngine) -> Clock:
    async with clean_db.connect() as conn:
        return Clock((await conn.execute(text("SELECT now()"))).scalar_one())


async def promotion(
    engine: AsyncEngine,
    clock: Clock,
    name: str,
    starts_in: timedelta,
    lasts: timedelta = timedelta(days=2),
) -> int:
    starts_at = clock.now + starts_in
    spec = PromotionSpec(
        name, starts_at, starts_at + lasts, Decimal("2"), ("Coffee", "Tea"), ("POS", "WEB")
    )
    return (await create_promotion(UnitOfWork(engine), spec, name)).item.id


async def run_job(engine: AsyncEngine, clock: Clock) -> list[int]:
    return await notice_promotion_starts(UnitOfWork(engine), clock.now)


async def test_a_promotion_is_noticed_when_it_starts_and_only_then(
    clean_db: AsyncEngine, clock: Clock
) -> None:
    # Given 3 customers, a manager of one shop and head office, and a promotion starting in
    # an hour (the job has looked once before it was made)
    for _ in range(3):
        await create_customer(UnitOfWork(clean_db), {}, None)
    await recipient(clean_db, "centro@shop.example", STARTED, shop="centro")
    await recipient(clean_db, "hq@shop.example", STARTED, "LARGE_ADJUSTMENT")
    await recipient(clean_db, "adjustments@shop.example", "LARGE_ADJUSTMENT")
    assert await run_job(clean_db, clock) == []
    pid = await promotion(clean_db, clock, "Double points weekend", timedelta(hours=1))
    # When the job runs before it starts, then nothing is noticed
    assert await run_job(clean_db, clock) == []
    # When an hour and a minute pass and the job runs
    clock.passes(timedelta(minutes=61))
    created = await run_job(clean_db, clock)
    # Then both recipients of the kind (whatever their shop: a promotion runs in every shop)
    # are told, once, with its filter and the number of customers it is for
    made = await notices(clean_db, STARTED)
    assert len(created) == 2
    assert [m.recipient for m in made] == ["centro@shop.example", "hq@shop.example"]
    content = made[0].content
    assert content["subject"] == "Promotion started: Double points weekend (2x points)"
    lines = content["text"].splitlines()
    assert lines[0] == 'The promotion "Double points weekend" has started.'
    assert lines[2:3] + lines[5:] == [
        "Earning: 2 times the points",
        "For: every customer (3 customers)",
        "Channels: POS, WEB",
        "Product lines: Coffee, Tea",
    ]
    assert "<td>every customer (3 customers)</td>" in content["html"]
    async with clean_db.connect() as conn:
        starts_at = (
            await conn.execute(text("SELECT starts_at FROM promotions WHERE id = :p"), {"p": pid})
        ).scalar_one()
    assert made[0].dedupe_key == (
        f"notice:PROMOTION_STARTED:{pid}:{starts_at.isoformat()}:centro@shop.example"
    )
    # And running the job again, and again a day later, notices nothing more
    assert await run_job(clean_db, clock) == []
    clock.passes(timedelta(days=1))
    assert await run_job(clean_db, clock) == []
    assert len(await notices(clean_db)) == 2


async def test_a_promotion_made_already_started_is_noticed_at_the_next_run(
    clean_db: AsyncEngine, clock: Clock
) -> None:
    # Given head office, and the job having looked a minute ago
    await recipient(clean_db, "hq@shop.example", STARTED)
    await run_job(clean_db, clock)
    clock.passes(timedelta(minutes=1))
    # When a promotion is made that started yesterday (the job looked after its start)
    await promotion(clean_db, clock, "Backdated", -timedelta(days=1))
    await run_job(clean_db, clock)
    # Then it is noticed all the same, once
    assert [m.content["subject"] for m in await notices(clean_db)] == [
        "Promotion started: Backdated (2x points)"
    ]
    assert await run_job(clean_db, clock) == []


async def test_a_start_between_two_runs_is_noticed_even_when_the_promotion_has_ended(
    clean_db: AsyncEngine, clock: Clock
) -> None:
    # Given a ten-minute flash promotion starting in a minute, the job having looked now
    await recipient(clean_db, "hq@shop.example", STARTED)
    await promotion(clean_db, clock, "Flash", timedelta(minutes=1), lasts=timedelta(minutes=10))
    await run_job(clean_db, clock)
    # When the scheduler was down for an hour (the promotion started and ended meanwhile)
    clock.passes(timedelta(hours=1))
    await run_job(clean_db, clock)
    # Then its start is noticed all the same
    assert [m.content["subject"] for m in await notices(clean_db)] == [
        "Promotion started: Flash (2x points)"
    ]


async def test_a_start_moved_is_a_new_start_and_a_paused_promotion_is_not_noticed(
    clean_db: AsyncEngine, clock: Clock
) -> None:
    # Given head office and a promotion noticed as it started
    await recipient(clean_db, "hq@shop.example", STARTED)
    pid = await promotion(clean_db, clock, "Spring", -timedelta(minutes=1))
    await run_job(clean_db, clock)
    # When it is paused, then started again later with a new start time
    await update_promotion(UnitOfWork(clean_db), str(pid), {"active": False})
    later = clock.now - timedelta(seconds=1)
    await update_promotion(UnitOfWork(clean_db), str(pid), {"starts_at": later})
    await run_job(clean_db, clock)
    assert len(await notices(clean_db)) == 1  # paused: not noticed
    await update_promotion(UnitOfWork(clean_db), str(pid), {"active": True})
    await run_job(clean_db, clock)
    # Then the new start is noticed too (its own dedupe key), and each start once
    assert len({m.dedupe_key for m in await notices(clean_db)}) == 2
    assert await run_job(clean_db, clock) == []


async def test_thirty_runs_at_once_notice_each_start_once(
    clean_db: AsyncEngine, clock: Clock
) -> None:
    # Given three recipients and two promotions that have just started
    for n in range(3):
        await recipient(clean_db, f"m{n}@shop.example", STARTED, shop=f"shop-{n}")
    await promotion(clean_db, clock, "A", -timedelta(seconds=5))
    await promotion(clean_db, clock, "B", -timedelta(seconds=1))
    # When thirty workers run the job at the same moment
    results = await asyncio.gather(*(run_job(clean_db, clock) for _ in range(30)))
    # Then each start was noticed once to each recipient: six messages, made by one run
    assert sorted(len(r) for r in results) == [0] * 29 + [6]
    assert len(await notices(clean_db)) == 6
    async with clean_db.connect() as conn:
        noticed = (
            await conn.execute(text("SELECT count(*) FROM notice_promotion_starts"))
        ).scalar_one()
    assert noticed == 2


async def test_on_the_database_clock_a_promotion_made_started_is_noticed(
    clean_db: AsyncEngine,
) -> None:
    # Given head office and a promotion made a second after its start, by the database's time
    await recipient(clean_db, "hq@shop.example", STARTED)
    async with clean_db.connect() as conn:
        now = (await conn.execute(text("SELECT now()"))).scalar_one()
    spec = PromotionSpec("Now", now - timedelta(seconds=1), now + timedelta(days=1), Decimal(3))
    await create_promotion(UnitOfWork(clean_db), spec, "now")
    # When the job runs on the database's clock (as the actor runs it), then it is noticed
    assert len(await notice_promotion_starts(UnitOfWork(clean_db))) == 1
    assert await notice_promotion_starts(UnitOfWork(clean_db)) == []
    (made,) = await notices(clean_db)
    assert "Channels: every channel\nProduct lines: every product line" in made.content["text"]
    assert "For: every customer (0 customers)" in made.content["text"]
