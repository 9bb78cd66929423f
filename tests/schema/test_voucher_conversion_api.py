"""convertPointsToVoucher: the exact points at the configured rate, from spendable points
only, for a single-use voucher of the customer's own; once per key."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, events_of, points_of
from tests.support.refusals import counts

CONFIGURE = """mutation($input: UpdateVoucherConversionInput!) {
  updateVoucherConversion(input: $input) {
    conversion { enabled pointsPerUnit valuePerUnitMinor validityDays minValueMinor
                 maxValueMinor }
    userErrors { field code } } }"""
CONVERT = """mutation($input: ConvertPointsToVoucherInput!) {
  convertPointsToVoucher(input: $input) {
  voucher { code kind valueMinor maxUses customerId source status validUntil }
  pointsSpent points { balance spendable } replayed userErrors { field code message } } }"""
LEDGER = """query($id: ID!) { customer(id: $id) { ledger(first: 1) {
  nodes { points kind sourceType source } } } }"""
HOLD = """mutation($id: ID!, $points: Int!) {
  holdPoints(input: {customerId: $id, points: $points, idempotencyKey: "hold",
                     orderId: "HOLD-1",
                     cart: [{sku: "A", quantity: 1, unitPriceMinor: 100000}]}) {
    userErrors { code } } }"""
REDEEM = """mutation($code: String!, $customer: ID) { redeemVoucher(input: {code: $code,
  customerId: $customer, orderId: "C-1", idempotencyKey: "c-1",
  cart: [{sku: "TEA", quantity: 1, unitPriceMinor: 2000}]}) {
  redemption { discountMinor } userErrors { field code } } }"""

RATE = {
    "enabled": True,
    "pointsPerUnit": 100,
    "valuePerUnitMinor": 100,
    "validityDays": 30,
    "minValueMinor": 500,
    "maxValueMinor": 5000,
}


async def configure(gql: GraphQLClient, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(CONFIGURE, {"input": {**RATE, **changes}}))[
        "updateVoucherConversion"
    ]
    return payload


async def convert(gql: GraphQLClient, cid: str, value: int, key: str) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await gql.data(
            CONVERT, {"input": {"customerId": cid, "valueMinor": value, "idempotencyKey": key}}
        )
    )["convertPointsToVoucher"]
    return payload


async def test_conversion_is_off_until_a_manager_configures_it(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    cid = await customer_with(gql, 2000)
    off = await convert(gql, cid, 500, "k")
    assert [(e["field"], e["code"]) for e in off["userErrors"]] == [(None, "CONVERSION_DISABLED")]
    assert (await counts(engine))["vouchers"] == 0
    configured = await configure(gql.as_(tokens["manager"]))
    assert configured["conversion"] == RATE
    assert (await gql.data("{ voucherConversion { enabled } }"))["voucherConversion"] == {
        "enabled": True
    }


async def test_points_buy_a_single_use_voucher_of_the_customers_own_once_per_key(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    await configure(gql)
    ann, bob = await customer_with(gql, 2000), await customer_with(gql)
    till = gql.as_(tokens["cashier"])

    done = await convert(till, ann, 750, "ann-750")
    assert done["userErrors"] == []
    assert (done["pointsSpent"], done["points"]) == (750, {"balance": 1250, "spendable": 1250})
    voucher = done["voucher"]
    assert (voucher["kind"], voucher["valueMinor"], voucher["maxUses"]) == ("FIXED_AMOUNT", 750, 1)
    assert (voucher["customerId"], voucher["source"], voucher["status"]) == (
        ann,
        "CONVERSION",
        "ACTIVE",
    )
    until = datetime.fromisoformat(voucher["validUntil"])
    assert abs(until - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    [entry] = (await gql.data(LEDGER, {"id": ann}))["customer"]["ledger"]["nodes"]
    assert (entry["points"], entry["kind"], entry["sourceType"]) == (-750, "REDEMPTION", "voucher")

    again = await convert(till, ann, 750, "ann-750")
    assert again["replayed"] is True and again["voucher"]["code"] == voucher["code"]
    assert again["points"]["balance"] == 1250
    conflict = await convert(till, ann, 800, "ann-750")
    assert [e["code"] for e in conflict["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]

    # The voucher is Ann's: Bob cannot use it, Ann can
    refused = await till.data(REDEEM, {"code": voucher["code"], "customer": bob})
    assert refused["redeemVoucher"]["userErrors"] == [
        {"field": "customerId", "code": "VOUCHER_ASSIGNED_TO_ANOTHER_CUSTOMER"}
    ]
    used = await till.data(REDEEM, {"code": voucher["code"], "customer": ann})
    assert used["redeemVoucher"]["redemption"] == {"discountMinor": 750}
    [event] = await events_of(engine, "PointsConvertedToVoucher")
    assert (event["customer_id"], event["points"], event["value_minor"]) == (int(ann), 750, 750)
    await assert_ledger_sound(engine)


async def test_the_price_is_the_fewest_points_worth_the_value(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # 100 points are worth 0.30: 333 points are worth 0.999, so a 1.00 voucher costs 334
    await configure(gql, valuePerUnitMinor=30, minValueMinor=1)
    cid = await customer_with(gql, 1000)
    done = await convert(gql, cid, 100, "odd")
    assert (done["pointsSpent"], done["points"]["balance"]) == (334, 666)
    await assert_ledger_sound(engine)


async def test_held_points_cannot_buy_a_voucher(gql: GraphQLClient, engine: AsyncEngine) -> None:
    await configure(gql)
    cid = await customer_with(gql, 1000)
    await gql.data(HOLD, {"id": cid, "points": 600})
    before = await counts(engine)
    refused = await convert(gql, cid, 500, "held")
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("valueMinor", "INSUFFICIENT_POINTS")
    ]
    assert await counts(engine) == before
    assert await points_of(gql, cid) == {"balance": 1000, "held": 600, "spendable": 400}


async def test_ten_conversions_at_once_never_overdraw(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    await configure(gql)
    cid = await customer_with(gql, 1000)
    answers = await asyncio.gather(*(convert(gql, cid, 500, f"c-{n}") for n in range(10)))
    assert sum(1 for a in answers if not a["userErrors"]) == 2
    assert {e["code"] for a in answers for e in a["userErrors"]} == {"INSUFFICIENT_POINTS"}
    assert (await points_of(gql, cid))["balance"] == 0
    assert (await counts(engine))["vouchers"] == 2
    await assert_ledger_sound(engine)


@pytest.mark.parametrize(
    ("value", "field", "code"),
    [
        (499, "valueMinor", "OUT_OF_RANGE"),
        (5001, "valueMinor", "OUT_OF_RANGE"),
        (0, "valueMinor", "OUT_OF_RANGE"),
        (-500, "valueMinor", "OUT_OF_RANGE"),
    ],
)
async def test_given_a_value_outside_the_range_then_refused_and_nothing_written(
    gql: GraphQLClient, engine: AsyncEngine, value: int, field: str, code: str
) -> None:
    await configure(gql)
    cid = await customer_with(gql, 10_000)
    before = await counts(engine)
    refused = await convert(gql, cid, value, "range")
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(field, code)]
    assert await counts(engine) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pointsPerUnit": 0}, "pointsPerUnit"),
        ({"valuePerUnitMinor": -1}, "valuePerUnitMinor"),
        ({"validityDays": 0}, "validityDays"),
        ({"minValueMinor": 0}, "minValueMinor"),
        ({"maxValueMinor": 400}, "maxValueMinor"),
    ],
)
async def test_given_bad_conversion_settings_then_refused_and_unchanged(
    gql: GraphQLClient, changes: dict[str, Any], field: str
) -> None:
    refused = await configure(gql, **changes)
    assert refused["conversion"] is None
    assert [e["field"] for e in refused["userErrors"]] == [field]
    assert (await gql.data("{ voucherConversion { enabled } }"))["voucherConversion"] == {
        "enabled": False
    }
