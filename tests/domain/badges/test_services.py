"""Badge changes under concurrency: badges stay consistent with balances while points move
and badges change at the same time (also when a balance change is in flight while a badge
changes); a transaction is synced once, on its final points; overlapping badges created at
once, or the same key sent twice at once, leave one badge."""

from __future__ import annotations

import asyncio
import contextlib
import random

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.badges.models import BadgeBasis, BadgeSpec
from domain.badges.services import BadgeChange, create_badge, update_badge
from domain.customers.services import create_customer
from domain.errors import DomainError, ErrorCode
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.ledger.posting import Posting
from domain.ledger.services import adjust_points
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.services import PurchaseReport, record_purchase
from domain.uow import UnitOfWork
from tests.support.badges import assert_badges_sound

ACTOR = "test"


async def customers_with(engine: AsyncEngine, *points: int) -> list[str]:
    ids = []
    for i, p in enumerate(points):
        cid = str((await create_customer(UnitOfWork(engine), {}, None)).item.id)
        if p:
            await adjust_points(UnitOfWork(engine), cid, p, "start", f"start-{i}", ACTOR)
        ids.append(cid)
    return ids


async def test_badges_stay_consistent_while_points_move_and_badges_change_at_once(
    clean_db: AsyncEngine,
) -> None:
    # Given 6 customers around 500 points and Bronze 100-499 / Silver 500-1999
    new = lambda: UnitOfWork(clean_db)  # noqa: E731
    ids = await customers_with(clean_db, 450, 480, 500, 520, 490, 510)
    bronze = await create_badge(new(), BadgeSpec("Bronze", 100, 499), "bronze")
    silver = await create_badge(new(), BadgeSpec("Silver", 500, 1999), "silver")
    assert (bronze.unlocked, silver.unlocked) == (3, 3)
    rng = random.Random(7)

    async def move(i: int) -> None:
        cid = ids[i % len(ids)]
        if i % 3 == 0:
            report = PurchaseReport(
                order_id=f"c{i}",
                status=PurchaseStatus.PAID,
                customer_id=cid,
                lines=[Line("A", 1, rng.randint(100, 5000))],
            )
            await record_purchase(new(), report, ACTOR)
        else:
            with contextlib.suppress(DomainError):  # a debit beyond the balance
                await adjust_points(new(), cid, rng.choice([-40, -15, 15, 40]), "n", f"m{i}", ACTOR)

    async def edits() -> None:
        for i in range(8):
            # Silver's lower bound moves down (Bronze's top first, to keep them apart), and
            # a lifetime badge comes and goes
            low = 500 - 3 * i
            await update_badge(new(), str(bronze.badge.id), {"max_points": low - 1})
            await update_badge(new(), str(silver.badge.id), {"min_points": low})
            loyal = BadgeSpec("Loyal", 520 + i, None, BadgeBasis.LIFETIME)
            created = await create_badge(new(), loyal, f"loyal-{i}")
            await update_badge(new(), str(created.badge.id), {"active": False})

    # When 120 balance changes and 8 rounds of badge edits run at the same time
    await asyncio.gather(*(move(i) for i in range(120)), edits())

    # Then every customer holds exactly the badges their points give, and the history agrees
    await assert_badges_sound(clean_db)


async def test_a_balance_change_in_flight_during_a_badge_change_ends_consistent(
    clean_db: AsyncEngine,
) -> None:
    # Given Ann at 490 points and Silver 500-1999
    [ann] = await customers_with(clean_db, 490)
    silver = await create_badge(UnitOfWork(clean_db), BadgeSpec("Silver", 500, 1999), "silver")
    credit = Posting.of(int(ann), 20, EntryKind.MANUAL, ACTOR, note="n", idempotency_key="k")
    # And a credit of 20 written but not yet committed, its trigger already run: it
    # unlocked Silver for 510 against Silver as it was
    uow = UnitOfWork(clean_db)
    async with uow:
        await post.credit(uow, credit)
        await uow.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        # When Silver is raised to 520-1999 meanwhile, and the credit commits only once that
        # change has committed the badge
        raised = asyncio.create_task(
            update_badge(UnitOfWork(clean_db), str(silver.badge.id), {"min_points": 520})
        )
        await until_committed_or_done(clean_db, raised, "SELECT min_points = 520 FROM badges")
        await uow.commit()
    change = await raised

    # Then Ann, at 510, does not hold the raised Silver: the re-sync saw her credit
    assert change.lost == 1
    await assert_badges_sound(clean_db)


async def test_a_transaction_is_synced_once_on_its_final_points(clean_db: AsyncEngine) -> None:
    # Given Ann at 490 points and Silver 500-1999
    [ann] = await customers_with(clean_db, 490)
    await create_badge(UnitOfWork(clean_db), BadgeSpec("Silver", 500, 1999), "silver")
    # When one transaction credits 20 (510: in Silver's range), then debits 20 (490)
    uow = UnitOfWork(clean_db)
    async with uow:
        up = Posting.of(int(ann), 20, EntryKind.MANUAL, ACTOR, note="n", idempotency_key="up")
        down = Posting.of(int(ann), -20, EntryKind.MANUAL, ACTOR, note="n", idempotency_key="dn")
        await post.credit(uow, up)
        await post.debit(uow, down)
        await uow.commit()
    # Then no badge came and went: nothing logged, no badge event
    async with clean_db.connect() as conn:
        logged = await conn.execute(
            text(
                "SELECT (SELECT count(*) FROM badge_changes), (SELECT count(*) FROM domain_events "
                "WHERE type LIKE 'Badge%')"
            )
        )
        assert tuple(logged.one()) == (0, 0)
    await assert_badges_sound(clean_db)


async def until_committed_or_done(
    engine: AsyncEngine, task: asyncio.Task[object], committed: str
) -> None:
    """Poll (with a deadline) until `task` finished or the query `committed` is true."""
    deadline = asyncio.get_running_loop().time() + 10
    while not task.done():
        async with engine.connect() as conn:
            if (await conn.execute(text(committed))).scalar_one():
                return
        assert asyncio.get_running_loop().time() < deadline, "neither committed nor done"
        await asyncio.sleep(0.01)


async def test_two_overlapping_badges_created_at_once_leave_one(clean_db: AsyncEngine) -> None:
    await customers_with(clean_db, 600)

    async def attempt(title: str, low: int) -> BadgeChange | DomainError:
        try:
            return await create_badge(UnitOfWork(clean_db), BadgeSpec(title, low, 999), title)
        except DomainError as error:
            return error

    # When Silver 500-999 and Silver' 550-999 are created at the same time
    results = await asyncio.gather(attempt("Silver", 500), attempt("Silver'", 550))

    # Then one is created (and unlocked by the customer at 600); the other is refused
    created = [r for r in results if isinstance(r, BadgeChange)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(created) == 1 and created[0].unlocked == 1
    assert [p.code for p in refused[0].problems] == [ErrorCode.BADGE_RANGES_OVERLAP]
    await assert_badges_sound(clean_db)


async def test_the_same_key_sent_twice_at_once_creates_one_badge(clean_db: AsyncEngine) -> None:
    await customers_with(clean_db, 150)
    spec = BadgeSpec("Bronze", 100, 499)
    first, second = await asyncio.gather(
        create_badge(UnitOfWork(clean_db), spec, "bronze"),
        create_badge(UnitOfWork(clean_db), spec, "bronze"),
    )
    assert first.badge.id == second.badge.id
    assert sorted([first.replayed, second.replayed]) == [False, True]
    async with clean_db.connect() as conn:
        counts = (
            await conn.execute(
                text("SELECT (SELECT count(*) FROM badges), (SELECT count(*) FROM badge_changes)")
            )
        ).one()
    assert tuple(counts) == (1, 1)
    await assert_badges_sound(clean_db)
