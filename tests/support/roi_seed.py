"""The ROI worked example of docs/reports.md, written straight in SQL at chosen times: May
2026 at two shops and two channels, with pre-join orders, a refund, points paid (one
redemption cancelled), vouchers, line discounts, gifts and bonus points, and an expiry. The
redemption rate is 100 points = 0.30."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.reports.periods import Period
from tests.support.purchases_sql import add_purchase, set_registered
from tests.support.reports import Row, new_customer, write_entries

MAY = Period(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def execute(engine: AsyncEngine, sql: str, **params: object) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


# A voucher use cancelled, as the vouchers area cancels one.
CANCEL_USE = """UPDATE voucher_redemptions SET cancelled_at = :at, cancelled_by = 'test',
    cancel_seq = nextval('voucher_redemptions_id_seq') WHERE idempotency_key = :key"""


async def seed_roi_example(engine: AsyncEngine) -> dict[str, int]:
    await execute(engine, "UPDATE redemption_rules SET value_per_unit_minor = 30 WHERE id = 1")
    people: dict[str, int] = {}
    for name, joined in (
        ("ann", at(3, 1, 0)),
        ("bob", at(5, 20, 0)),
        ("cy", at(1, 1, 0)),
        ("dee", at(5, 3, 0)),
    ):
        people[name] = await new_customer(engine, name)
        await set_registered(engine, people[name], joined)
    ann, bob, cy = people["ann"], people["bob"], people["cy"]
    # Ann: pre-join orders in January and February (both in the year before she joined)
    await add_purchase(engine, ann, at(1, 15), 5_000, shop="A")
    await add_purchase(engine, ann, at(2, 10), 4_000, shop="A")
    await add_purchase(engine, ann, at(5, 2), 10_000, shop="A", order_id="A-POS-1")
    await add_purchase(
        engine,
        ann,
        at(5, 3),
        6_000,
        shop="A",
        channel="WEB",
        refunded_minor=1_000,
        order_id="A-WEB-1",
    )
    await add_purchase(engine, ann, at(6, 2), 7_777, shop="A")  # June: not in May
    # Bob: a pre-join order in May (not member revenue, but his baseline), then one as member
    await add_purchase(engine, bob, at(5, 10), 2_000, shop="B")
    bob_order = await add_purchase(engine, bob, at(5, 25), 3_000, shop="B", order_id="B-POS-1")
    # Cy: two orders (a repeater) and a pending one that counts for nothing
    cy_order = await add_purchase(engine, cy, at(5, 5), 1_000, shop="A")
    await add_purchase(engine, cy, at(5, 6), 1_000, shop="A")
    await add_purchase(engine, cy, at(5, 7), 9_000, shop="A", status="PENDING")
    await write_entries(
        engine,
        ann,
        [
            Row("GIFT", 900, at(4, 1)),
            Row("GIFT", 200, at(5, 1)),
            Row("PURCHASE", 150, at(5, 2)),
            Row("REDEMPTION", -500, at(5, 3)),
            Row("REDEMPTION", -300, at(5, 3)),
        ],
    )
    await write_entries(engine, bob, [Row("ACTION", 100, at(5, 20))])
    await write_entries(
        engine,
        cy,
        [Row("MANUAL", 50, at(5, 5)), Row("MANUAL", -30, at(5, 6)), Row("EXPIRY", -20, at(5, 31))],
    )
    redemption = """INSERT INTO redemptions (customer_id, shop, order_id, points, value_minor,
        idempotency_key, entry_id, cancelled_at, created_at) VALUES (:c, 'A', 'A-WEB-1', :p,
        :v, :k, (SELECT id FROM ledger_entries WHERE points = -CAST(:p AS bigint)),
        :cancelled, :at)"""
    await execute(engine, redemption, c=ann, p=500, v=150, k="r1", cancelled=None, at=at(5, 3))
    await execute(engine, redemption, c=ann, p=300, v=90, k="r2", cancelled=at(5, 4), at=at(5, 3))
    await execute(
        engine,
        "INSERT INTO vouchers (code, source, kind, value_minor) VALUES "
        "('V-1', 'BATCH', 'FIXED_AMOUNT', 500), ('V-2', 'BATCH', 'FIXED_AMOUNT', 200),"
        " ('V-3', 'BATCH', 'FIXED_AMOUNT', 300)",
    )
    use = """INSERT INTO voucher_redemptions (voucher_id, customer_id, shop, order_id,
        discount_minor, idempotency_key, actor, created_at) VALUES
        ((SELECT id FROM vouchers WHERE code = :code), :c, :shop, :o, :d, :code, 'test', :at)"""
    await execute(engine, use, code="V-1", c=ann, shop="A", o="A-POS-1", d=500, at=at(5, 2))
    await execute(engine, use, code="V-2", c=None, shop="C", o="C-9", d=200, at=at(5, 9))
    # Ann's 3.00 voucher on an order that did not go through, given back
    await execute(engine, use, code="V-3", c=ann, shop="A", o="A-POS-7", d=300, at=at(5, 12))
    await execute(engine, CANCEL_USE, key="V-3", at=at(5, 12, 1))
    off = """INSERT INTO purchase_line_discounts (purchase_id, line_no, customer_id,
        source_kind, source_id, amount_minor) VALUES (:p, 1, :c, :kind, 1, :amount)"""
    await execute(engine, off, p=bob_order, c=bob, kind="CARD", amount=120)
    await execute(engine, off, p=bob_order, c=bob, kind="PRICE_RULE", amount=80)
    await execute(engine, off, p=cy_order, c=cy, kind="CURRENT_DISCOUNT", amount=60)
    return people
