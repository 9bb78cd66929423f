"""checkVoucher and redeemVoucher: exact discounts, every use counted once, never beyond a
code's limit even from many tills at once; refusals typed, with nothing written."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, events_of, one_code
from tests.support.refusals import counts

CHECK = """query($code: String!, $cart: [CartLineInput!]!, $customer: ID, $order: String) {
  checkVoucher(code: $code, cart: $cart, customerId: $customer, orderId: $order) {
    code applies discountMinor reasons voucher { code status uses } } }"""
REDEEM = """mutation($input: RedeemVoucherInput!) { redeemVoucher(input: $input) {
  redemption { id shop orderId discountMinor customerId }
  voucher { code uses maxUses status }
  replayed userErrors { field code message } } }"""
USAGE = """query($code: String!) { voucher(code: $code) { uses maxUses status
  redemptions { nodes { shop orderId discountMinor customer { id } createdAt } } } }"""

CART = [{"sku": "TEA", "quantity": 3, "unitPriceMinor": 1000}]  # 30.00


async def check(gql: GraphQLClient, code: str, cart: list[Any] = CART, **more: Any) -> Any:
    return (await gql.data(CHECK, {"code": code, "cart": cart, **more}))["checkVoucher"]


async def redeem(
    gql: GraphQLClient, voucher: str, order: str, key: str | None = None, **more: Any
) -> dict[str, Any]:
    values = {"code": voucher, "orderId": order, "cart": CART, "idempotencyKey": key or order}
    payload: dict[str, Any] = (await gql.data(REDEEM, {"input": {**values, **more}}))[
        "redeemVoucher"
    ]
    return payload


def refused_with(payload: dict[str, Any]) -> list[tuple[str, str]]:
    assert payload["redemption"] is None
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_a_single_use_code_takes_its_value_off_once_and_shows_its_use(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    ann = await customer_with(gql)
    code = await one_code(gql, valueMinor=500)
    checked = await check(gql, code.lower())
    assert (checked["applies"], checked["discountMinor"], checked["reasons"]) == (True, 500, [])

    done = await redeem(gql, f" {code.lower()} ", "T-1", customerId=ann)
    assert done["userErrors"] == []
    assert done["redemption"]["discountMinor"] == 500
    assert done["voucher"] == {"code": code, "uses": 1, "maxUses": 1, "status": "USED_UP"}

    # The till retries (a timeout): the same redemption, nothing counted twice
    again = await redeem(gql, code, "T-1", customerId=ann)
    assert again["replayed"] is True and again["redemption"] == done["redemption"]
    # The same key for another order is a conflict; another order is refused: used up
    other = await redeem(gql, code, "T-2", key="T-1", customerId=ann)
    assert refused_with(other) == [("idempotencyKey", "IDEMPOTENCY_CONFLICT")]
    before = await counts(engine)
    assert refused_with(await redeem(gql, code, "T-3")) == [("code", "VOUCHER_USED_UP")]
    assert await counts(engine) == before
    assert (await check(gql, code))["reasons"] == ["USED_UP"]

    usage = (await gql.data(USAGE, {"code": code}))["voucher"]
    assert (usage["uses"], usage["maxUses"], usage["status"]) == (1, 1, "USED_UP")
    [use] = usage["redemptions"]["nodes"]
    assert (use["shop"], use["orderId"], use["discountMinor"]) == ("default", "T-1", 500)
    assert use["customer"] == {"id": ann} and use["createdAt"]
    assert [e["discount_minor"] for e in await events_of(engine, "VoucherRedeemed")] == [500]
    await assert_ledger_sound(engine)


@pytest.mark.parametrize(
    ("terms", "cart", "discount"),
    [
        # A fixed amount never takes off more than the cart
        ({"valueMinor": 5000}, CART, 3000),
        # 15% of 33.33 is 4.9995: rounded down to 4.99
        (
            {"kind": "PERCENT", "valueMinor": None, "percentBp": 1500},
            [{"sku": "A", "quantity": 1, "unitPriceMinor": 3333}],
            499,
        ),
        # One unit of the gift SKU is free: the cheapest line's price
        (
            {"kind": "GIFT_ITEM", "valueMinor": None, "giftSku": "MUG"},
            [
                {"sku": "MUG", "quantity": 1, "unitPriceMinor": 900},
                {"sku": "MUG", "quantity": 2, "unitPriceMinor": 700, "discounted": True},
                {"sku": "TEA", "quantity": 1, "unitPriceMinor": 1000},
            ],
            700,
        ),
    ],
)
async def test_the_discount_is_exact_for_each_kind(
    gql: GraphQLClient, engine: AsyncEngine, terms: dict[str, Any], cart: Any, discount: int
) -> None:
    code = await one_code(gql, **terms)
    assert (await check(gql, code, cart))["discountMinor"] == discount
    done = await redeem(gql, code, "K-1", cart=cart)
    assert done["redemption"]["discountMinor"] == discount
    await assert_ledger_sound(engine)


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("terms", "cart", "reason", "field", "code"),
    [
        ({"validUntil": in_days(-1)}, CART, "EXPIRED", "code", "VOUCHER_EXPIRED"),
        ({"validFrom": in_days(1)}, CART, "NOT_YET_VALID", "code", "VOUCHER_NOT_YET_VALID"),
        ({"minCartMinor": 5000}, CART, "BELOW_MIN_CART", "cart", "VOUCHER_NOT_APPLICABLE"),
        (
            {"kind": "GIFT_ITEM", "valueMinor": None, "giftSku": "MUG"},
            CART,
            "GIFT_NOT_IN_CART",
            "cart",
            "VOUCHER_NOT_APPLICABLE",
        ),
        (
            {},
            [{"sku": "FREEBIE", "quantity": 1, "unitPriceMinor": 0}],
            "NOTHING_TO_DISCOUNT",
            "cart",
            "VOUCHER_NOT_APPLICABLE",
        ),
    ],
)
async def test_a_code_that_does_not_apply_says_why_and_is_not_used(
    gql: GraphQLClient,
    engine: AsyncEngine,
    terms: dict[str, Any],
    cart: Any,
    reason: str,
    field: str,
    code: str,
) -> None:
    voucher = await one_code(gql, **terms)
    checked = await check(gql, voucher, cart)
    assert (checked["applies"], checked["discountMinor"], checked["reasons"]) == (
        False,
        0,
        [reason],
    )
    before = await counts(engine)
    assert refused_with(await redeem(gql, voucher, "N-1", cart=cart)) == [(field, code)]
    assert await counts(engine) == before


async def test_an_unknown_code_is_not_found(gql: GraphQLClient, engine: AsyncEngine) -> None:
    checked = await check(gql, "NO-SUCH-CODE")
    assert checked == {
        "code": "NO-SUCH-CODE",
        "applies": False,
        "discountMinor": 0,
        "reasons": ["NOT_FOUND"],
        "voucher": None,
    }
    assert refused_with(await redeem(gql, "no-such-code", "U-1")) == [("code", "NOT_FOUND")]
    assert (await counts(engine))["voucher_redemptions"] == 0


async def test_an_assigned_code_serves_its_customer_only(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    ann, bob = await customer_with(gql), await customer_with(gql)
    code = await one_code(gql)
    assign = "mutation($c: String!, $id: ID!) { assignVoucher(input: {code: $c, customerId: $id}) { userErrors { code } } }"  # noqa: E501
    await gql.data(assign, {"c": code, "id": ann})
    assert (await check(gql, code, customer=bob))["reasons"] == ["ASSIGNED_TO_ANOTHER_CUSTOMER"]
    for who in ({"customerId": bob}, {}):
        assert refused_with(await redeem(gql, code, "A-1", **who)) == [
            ("customerId", "VOUCHER_ASSIGNED_TO_ANOTHER_CUSTOMER")
        ]
    assert (await redeem(gql, code, "A-1", customerId=ann))["userErrors"] == []
    await assert_ledger_sound(engine)


async def test_vouchers_on_one_order_never_take_off_more_than_the_cart(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    first = await one_code(gql, name="first", valueMinor=2000)
    second = await one_code(gql, name="second", valueMinor=2000)
    multi = await one_code(gql, name="multi", valueMinor=100, maxUses=None)
    assert (await redeem(gql, first, "O-1", key="k1"))["redemption"]["discountMinor"] == 2000
    # On the same 30.00 order only 10.00 is left
    assert (await check(gql, second, order="O-1"))["discountMinor"] == 1000
    assert (await redeem(gql, second, "O-1", key="k2"))["redemption"]["discountMinor"] == 1000
    # Nothing is left now, and a code is used once per order
    assert (await check(gql, multi, order="O-1"))["reasons"] == ["NOTHING_TO_DISCOUNT"]
    assert (await redeem(gql, multi, "O-2", key="k3"))["userErrors"] == []
    assert (await check(gql, multi, order="O-2"))["reasons"] == ["ALREADY_USED_ON_ORDER"]
    assert refused_with(await redeem(gql, multi, "O-2", key="k4")) == [
        ("orderId", "VOUCHER_NOT_APPLICABLE")
    ]
    await assert_ledger_sound(engine)


async def test_a_single_use_code_redeemed_from_twelve_tills_at_once_succeeds_once(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    till = gql.as_(tokens["cashier"])
    code = await one_code(gql)
    answers = await asyncio.gather(*(redeem(till, code, f"till-{n}") for n in range(12)))
    succeeded = [a for a in answers if not a["userErrors"]]
    assert len(succeeded) == 1
    assert sorted({e["code"] for a in answers for e in a["userErrors"]}) == ["VOUCHER_USED_UP"]
    assert (await gql.data(USAGE, {"code": code}))["voucher"]["uses"] == 1
    assert (await counts(engine))["voucher_redemptions"] == 1
    await assert_ledger_sound(engine)


async def test_a_code_with_three_uses_redeemed_ten_times_at_once_is_used_three_times(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    code = await one_code(gql, maxUses=3)
    answers = await asyncio.gather(*(redeem(gql, code, f"multi-{n}") for n in range(10)))
    assert sum(1 for a in answers if not a["userErrors"]) == 3
    usage = (await gql.data(USAGE, {"code": code}))["voucher"]
    assert (usage["uses"], usage["status"], len(usage["redemptions"]["nodes"])) == (
        3,
        "USED_UP",
        3,
    )
    await assert_ledger_sound(engine)


async def test_one_key_sent_five_times_at_once_redeems_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    code = await one_code(gql, maxUses=None)
    answers = await asyncio.gather(*(redeem(gql, code, "R-1", key="same") for _ in range(5)))
    assert {a["redemption"]["id"] for a in answers} == {answers[0]["redemption"]["id"]}
    assert sorted(a["replayed"] for a in answers) == [False, True, True, True, True]
    assert (await counts(engine))["voucher_redemptions"] == 1
    await assert_ledger_sound(engine)


def line(**changes: Any) -> list[dict[str, Any]]:
    return [{"sku": "TEA", "quantity": 1, "unitPriceMinor": 1000, **changes}]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"cart": line(quantity=-2)}, "cart.0.quantity", "OUT_OF_RANGE"),
        ({"cart": line(quantity=0)}, "cart.0.quantity", "OUT_OF_RANGE"),
        ({"cart": line(unitPriceMinor=-1)}, "cart.0.unitPriceMinor", "OUT_OF_RANGE"),
        ({"cart": []}, "cart", "REQUIRED"),
        ({"code": "  "}, "code", "REQUIRED"),
        ({"code": "X" * 200}, "code", "INVALID"),
        ({"orderId": ""}, "orderId", "REQUIRED"),
        ({"customerId": "abc"}, "customerId", "INVALID"),
        ({"customerId": "999999"}, "customerId", "NOT_FOUND"),
        ({"idempotencyKey": " "}, "idempotencyKey", "REQUIRED"),
    ],
)
async def test_given_bad_redemption_input_then_refused_and_nothing_written(
    gql: GraphQLClient, engine: AsyncEngine, changes: dict[str, Any], field: str, code: str
) -> None:
    voucher = await one_code(gql)
    before = await counts(engine)
    payload = await redeem(gql, voucher, "B-1", **changes)
    assert (field, code) in refused_with(payload)
    assert await counts(engine) == before


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"cart": line(quantity=-1)}, "cart.0.quantity"),
        ({"code": ""}, "code"),
        ({"customer": "999999"}, "customerId"),
    ],
)
async def test_given_bad_check_input_then_a_top_level_error_naming_the_field(
    gql: GraphQLClient, variables: dict[str, Any], field: str
) -> None:
    body = await gql.post(CHECK, {"code": "ANY", "cart": CART, **variables})
    assert error_codes(body) in (["BAD_USER_INPUT"], ["NOT_FOUND"])
    assert body["errors"][0]["extensions"]["field"] == field


async def test_a_codes_uses_are_listed_newest_first_a_page_at_a_time(
    gql: GraphQLClient,
) -> None:
    code = await one_code(gql, maxUses=None)
    for n in range(3):
        assert (await redeem(gql, code, f"P-{n}"))["userErrors"] == []
    pages = """query($code: String!, $after: String) { voucher(code: $code) {
      redemptions(first: 2, after: $after) {
        nodes { orderId } pageInfo { hasNextPage endCursor } } } }"""
    first = (await gql.data(pages, {"code": code}))["voucher"]["redemptions"]
    assert [r["orderId"] for r in first["nodes"]] == ["P-2", "P-1"]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    rest = (await gql.data(pages, {"code": code, "after": after}))["voucher"]["redemptions"]
    assert [r["orderId"] for r in rest["nodes"]] == ["P-0"]
    assert rest["pageInfo"]["hasNextPage"] is False
