"""Adding, removing and setting points for a batch of customers (a funnel's points steps):
per item results, replays, the ceiling, clamping at what holds reserve, exact targets,
events, and many callers at once on the same customers and keys."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.badges.models import BadgeSpec
from domain.badges.services import create_badge
from domain.checkout.holds import hold_points
from domain.checkout.quote import CartLine
from domain.customers.services import create_customer
from domain.data_requests.services import erase_customer
from domain.ledger.bulk import (
    BulkCredit,
    BulkItem,
    BulkPosting,
    ItemResult,
    Outcome,
    credit_many,
)
from domain.ledger.bulk_changes import add_points_each, remove_points_each, set_points_each
from domain.ledger.kinds import EntryKind
from domain.ledger.services import adjust_points
from domain.limits import BALANCE_CEILING
from domain.uow import UnitOfWork
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import bare_customers, events_of

STEP = BulkPosting(EntryKind.MANUAL, "funnel:7", "funnel", "Funnel step")
CART = [CartLine("A", 5, 2_000)]
Change = Any  # add_points_each, remove_points_each or set_points_each


async def customer(engine: AsyncEngine, points: int = 0) -> int:
    made = (await create_customer(UnitOfWork(engine), {}, None)).item
    if points:
        await adjust_points(UnitOfWork(engine), str(made.id), points, "start", f"s{made.id}", "t")
    return made.id


def items(ids: Sequence[int], step: str = "s1") -> list[BulkItem]:
    """One item per customer: the key and source name funnel 7, version 2, the step and the
    customer's enrollment (its id here)."""
    return [BulkItem(cid, f"funnel:7:2:{step}:{cid}", f"7/2/{step}/{cid}") for cid in ids]


async def run(engine: AsyncEngine, change: Change, batch: list[BulkItem], n: int) -> list[Any]:
    """The change in a unit of work of its own (as the engine's step runs), committed."""
    uow = UnitOfWork(engine)
    async with uow:
        results = await change(uow, STEP, batch, n)
        await uow.commit()
    return list(results)


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(sql), params))


async def balances(engine: AsyncEngine, ids: Sequence[int]) -> list[int]:
    found = await rows(
        engine,
        "SELECT customer_id, balance FROM point_accounts WHERE customer_id = ANY(:ids)",
        ids=list(ids),
    )
    by_id = {r.customer_id: r.balance for r in found}
    return [by_id[cid] for cid in ids]


def outcomes(results: Sequence[ItemResult]) -> list[tuple[Outcome, int, int]]:
    return [(r.outcome, r.points, r.not_removed) for r in results]


async def test_adding_points_credits_each_with_its_key_source_and_event_once(
    clean_db: AsyncEngine,
) -> None:
    # Given two customers, one of them near the ceiling, and an id with no customer
    ann, bob = await customer(clean_db, 10), await customer(clean_db, BALANCE_CEILING - 20)
    batch = items([ann, bob, 999_999])

    # When a step adds 50 points to the batch, then runs again (a retried message)
    first = await run(clean_db, add_points_each, batch, 50)
    again = await run(clean_db, add_points_each, batch, 50)

    # Then Ann got 50 once; Bob was left out at the ceiling; the unknown id is reported
    assert outcomes(first) == [
        (Outcome.POSTED, 50, 0),
        (Outcome.CEILING, 0, 0),
        (Outcome.CUSTOMER_NOT_FOUND, 0, 0),
    ]
    assert first[0].balance_after == 60
    assert outcomes(again)[0] == (Outcome.REPLAYED, 50, 0)
    assert again[0].entry_id == first[0].entry_id
    assert await balances(clean_db, [ann, bob]) == [60, BALANCE_CEILING - 20]
    # And the entry names the funnel, version, step and enrollment; one PointsEarned
    (entry,) = await rows(
        clean_db,
        "SELECT source_type, source_ref, idempotency_key, kind FROM ledger_entries "
        "WHERE customer_id = :c AND source_type = 'funnel'",
        c=ann,
    )
    assert tuple(entry) == ("funnel", f"7/2/s1/{ann}", f"funnel:7:2:s1:{ann}", "MANUAL")
    earned = [e for e in await events_of(clean_db, "PointsEarned") if e["customer_id"] == ann]
    assert [(e["points"], e["balance_after"], e["source_ref"]) for e in earned[1:]] == [
        (50, 60, f"7/2/s1/{ann}")
    ]
    await assert_ledger_sound(clean_db)


async def test_an_erased_customer_is_credited_nothing_and_may_still_be_debited(
    clean_db: AsyncEngine,
) -> None:
    # Given an erased customer with points (their enrollment or gift already chosen)
    ann, bob = await customer(clean_db, 100), await customer(clean_db, 100)
    await erase_customer(UnitOfWork(clean_db), PARTS, bob, "dpo", "e1")
    # When a batch adds points, sets a balance above theirs, and removes points
    added = await run(clean_db, add_points_each, items([ann, bob], "add"), 50)
    raised = await run(clean_db, set_points_each, items([ann, bob], "set"), 500)
    removed = await run(clean_db, remove_points_each, items([ann, bob], "remove"), 30)
    # Then the credits to the erased customer are refused, the debit (accounting) is not
    assert outcomes(added) == [(Outcome.POSTED, 50, 0), (Outcome.CUSTOMER_ERASED, 0, 0)]
    assert outcomes(raised) == [(Outcome.POSTED, 350, 0), (Outcome.CUSTOMER_ERASED, 0, 0)]
    assert outcomes(removed) == [(Outcome.POSTED, -30, 0), (Outcome.POSTED, -30, 0)]
    assert await balances(clean_db, [ann, bob]) == [470, 70]
    # And a gift's bulk credit leaves them out, counted as not matched
    gift = BulkCredit(10, EntryKind.GIFT, "gift", None, "gift", "gift:1", "gift:1:")
    uow = UnitOfWork(clean_db)
    async with uow:
        credited = await credit_many(uow, gift, [ann, bob])
        await uow.commit()
    assert (credited.matched, credited.credited, credited.skipped) == (1, 1, 0)
    assert await balances(clean_db, [ann, bob]) == [480, 70]
    await assert_ledger_sound(clean_db)


async def test_removing_points_takes_what_the_spendable_points_allow_and_reports_the_rest(
    clean_db: AsyncEngine,
) -> None:
    # Given Ann with 100 points, Bob with 30 of which a hold reserves 20, and Cid with none
    ann, bob, cid = (
        await customer(clean_db, 100),
        await customer(clean_db, 30),
        await customer(clean_db),
    )
    await hold_points(UnitOfWork(clean_db), str(bob), 20, "h", "O-1", CART)

    # When a step removes 40 points from each
    removed = await run(clean_db, remove_points_each, items([ann, bob, cid]), 40)

    # Then Ann loses 40, Bob the 10 not held (30 not removed), Cid nothing and no entry
    assert outcomes(removed) == [
        (Outcome.POSTED, -40, 0),
        (Outcome.POSTED, -10, 30),
        (Outcome.UNCHANGED, 0, 40),
    ]
    assert [r.removed for r in removed] == [40, 10, 0]
    assert await balances(clean_db, [ann, bob, cid]) == [60, 20, 0]
    assert await rows(clean_db, "SELECT 1 FROM ledger_entries WHERE customer_id = :c", c=cid) == []
    spent = await events_of(clean_db, "PointsSpent")
    assert [(e["customer_id"], e["points"], e["kind"]) for e in spent] == [
        (ann, 40, "MANUAL"),
        (bob, 10, "MANUAL"),
    ]

    # When the step is replayed: the same answers, nothing moves
    again = await run(clean_db, remove_points_each, items([ann, bob]), 40)
    assert outcomes(again) == [(Outcome.REPLAYED, -40, 0), (Outcome.REPLAYED, -10, 30)]
    assert await balances(clean_db, [ann, bob]) == [60, 20]
    await assert_ledger_sound(clean_db)


async def test_removing_draws_from_the_lots_that_expire_first(clean_db: AsyncEngine) -> None:
    # Given two lots of 30 and 50 points
    ann = await customer(clean_db, 30)
    await adjust_points(UnitOfWork(clean_db), str(ann), 50, "more", "more", "t")

    # When a step removes 40
    await run(clean_db, remove_points_each, items([ann]), 40)

    # Then the oldest lot is emptied first, the newer keeps 40
    left = await rows(
        clean_db, "SELECT remaining FROM point_lots WHERE customer_id = :c ORDER BY id", c=ann
    )
    assert [r.remaining for r in left] == [0, 40]
    await assert_ledger_sound(clean_db)


async def test_setting_points_brings_each_balance_to_the_target_with_one_entry(
    clean_db: AsyncEngine,
) -> None:
    # Given balances of 10, 500 and 100 (a hold reserving 90 of the last) and 100 exactly
    low, high, held, exact = [await customer(clean_db, p) for p in (10, 500, 100, 100)]
    await hold_points(UnitOfWork(clean_db), str(held), 90, "h", "O-1", CART)

    # When a step sets every balance to 100, then to 50
    to_100 = await run(clean_db, set_points_each, items([low, high, held, exact]), 100)
    to_50 = await run(clean_db, set_points_each, items([low, high, held, exact], "s2"), 50)

    # Then each moved by the difference with one entry (none when already there)
    assert outcomes(to_100) == [
        (Outcome.POSTED, 90, 0),
        (Outcome.POSTED, -400, 0),
        (Outcome.UNCHANGED, 0, 0),
        (Outcome.UNCHANGED, 0, 0),
    ]
    # And below the held points the balance stops at them, the rest reported
    assert outcomes(to_50) == [
        (Outcome.POSTED, -50, 0),
        (Outcome.POSTED, -50, 0),
        (Outcome.POSTED, -10, 40),
        (Outcome.POSTED, -50, 0),
    ]
    assert await balances(clean_db, [low, high, held, exact]) == [50, 50, 90, 50]
    lifetime = await rows(
        clean_db,
        "SELECT lifetime_earned, lifetime_spent FROM point_accounts WHERE customer_id = :c",
        c=low,
    )
    assert tuple(lifetime[0]) == (100, 50)

    # When the second step is replayed after the balances moved, its first answers return
    await adjust_points(UnitOfWork(clean_db), str(low), 5, "later", "later", "t")
    again = await run(clean_db, set_points_each, items([low, held], "s2"), 50)
    assert outcomes(again) == [(Outcome.REPLAYED, -50, 0), (Outcome.REPLAYED, -10, 40)]
    assert await balances(clean_db, [low, held]) == [55, 90]
    await assert_ledger_sound(clean_db)


async def test_a_key_used_for_another_customer_is_a_conflict_not_a_replay(
    clean_db: AsyncEngine,
) -> None:
    # Given a key used for Ann's credit
    ann, bob = await customer(clean_db), await customer(clean_db)
    await run(clean_db, add_points_each, [BulkItem(ann, "k", "r")], 5)

    # When a batch gives Bob the same key
    (result,) = await run(clean_db, add_points_each, [BulkItem(bob, "k", "r")], 5)

    # Then Bob's item is a conflict, and nothing moved for him
    assert result.outcome is Outcome.KEY_CONFLICT
    assert await balances(clean_db, [ann, bob]) == [5, 0]


async def test_a_batch_cannot_name_a_customer_twice_nor_ask_for_no_points(
    clean_db: AsyncEngine,
) -> None:
    ann = await customer(clean_db)
    uow = UnitOfWork(clean_db)
    async with uow:
        with pytest.raises(ValueError, match="each customer"):
            await add_points_each(uow, STEP, [BulkItem(ann, "a"), BulkItem(ann, "b")], 5)
        with pytest.raises(ValueError, match="points"):
            await remove_points_each(uow, STEP, items([ann]), 0)
        with pytest.raises(ValueError, match="target"):
            await set_points_each(uow, STEP, items([ann]), BALANCE_CEILING + 1)


@pytest.mark.parametrize("change", [add_points_each, remove_points_each, set_points_each])
async def test_a_batch_of_ten_thousand_customers_is_two_statements(
    clean_db: AsyncEngine, change: Change
) -> None:
    # Given 10,000 customers with 100 points each
    await bare_customers(clean_db, 10_000)
    found = await rows(clean_db, "SELECT customer_id FROM point_accounts")
    ids = [int(r.customer_id) for r in found]
    await run(clean_db, add_points_each, items(ids, "start"), 100)
    statements: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    # When one step changes them all
    event.listen(clean_db.sync_engine, "before_cursor_execute", count)
    try:
        results = await run(clean_db, change, items(ids), 40)
    finally:
        event.remove(clean_db.sync_engine, "before_cursor_execute", count)

    # Then it took two statements (the locks, then the postings), and every item is done
    assert len(statements) == 2, statements
    assert all(r.outcome is Outcome.POSTED for r in results)
    assert len(await rows(clean_db, "SELECT 1 FROM ledger_entries")) == 20_000
    await assert_ledger_sound(clean_db)


async def test_thirty_concurrent_steps_on_overlapping_customers_post_each_key_once(
    clean_db: AsyncEngine,
) -> None:
    # Given 40 customers with 100 points each, and a badge for balances of 100 to 119
    ids = [await customer(clean_db, 100) for _ in range(40)]
    await create_badge(UnitOfWork(clean_db), BadgeSpec("Bronze", 100, 119), "bronze")
    rng = random.Random(7)
    changes = [add_points_each, remove_points_each, set_points_each]
    # Three steps (add 30, remove 50, set to 70), each over its own keys; 30 callers each
    # run one step over a random overlapping part of the customers, in shuffled order
    amounts = {add_points_each: 30, remove_points_each: 50, set_points_each: 70}
    calls = []
    for n in range(30):
        change = changes[n % 3]
        chosen = rng.sample(ids, 25)
        calls.append((change, items(chosen, change.__name__)))

    # When they all run at once
    done = await asyncio.gather(*(run(clean_db, c, b, amounts[c]) for c, b in calls))

    # Then every key has at most one entry, and every item was done once or replayed
    dupes = await rows(
        clean_db,
        "SELECT idempotency_key FROM ledger_entries WHERE source_type = 'funnel' "
        "GROUP BY idempotency_key HAVING count(*) > 1",
    )
    assert dupes == []
    posted: dict[str, int] = {}
    for results in done:
        for r in results:
            assert r.done, r
            if r.outcome is Outcome.POSTED:
                assert r.idempotency_key not in posted
                posted[r.idempotency_key] = r.points
    found = await rows(
        clean_db,
        "SELECT idempotency_key, points FROM ledger_entries WHERE source_type = 'funnel'",
    )
    assert {r.idempotency_key: r.points for r in found} == posted
    # And every invariant holds, badges in step with the balances the batches left
    await assert_ledger_sound(clean_db)
