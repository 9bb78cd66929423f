"""Giving a batch's codes to many customers at once (a funnel's issue-voucher step): one
free code each, never a code twice, the same code on a replay, and a typed reason when the
batch cannot give one."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork
from domain.vouchers.batches import BatchRequest, create_voucher_batch, disable_vouchers
from domain.vouchers.bulk_assign import (
    AssignedCode,
    AssignmentItem,
    AssignOutcome,
    assign_codes_each,
)
from domain.vouchers.models import VoucherKind, VoucherTerms
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import bare_customers, events_of

FIVE_EUROS = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=500)


async def customer(engine: AsyncEngine) -> int:
    return (await create_customer(UnitOfWork(engine), {}, None)).item.id


async def batch(engine: AsyncEngine, count: int, name: str = "Welcome") -> int:
    made = await create_voucher_batch(
        UnitOfWork(engine), BatchRequest(name, count, FIVE_EUROS), f"batch-{name}", "t"
    )
    return made.id


def items(ids: Sequence[int], step: str = "s1") -> list[AssignmentItem]:
    return [AssignmentItem(cid, f"funnel:7:2:{step}:{cid}") for cid in ids]


async def assign(engine: AsyncEngine, batch_id: int, batch_items: Any) -> list[AssignedCode]:
    uow = UnitOfWork(engine)
    async with uow:
        results = await assign_codes_each(uow, batch_id, batch_items)
        await uow.commit()
    return results


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(sql), params))


async def test_each_customer_gets_a_code_of_their_own_and_a_replay_the_same_one(
    clean_db: AsyncEngine,
) -> None:
    # Given a batch of five codes and two customers (and an id of no customer)
    codes = await batch(clean_db, 5)
    ann, bob = await customer(clean_db), await customer(clean_db)

    # When a step gives the batch's codes, then runs again
    first = await assign(clean_db, codes, items([ann, bob, 999_999]))
    again = await assign(clean_db, codes, items([ann, bob]))

    # Then Ann and Bob each hold a different code, assigned to them; the id is reported
    assert [r.outcome for r in first] == [
        AssignOutcome.ASSIGNED,
        AssignOutcome.ASSIGNED,
        AssignOutcome.CUSTOMER_NOT_FOUND,
    ]
    assert first[0].code != first[1].code and None not in (first[0].code, first[1].code)
    held = await rows(
        clean_db, "SELECT code, customer_id FROM vouchers WHERE customer_id IS NOT NULL"
    )
    assert {r.code: r.customer_id for r in held} == {first[0].code: ann, first[1].code: bob}
    # And the replay gives the same codes, assigning no other
    assert [(r.outcome, r.code) for r in again] == [
        (AssignOutcome.REPLAYED, first[0].code),
        (AssignOutcome.REPLAYED, first[1].code),
    ]
    assigned = await events_of(clean_db, "VoucherAssigned")
    assert [(e["customer_id"], e["voucher_id"], e["batch_id"]) for e in assigned] == [
        (ann, first[0].voucher_id, codes),
        (bob, first[1].voucher_id, codes),
    ]
    await assert_ledger_sound(clean_db)


async def test_a_batch_runs_out_then_says_so_for_every_customer_left(
    clean_db: AsyncEngine,
) -> None:
    # Given a batch of three codes and five customers
    codes = await batch(clean_db, 3)
    ids = [await customer(clean_db) for _ in range(5)]

    # When a step gives codes to all five
    results = await assign(clean_db, codes, items(ids))

    # Then three got one, the last two are told the batch is exhausted
    assert [r.outcome for r in results] == [AssignOutcome.ASSIGNED] * 3 + [
        AssignOutcome.BATCH_EXHAUSTED
    ] * 2
    assert len({r.code for r in results[:3]}) == 3


async def test_a_disabled_or_expired_batch_gives_nothing_and_an_unknown_one_is_refused(
    clean_db: AsyncEngine,
) -> None:
    # Given a disabled batch and an expired one
    off, old = await batch(clean_db, 2, "off"), await batch(clean_db, 2, "old")
    await disable_vouchers(UnitOfWork(clean_db), None, str(off))
    async with clean_db.begin() as conn:
        await conn.execute(
            text("UPDATE voucher_batches SET valid_until = now() - interval '1 day' WHERE id = :b"),
            {"b": old},
        )
        await conn.execute(
            text("UPDATE vouchers SET valid_until = now() - interval '1 day' WHERE batch_id = :b"),
            {"b": old},
        )
    ann = await customer(clean_db)

    # When a step gives their codes
    disabled = await assign(clean_db, off, items([ann]))
    expired = await assign(clean_db, old, items([ann], "s2"))

    # Then the reason is typed; and a batch that does not exist is a NOT_FOUND on batchId
    assert [r.outcome for r in disabled + expired] == [
        AssignOutcome.BATCH_DISABLED,
        AssignOutcome.BATCH_EXPIRED,
    ]
    with pytest.raises(DomainError) as refused:
        await assign(clean_db, 424242, items([ann], "s3"))
    assert [(p.field, p.code) for p in refused.value.problems] == [("batchId", ErrorCode.NOT_FOUND)]
    assert await rows(clean_db, "SELECT 1 FROM vouchers WHERE customer_id IS NOT NULL") == []


async def test_a_key_that_gave_a_code_to_another_customer_is_a_conflict(
    clean_db: AsyncEngine,
) -> None:
    codes = await batch(clean_db, 3)
    ann, bob = await customer(clean_db), await customer(clean_db)
    await assign(clean_db, codes, [AssignmentItem(ann, "k")])
    (result,) = await assign(clean_db, codes, [AssignmentItem(bob, "k")])
    assert (result.outcome, result.code) == (AssignOutcome.KEY_CONFLICT, None)


async def test_ten_thousand_customers_take_two_statements(clean_db: AsyncEngine) -> None:
    # Given 10,000 customers and a batch of 10,000 codes
    await bare_customers(clean_db, 10_000)
    ids = [int(r.id) for r in await rows(clean_db, "SELECT id FROM customers ORDER BY id")]
    codes = await batch(clean_db, 10_000)
    statements: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    # When one step gives them codes
    event.listen(clean_db.sync_engine, "before_cursor_execute", count)
    try:
        results = await assign(clean_db, codes, items(ids))
    finally:
        event.remove(clean_db.sync_engine, "before_cursor_execute", count)

    # Then it took two statements (the batch's lock, the assignment), each got a code
    assert len(statements) == 2, statements
    assert all(r.outcome is AssignOutcome.ASSIGNED for r in results)
    assert len({r.code for r in results}) == 10_000


async def test_thirty_concurrent_steps_never_give_a_code_twice(clean_db: AsyncEngine) -> None:
    # Given a batch of 30 codes and 40 customers
    codes = await batch(clean_db, 30)
    ids = [await customer(clean_db) for _ in range(40)]
    rng = random.Random(11)
    # 30 callers each give codes to a random overlapping 15 of them, under the same keys
    calls = [items(rng.sample(ids, 15)) for _ in range(30)]

    # When they all run at once
    done = await asyncio.gather(*(assign(clean_db, codes, c) for c in calls))

    # Then no code went to two customers, a customer got one code whoever asked, and the
    # ones left over were told the batch is exhausted
    given: dict[int, str] = {}
    for results in done:
        for r in results:
            if r.done:
                assert given.setdefault(r.customer_id, str(r.code)) == r.code
            else:
                assert r.outcome is AssignOutcome.BATCH_EXHAUSTED
    assert len(set(given.values())) == len(given) == 30
    held = await rows(
        clean_db,
        "SELECT customer_id, code FROM vouchers WHERE batch_id = :b AND customer_id IS NOT NULL",
        b=codes,
    )
    assert {r.customer_id: r.code for r in held} == given
    assert len(await events_of(clean_db, "VoucherAssigned")) == 30
    await assert_ledger_sound(clean_db)


async def test_callers_holding_their_keys_give_codes_side_by_side(clean_db: AsyncEngine) -> None:
    # Given a batch of 20 codes and 20 customers, in two halves with keys of their own
    codes = await batch(clean_db, 20)
    ids = [await customer(clean_db) for _ in range(20)]
    first, second = items(ids[:10], "a"), items(ids[10:], "b")

    # When one call, holding its keys, has given its codes and its transaction is still open
    open_uow = UnitOfWork(clean_db)
    async with open_uow:
        held = await assign_codes_each(open_uow, codes, first, keys_held=True)
        # ... another call on the same batch holding its own keys does not wait for it
        other = await asyncio.wait_for(_held_assign(clean_db, codes, second), timeout=10)
        await open_uow.commit()

    # Then each customer got a code, and no code went twice
    assert all(r.outcome is AssignOutcome.ASSIGNED for r in held + other)
    assert len({r.code for r in held + other}) == 20


async def test_a_change_to_the_batch_waits_for_callers_holding_their_keys(
    clean_db: AsyncEngine,
) -> None:
    # Given a call holding its keys that gave codes in a transaction still open
    codes = await batch(clean_db, 5)
    ann = await customer(clean_db)
    open_uow = UnitOfWork(clean_db)
    async with open_uow:
        await assign_codes_each(open_uow, codes, items([ann]), keys_held=True)

        # When the batch's validity is changed meanwhile
        async def change() -> None:
            async with clean_db.begin() as conn:
                await conn.execute(
                    text("UPDATE voucher_batches SET valid_until = now() WHERE id = :b"),
                    {"b": codes},
                )

        changing = asyncio.ensure_future(change())
        await asyncio.sleep(0.3)

        # Then the change waits for the call's transaction, and goes on after it
        assert not changing.done()
        await open_uow.commit()
    await asyncio.wait_for(changing, timeout=10)


async def _held_assign(engine: AsyncEngine, batch_id: int, batch_items: Any) -> list[AssignedCode]:
    uow = UnitOfWork(engine)
    async with uow:
        results = await assign_codes_each(uow, batch_id, batch_items, keys_held=True)
        await uow.commit()
    return results
