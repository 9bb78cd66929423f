"""Holds: points reserved at checkout, then captured, released, or expired by the sweep."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.holds import capture_hold, expire_holds
from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork
from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound

CART = [{"sku": "A", "quantity": 4, "unitPriceMinor": 2500}]  # 100.00
CREATE = """mutation { createCustomer(input: {cardCode: "H-1",
  idempotencyKey: "H-1"}) { customer { id } } }"""
CREDIT = """mutation($id: ID!) {
  adjustPoints(input: {customerId: $id, points: 1000, note: "n", idempotencyKey: "h"}) {
    userErrors { code } } }"""
HOLD = """mutation($input: HoldPointsInput!) { holdPoints(input: $input) {
  hold { id points status } points { balance held spendable } replayed
  userErrors { field code } } }"""
CAPTURE = """mutation($id: ID!) { captureHold(input: {holdId: $id}) {
  hold { status entryId } points { balance held spendable lifetimeSpent }
  userErrors { field code } } }"""
RELEASE = """mutation($id: ID!) { releaseHold(input: {holdId: $id}) {
  hold { status } points { balance held spendable } userErrors { field code } } }"""
DEBIT = """mutation($id: ID!, $points: Int!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: "d"}) {
    userErrors { field code } } }"""


async def customer(gql: GraphQLClient) -> str:
    cid: str = (await gql.data(CREATE))["createCustomer"]["customer"]["id"]
    await gql.data(CREDIT, {"id": cid})
    return cid


async def hold(gql: GraphQLClient, cid: str, points: int, key: str, **more: Any) -> Any:
    fields = {"orderId": f"O-{key}", "cart": CART, **more}
    return (
        await gql.data(
            HOLD, {"input": {"customerId": cid, "points": points, "idempotencyKey": key, **fields}}
        )
    )["holdPoints"]


async def test_held_points_stay_in_the_balance_but_cannot_be_spent(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer(gql)
    held = await hold(gql, cid, 700, "k1")
    assert held["points"] == {"balance": 1000, "held": 700, "spendable": 300}
    replay = await hold(gql, cid, 700, "k1")
    assert replay["replayed"] is True and replay["hold"]["id"] == held["hold"]["id"]
    # Neither another hold nor a manual debit can take the held points
    assert [e["code"] for e in (await hold(gql, cid, 301, "k2"))["userErrors"]] == [
        "INSUFFICIENT_POINTS"
    ]
    debit = (await gql.data(DEBIT, {"id": cid, "points": -301}))["adjustPoints"]
    assert [e["code"] for e in debit["userErrors"]] == ["INSUFFICIENT_POINTS"]
    await assert_ledger_sound(engine)


async def test_capture_debits_once_and_release_frees(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer(gql)
    first = (await hold(gql, cid, 400, "a"))["hold"]["id"]
    second = (await hold(gql, cid, 100, "b"))["hold"]["id"]
    captured = (await gql.data(CAPTURE, {"id": first}))["captureHold"]
    assert captured["hold"]["status"] == "CAPTURED" and captured["hold"]["entryId"]
    assert captured["points"] == {
        "balance": 600,
        "held": 100,
        "spendable": 500,
        "lifetimeSpent": 400,
    }
    again = (await gql.data(CAPTURE, {"id": first}))["captureHold"]
    assert again["userErrors"] == [{"field": "holdId", "code": "HOLD_NOT_ACTIVE"}]
    released = (await gql.data(RELEASE, {"id": second}))["releaseHold"]
    assert released["points"] == {"balance": 600, "held": 0, "spendable": 600}
    assert (await gql.data(CAPTURE, {"id": second}))["captureHold"]["userErrors"] == [
        {"field": "holdId", "code": "HOLD_NOT_ACTIVE"}
    ]
    await assert_ledger_sound(engine)


async def test_an_expired_hold_releases_itself_once_and_cannot_be_captured(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer(gql)
    hid = (await hold(gql, cid, 300, "e", ttlSeconds=60))["hold"]["id"]
    later = datetime.now(UTC) + timedelta(seconds=61)
    # Two sweeps at once (two workers): the hold expires exactly once
    counts = await asyncio.gather(
        expire_holds(UnitOfWork(engine), later), expire_holds(UnitOfWork(engine), later)
    )
    assert sorted(counts) == [0, 1]
    points = (
        await gql.data("query($id: ID!) { customer(id: $id) { points { held } } }", {"id": cid})
    )["customer"]["points"]
    assert points == {"held": 0}
    assert (await gql.data(CAPTURE, {"id": hid}))["captureHold"]["userErrors"] == [
        {"field": "holdId", "code": "HOLD_NOT_ACTIVE"}
    ]
    await assert_ledger_sound(engine)


async def test_a_capture_racing_the_expiry_sweep_either_captures_or_expires(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer(gql)
    for n in range(10):
        hid = (await hold(gql, cid, 10, f"r{n}", ttlSeconds=60))["hold"]["id"]
        # The sweep runs as if the hold's minute had passed, while the till captures it
        due = datetime.now(UTC) + timedelta(seconds=61)

        async def capture(hold_id: str = hid) -> str:
            try:
                return (await capture_hold(UnitOfWork(engine), hold_id, "staff:1:t")).status
            except DomainError as error:
                assert error.problems[0].code is ErrorCode.HOLD_NOT_ACTIVE
                return "REFUSED"

        outcome, _ = await asyncio.gather(capture(), expire_holds(UnitOfWork(engine), due))
        async with engine.connect() as conn:
            status = (
                await conn.execute(
                    text("SELECT status FROM holds WHERE id = :id"), {"id": int(hid)}
                )
            ).scalar_one()
        assert (outcome, status) in {("CAPTURED", "CAPTURED"), ("REFUSED", "EXPIRED")}
    await assert_ledger_sound(engine)


ORDER = """query($order: String!) { orderPoints(orderId: $order) {
  pointsEarned pointsUsed valueRedeemedMinor balance } }"""
RULES = """mutation($input: UpdateRedemptionRulesInput!) {
  updateRedemptionRules(input: $input) { userErrors { field code } } }"""
REDEEM = """mutation($input: RedeemPointsInput!) { redeemPoints(input: $input) {
  redemption { valueMinor } userErrors { field code } } }"""


async def test_a_captured_hold_pays_its_order_and_the_receipt_shows_it(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given 1,000 points and a hold of 400 (4.00) on order O-pay of a 100.00 cart
    cid = await customer(gql)
    held = (await hold(gql, cid, 400, "pay", orderId="O-pay"))["hold"]
    # When the till captures it at payment
    await gql.data(CAPTURE, {"id": held["id"]})
    # Then the order shows 400 points used for 4.00, and the sale earns on the 96.00 paid
    record = """mutation($id: ID!) { recordPurchase(input: {orderId: "O-pay", customerId: $id,
      status: PAID, lines: [{sku: "A", quantity: 4, unitPriceMinor: 2500}]}) {
      pointsAwarded userErrors { code } } }"""
    assert (await gql.data(record, {"id": cid}))["recordPurchase"] == {
        "pointsAwarded": 96,
        "userErrors": [],
    }
    receipt = (await gql.data(ORDER, {"order": "O-pay"}))["orderPoints"]
    assert receipt == {
        "pointsEarned": 96,
        "pointsUsed": 400,
        "valueRedeemedMinor": 400,
        "balance": 696,
    }
    await assert_ledger_sound(engine)


async def test_holds_and_redemptions_of_one_order_share_its_caps(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given at most 5.00 off an order, and 1,000 points
    await gql.data(RULES, {"input": {"maxDiscountMinor": 500}})
    cid = await customer(gql)
    # Holds beyond the points or above the quote are refused and write nothing
    beyond = await hold(gql, cid, 1001, "big", orderId="O-cap")
    assert beyond["userErrors"] == [{"field": "points", "code": "INSUFFICIENT_POINTS"}]
    above = await hold(gql, cid, 501, "above", orderId="O-cap")
    assert above["userErrors"] == [{"field": "points", "code": "ABOVE_QUOTE"}]
    held = await hold(gql, cid, 300, "h1", orderId="O-cap")
    assert held["hold"]["status"] == "ACTIVE"
    # When the same order is also paid with points, only 2.00 of the cap are left
    redeem_input = {
        "customerId": cid,
        "orderId": "O-cap",
        "cart": CART,
        "points": 250,
        "idempotencyKey": "r1",
    }
    refused = (await gql.data(REDEEM, {"input": redeem_input}))["redeemPoints"]
    assert refused["userErrors"] == [{"field": "points", "code": "ABOVE_QUOTE"}]
    second = await hold(gql, cid, 201, "h2", orderId="O-cap")
    assert second["userErrors"] == [{"field": "points", "code": "ABOVE_QUOTE"}]
    # When the hold is released, its share of the cap is free again
    await gql.data(RELEASE, {"id": held["hold"]["id"]})
    done = (await gql.data(REDEEM, {"input": redeem_input}))["redeemPoints"]
    assert done == {"redemption": {"valueMinor": 250}, "userErrors": []}
    await assert_ledger_sound(engine)
