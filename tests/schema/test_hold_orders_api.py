"""Holds against their order: their keys, their replays, and captures that take the
order's lock, so the order's caps and refunds hold whatever lands meanwhile."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.holds import CAPTURE, HOLD, RELEASE, RULES, customer, hold, redeem
from tests.support.ledger import assert_ledger_sound
from tests.support.lock_waits import wait_for_lock_waiters


async def test_a_redemption_keyed_hold_n_leaves_the_capture_of_hold_n_working(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: captureHold turns an active hold into a REDEMPTION and a redemption on its order
    (docs/checkout.md, "Holds"); bad input gets a typed error, never a 500, and a key chosen
    by one write must not break another (DESIGN.md section 4; the idempotency keys are the
    client's: docs/api.md)."""
    cid = await customer(gql)
    # Given a hold of 100 points on order O-h
    held = await hold(gql, cid, 100, "h", orderId="O-h")
    hid = held["hold"]["id"]
    # And a redemption on another order whose key happens to read 'hold:<that id>'
    done = await redeem(gql, cid, 50, f"hold:{hid}", orderId="O-other")
    assert done["userErrors"] == []
    # When the till captures the hold at payment
    body = await gql.post(CAPTURE, {"id": hid})
    # Then the capture succeeds (or at worst is a typed user error), never a 500
    assert not body.get("errors"), body["errors"]
    assert body["data"]["captureHold"]["hold"]["status"] == "CAPTURED"


async def test_a_hold_key_replayed_for_the_same_order_id_of_another_shop_is_a_conflict(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: the same key sent with a different request is refused with
    IDEMPOTENCY_CONFLICT and writes nothing (docs/api.md "Idempotency keys"; the brief's
    standard). An order is named by its shop and its order id (holdPoints takes `shop`;
    every order fact is keyed by (shop, order_id): domain/checkout/sql.py)."""
    cid = await customer(gql)
    # Given a hold of 100 points for order O-1 of shop S1
    first = await hold(gql, cid, 100, "same-key", orderId="O-1", shop="S1")
    assert first["userErrors"] == [] and first["hold"]["status"] == "ACTIVE"
    # When another shop's till sends the same key for its own order O-1
    second = await hold(gql, cid, 100, "same-key", orderId="O-1", shop="S2")
    # Then it is refused as a conflicting use of the key, not answered as a replay
    assert second["userErrors"] == [{"field": "idempotencyKey", "code": "IDEMPOTENCY_CONFLICT"}]
    assert second["replayed"] is False
    async with engine.connect() as conn:
        shops = (await conn.execute(text("SELECT shop FROM holds"))).scalars().all()
    assert shops == ["S1"]


RECORD = """mutation($id: ID!) { recordPurchase(input: {orderId: "O-ref", customerId: $id,
  status: PAID, lines: [{sku: "A", quantity: 4, unitPriceMinor: 2500}]}) {
  pointsAwarded userErrors { field code } } }"""
REFUND = """mutation { refundPurchase(input: {orderId: "O-ref", idempotencyKey: "refund-all"}) {
  refund { pointsReturned pointsTaken } userErrors { field code } } }"""
ORDER = """query { orderPoints(orderId: "O-ref") { pointsEarned pointsUsed balance } }"""


async def test_a_hold_whose_order_was_refunded_is_released_instead_of_captured(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: a refund gives back the points that paid for the refunded part; "refunding
    everything gives back every point whatever the steps" (docs/checkout.md, "Refunds of
    orders paid with points"); a hold is a payment on an order and its capture "turns the
    hold into a REDEMPTION debit and a redemption on its order (so receipts and earning
    see it)" (docs/checkout.md, "Holds")."""
    cid = await customer(gql)  # 1,000 points
    # Given a hold of 400 points (4.00) on order O-ref of a 100.00 cart
    held = await hold(gql, cid, 400, "ref", orderId="O-ref")
    assert held["userErrors"] == []
    # And the order's sale recorded as paid (it earns on the 96.00 not held), then refunded
    recorded = (await gql.data(RECORD, {"id": cid}))["recordPurchase"]
    assert recorded == {"pointsAwarded": 96, "userErrors": []}
    refunded = (await gql.data(REFUND))["refundPurchase"]
    assert refunded["userErrors"] == []
    # When the till captures the hold afterwards
    captured = (await gql.data(CAPTURE, {"id": held["hold"]["id"]}))["captureHold"]
    # Then the capture is refused and the hold released: the customer, whose order was
    # refunded in full, ends with the 1,000 points they had, none of them held
    assert captured["userErrors"] == [{"field": "holdId", "code": "HOLD_NOT_ACTIVE"}]
    assert captured["hold"] is None
    receipt = (await gql.data(ORDER))["orderPoints"]
    assert (receipt["pointsUsed"], receipt["balance"]) == (0, 1000), receipt
    released = (await gql.data(RELEASE, {"id": held["hold"]["id"]}))["releaseHold"]
    assert released["userErrors"] == [{"field": "holdId", "code": "HOLD_NOT_ACTIVE"}]
    await assert_ledger_sound(engine)
    async with engine.connect() as conn:
        status, held_points = (
            await conn.execute(
                text(
                    "SELECT h.status, a.held FROM holds h JOIN point_accounts a "
                    "ON a.customer_id = h.customer_id WHERE h.id = :id"
                ),
                {"id": int(held["hold"]["id"])},
            )
        ).one()
    assert (status, held_points) == ("RELEASED", 0)


PAID_ON_ORDER = text("""
    SELECT (SELECT COALESCE(sum(value_minor), 0) FROM redemptions
             WHERE order_id = 'O-race' AND cancelled_at IS NULL)
         + (SELECT COALESCE(sum(value_minor), 0) FROM holds
             WHERE order_id = 'O-race' AND status = 'ACTIVE' AND expires_at > now())""")


async def test_a_capture_delayed_by_the_account_lock_and_a_new_hold_stay_within_the_cap(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: "Several redemptions and holds on one order share its caps (they wait for each
    other on the order)"; the quote's caps must hold when requests race (docs/checkout.md,
    "Points as payment" and "Holds"; ledger.md "Under concurrency": "30 payments on one
    order stay within its cap"). A hold past its time no longer counts against the caps
    only because "a capture after its time finds it expired"."""
    # Given at most 5.00 off an order, 1,000 points, and a hold of 300 (3.00) on O-race
    # that runs out in 2 seconds
    await gql.data(RULES, {"input": {"maxDiscountMinor": 500}})
    cid = await customer(gql)
    first = await hold(gql, cid, 300, "race-1", orderId="O-race", ttlSeconds=2)
    assert first["userErrors"] == []
    # And another write on the customer's account in progress (it holds the account's lock)
    blocker = await engine.connect()
    tx = await blocker.begin()
    await blocker.execute(
        text("SELECT 1 FROM point_accounts WHERE customer_id = :cid FOR UPDATE"), {"cid": int(cid)}
    )
    try:
        # When the till captures the hold before its time: the capture checks the time,
        # then waits for the account
        capture = asyncio.create_task(gql.data(CAPTURE, {"id": first["hold"]["id"]}))
        await wait_for_lock_waiters(engine, "%checkout_capture_hold%")
        # And, once the hold's time has passed (the capture still waiting), another till
        # places a hold of 500 points (5.00) on the same order
        async with engine.connect() as conn:
            left = (
                await conn.execute(
                    text("SELECT extract(epoch FROM expires_at - now()) FROM holds WHERE id = :id"),
                    {"id": int(first["hold"]["id"])},
                )
            ).scalar_one()
        await asyncio.sleep(float(left) + 0.3)
        variables = {
            "input": {
                "customerId": cid,
                "points": 500,
                "idempotencyKey": "race-2",
                "orderId": "O-race",
                "cart": [{"sku": "A", "quantity": 4, "unitPriceMinor": 2500}],
            }
        }
        second_task = asyncio.create_task(gql.data(HOLD, variables))
        await wait_for_lock_waiters(engine, "%checkout_place_hold%")
    finally:
        await tx.rollback()
        await blocker.close()
    captured = (await capture)["captureHold"]
    second = (await second_task)["holdPoints"]
    # Then the order is never paid beyond its cap of 5.00: one of them is refused
    async with engine.connect() as conn:
        paid = (await conn.execute(PAID_ON_ORDER)).scalar_one()
    assert paid <= 500, (paid, captured, second)


async def test_a_payment_key_sent_again_with_another_cart_is_a_conflict(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: the same key sent with a different request is IDEMPOTENCY_CONFLICT and writes
    nothing (docs/api.md "Idempotency keys"), and a hold's or a redemption's request is its
    cart too (the caps are the cart's), as a voucher use's is (docs/checkout.md)."""
    cid = await customer(gql)
    other_cart = [{"sku": "B", "quantity": 1, "unitPriceMinor": 9900}]
    # Given a hold and a redemption, each under its key
    held = await hold(gql, cid, 100, "h-cart", orderId="O-c1")
    paid = await redeem(gql, cid, 50, "r-cart", orderId="O-c2")
    assert held["userErrors"] == [] and paid["userErrors"] == []
    # When each key is sent again with the same cart, then it replays the first answer
    again = await hold(gql, cid, 100, "h-cart", orderId="O-c1")
    assert (again["replayed"], again["hold"]["id"]) == (True, held["hold"]["id"])
    assert (await redeem(gql, cid, 50, "r-cart", orderId="O-c2"))["replayed"] is True
    # When each is sent with another cart, then it is refused as another use of the key
    conflict = [{"field": "idempotencyKey", "code": "IDEMPOTENCY_CONFLICT"}]
    assert (await hold(gql, cid, 100, "h-cart", orderId="O-c1", cart=other_cart))[
        "userErrors"
    ] == conflict
    assert (await redeem(gql, cid, 50, "r-cart", orderId="O-c2", cart=other_cart))[
        "userErrors"
    ] == conflict
    # And nothing more was written
    async with engine.connect() as conn:
        counts = await conn.execute(
            text("SELECT (SELECT count(*) FROM holds), (SELECT count(*) FROM redemptions)")
        )
        assert tuple(counts.one()) == (1, 1)
    await assert_ledger_sound(engine)
