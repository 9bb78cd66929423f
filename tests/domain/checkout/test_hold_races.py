"""Holds placed and captured in one or two round trips keep every guarantee of the locked,
transactional way when 30 requests race: the order's caps, the minimum balance, one capture
per hold, a capture racing the hold's expiry, holds racing vouchers on the same order.

Given a customer and the rules; when 30 calls of the domain services run at once (each in
its own unit of work, on real PostgreSQL); then the outcome is one that the calls one after
another could give, and the ledger is sound."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.holds import Hold, capture_hold, expire_holds, hold_points
from domain.checkout.quote import CartLine
from domain.checkout.redemptions import redeem_points
from domain.checkout.rules import update_rules
from domain.customers.services import create_customer
from domain.errors import DomainError
from domain.ledger.services import adjust_points
from domain.uow import UnitOfWork
from domain.vouchers.batches import BatchRequest, create_voucher_batch
from domain.vouchers.models import VoucherKind, VoucherTerms
from domain.vouchers.redeeming import VoucherUseRequest, redeem_voucher
from tests.support.ledger import assert_ledger_sound

AT_ONCE = 30
CART = [CartLine("A", 4, 2_500)]  # 100.00: 10,000 points at 100 points = 1.00


async def customer(engine: AsyncEngine, points: int) -> str:
    cid = str((await create_customer(UnitOfWork(engine), {}, None)).item.id)
    await adjust_points(UnitOfWork(engine), cid, points, "start", f"start-{cid}", "t")
    return cid


async def rules(engine: AsyncEngine, **changes: Any) -> None:
    await update_rules(UnitOfWork(engine), changes, [], [])


async def attempt(call: Any) -> Any:
    """The call's result, or the (field, code) of its refusal."""
    try:
        return await call
    except DomainError as error:
        return tuple((p.field, p.code.value) for p in error.problems)


def succeeded(results: list[Any]) -> list[Any]:
    return [r for r in results if not isinstance(r, tuple)]


def refusals(results: list[Any]) -> Counter[tuple[Any, ...]]:
    return Counter(r for r in results if isinstance(r, tuple))


async def account(engine: AsyncEngine, cid: str) -> tuple[int, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT balance, held FROM point_accounts WHERE customer_id = :c"),
                {"c": int(cid)},
            )
        ).one()
    return row.balance, row.held


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


def hold(engine: AsyncEngine, cid: str, order: str, points: int, key: str) -> Any:
    return attempt(hold_points(UnitOfWork(engine), cid, points, key, order, CART))


def redeem(engine: AsyncEngine, cid: str, order: str, points: int, key: str) -> Any:
    return attempt(redeem_points(UnitOfWork(engine), cid, "default", order, points, CART, key, "t"))


async def test_thirty_holds_on_one_order_at_once_stay_within_its_cap(
    clean_db: AsyncEngine,
) -> None:
    # Given a cap of 10.00 an order and plenty of points
    await rules(clean_db, max_discount_minor=1_000)
    cid = await customer(clean_db, 10_000)
    # When 30 holds of 100 points (1.00 each) on the same order arrive at once
    results = await asyncio.gather(
        *(hold(clean_db, cid, "ONE", 100, f"one-{n}") for n in range(AT_ONCE))
    )
    # Then exactly 10 hold, together the cap, and the others are above the quote
    held: list[Hold] = succeeded(results)
    assert len(held) == 10
    assert sum(h.value_minor for h in held) == 1_000
    assert refusals(results) == Counter({(("points", "ABOVE_QUOTE"),): 20})
    assert await account(clean_db, cid) == (10_000, 1_000)
    await assert_ledger_sound(clean_db)


async def test_thirty_holds_and_redemptions_at_once_stop_at_the_minimum_balance(
    clean_db: AsyncEngine,
) -> None:
    # Given 1000 points and a minimum balance of 200 to redeem: one after another, 12
    # payments of 70 pass (the 12th leaves 160) and the 13th finds 160 < 200
    await rules(clean_db, min_balance_points=200)
    cid = await customer(clean_db, 1_000)
    # When 15 holds and 15 redemptions of 70 arrive at once, each on its own order
    results = await asyncio.gather(
        *(
            (hold if n % 2 else redeem)(clean_db, cid, f"MIN-{n}", 70, f"min-{n}")
            for n in range(AT_ONCE)
        )
    )
    # Then 12 pass and 160 points stay spendable
    assert len(succeeded(results)) == 12
    assert set(refusals(results)) == {(("points", "INSUFFICIENT_POINTS"),)}
    balance, held = await account(clean_db, cid)
    assert balance - held == 160
    await assert_ledger_sound(clean_db)


async def test_thirty_captures_of_one_hold_at_once_capture_it_once(
    clean_db: AsyncEngine,
) -> None:
    cid = await customer(clean_db, 1_000)
    placed = await hold_points(UnitOfWork(clean_db), cid, 300, "once", "ONCE", CART)
    results = await asyncio.gather(
        *(attempt(capture_hold(UnitOfWork(clean_db), str(placed.id), "t")) for _ in range(AT_ONCE))
    )
    # Then one capture debits the points; the others find the hold CAPTURED
    assert [r.status for r in succeeded(results)] == ["CAPTURED"]
    assert refusals(results) == Counter({(("holdId", "HOLD_NOT_ACTIVE"),): AT_ONCE - 1})
    assert await account(clean_db, cid) == (700, 0)
    redemptions = "SELECT count(*) FROM redemptions WHERE hold_id = :h"
    assert await scalar(clean_db, redemptions, h=placed.id) == 1
    await assert_ledger_sound(clean_db)


async def test_captures_racing_the_expiry_sweep_end_each_hold_once(
    clean_db: AsyncEngine,
) -> None:
    # Given 15 holds of 20 points, of which the even ones are already past their time
    cid = await customer(clean_db, 1_000)
    placed = [
        await hold_points(UnitOfWork(clean_db), cid, 20, f"race-{n}", f"RACE-{n}", CART)
        for n in range(15)
    ]
    due = [h.id for n, h in enumerate(placed) if n % 2 == 0]
    async with clean_db.begin() as conn:
        await conn.execute(
            text("UPDATE holds SET expires_at = now() - interval '1 second' WHERE id = ANY(:ids)"),
            {"ids": due},
        )
    # When 15 captures and 15 sweeps run at once
    captures = [attempt(capture_hold(UnitOfWork(clean_db), str(h.id), "t")) for h in placed]
    sweeps = [
        expire_holds(UnitOfWork(clean_db), datetime.now(UTC) + timedelta(seconds=1), limit=3)
        for _ in range(15)
    ]
    results = await asyncio.gather(*captures, *sweeps)
    # Then the holds past their time expired (by a sweep or by the refused capture) and
    # the others were captured, each once, and no point stays held
    captured = succeeded(results[:15])
    assert sorted(h.id for h in captured) == sorted(h.id for h in placed if h.id not in due)
    assert set(refusals(results[:15])) == {(("holdId", "HOLD_NOT_ACTIVE"),)}
    statuses = "SELECT status, count(*) FROM holds GROUP BY status ORDER BY status"
    async with clean_db.connect() as conn:
        found = {status: n for status, n in await conn.execute(text(statuses))}
    assert found == {"CAPTURED": 7, "EXPIRED": 8}
    assert await account(clean_db, cid) == (1_000 - 7 * 20, 0)
    await assert_ledger_sound(clean_db)


async def test_holds_racing_vouchers_on_one_order_never_take_off_more_than_the_cart(
    clean_db: AsyncEngine,
) -> None:
    # Given a cart of 100.00, 15 codes of 20.00 and a customer with plenty of points
    cid = await customer(clean_db, 100_000)
    terms = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=2_000)
    batch = await create_voucher_batch(
        UnitOfWork(clean_db), BatchRequest("race", 15, terms), "race", "t"
    )
    async with clean_db.connect() as conn:
        found = await conn.execute(
            text("SELECT code FROM vouchers WHERE batch_id = :b"), {"b": batch.id}
        )
        codes = list(found.scalars())

    def voucher(code: str) -> Any:
        use = VoucherUseRequest(code, CART, cid, "default", "V")
        return attempt(redeem_voucher(UnitOfWork(clean_db), use, f"v-{code}", "t"))

    # When 15 vouchers and 15 holds of 2000 points (20.00) pay the same order at once
    results = await asyncio.gather(
        *(voucher(code) for code in codes),
        *(hold(clean_db, cid, "V", 2_000, f"vh-{n}") for n in range(15)),
    )
    # Then vouchers and points together take off at most the cart
    held: list[Hold] = succeeded(results[15:])
    discounts = "SELECT COALESCE(sum(discount_minor), 0) FROM voucher_redemptions"
    taken = await scalar(clean_db, discounts) + sum(h.value_minor for h in held)
    assert 0 < taken <= 10_000
    assert sum(h.points for h in held) == (await account(clean_db, cid))[1]
    await assert_ledger_sound(clean_db)
