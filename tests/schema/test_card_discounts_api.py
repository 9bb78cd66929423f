"""Card discounts over the API: a series' discount settings and the combining policy are set
by managers (bad settings refused naming the field); priceCart shows what each rule, card
and current discount takes off each line; recordPurchase records what the customer got,
uses a current discount once (also under 30 concurrent sales) and a sale of a
CURRENT_DISCOUNT card's holder gives one for the next purchase, cancelled by a refund."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from tests.support.api import GraphQLClient
from tests.support.cards import add_series, issue_card
from tests.support.loyalty import customer_with

SET_SERIES = """mutation($id: ID!, $discount: CardDiscountTermsInput,
    $current: CurrentDiscountTermsInput) {
  setCardSeriesDiscount(seriesId: $id, discount: $discount, currentDiscount: $current) {
    series { seriesId name type discount { percentBp scope skus productLines includeDiscounted }
             currentDiscount { mode percentBp bands { fromMinor percentBp } validDays } }
    userErrors { field code message } } }"""
SET_POLICY = """mutation($mode: CardCombineMode!, $cap: Int!) {
  setCardDiscountPolicy(mode: $mode, capBp: $cap) {
    policy { mode capBp } userErrors { field code message } } }"""
POLICY = "{ cardDiscountPolicy { mode capBp } }"
PRICE = """query($id: ID!, $cart: [CartLineInput!]!) { priceCart(customerId: $id, cart: $cart) {
  lines { sku memberUnitPriceMinor lineTotalMinor cardDiscountMinor netTotalMinor
          contributions { source sourceId name amountMinor } }
  totalMinor memberTotalMinor cardDiscountMinor netTotalMinor } }"""
RECORD = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  purchase { id totalMinor pointsEarned cardDiscountsMinor
             lineDiscounts { lineNo source sourceId amountMinor } }
  replayed userErrors { field code message } } }"""
REFUND = """mutation($input: RefundPurchaseInput!) { refundPurchase(input: $input) {
  refund { id } userErrors { field code message } } }"""
CURRENT = """query($id: ID!) { currentDiscounts(customerId: $id) {
  id amountOffMinor percentBp basisMinor usedPurchaseId cancelledAt } }"""

TEN_PERCENT = {"percentBp": 1000}
BANDS = {
    "mode": "BANDS",
    "validDays": 30,
    "bands": [{"fromMinor": 5000, "percentBp": 500}, {"fromMinor": 15000, "percentBp": 1000}],
}


async def discount_series(gql: GraphQLClient, engine: AsyncEngine, name: str, bp: int) -> int:
    series = await add_series(engine, name, "DISCOUNT")
    set_ = await gql.data(SET_SERIES, {"id": str(series), "discount": {"percentBp": bp}})
    assert set_["setCardSeriesDiscount"]["userErrors"] == []
    return series


async def current_series(gql: GraphQLClient, engine: AsyncEngine, terms: dict[str, Any]) -> int:
    series = await add_series(engine, "Big spender", "CURRENT_DISCOUNT")
    set_ = await gql.data(SET_SERIES, {"id": str(series), "current": terms})
    assert set_["setCardSeriesDiscount"]["userErrors"] == []
    return series


async def record(
    gql: GraphQLClient, cid: str, order: str, lines: list[dict[str, Any]]
) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await gql.data(
            RECORD,
            {"input": {"orderId": order, "status": "PAID", "customerId": cid, "lines": lines}},
        )
    )["recordPurchase"]
    return payload


async def price(gql: GraphQLClient, cid: str, cart: list[dict[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = (await gql.data(PRICE, {"id": cid, "cart": cart}))["priceCart"]
    return found


def sale_lines(cart: list[dict[str, Any]], priced: dict[str, Any]) -> list[dict[str, Any]]:
    """The cart as the till records it: member prices, and every contribution."""
    return [
        {
            "sku": line["sku"],
            "quantity": line["quantity"],
            "unitPriceMinor": p["memberUnitPriceMinor"],
            "discounts": [
                {"source": c["source"], "sourceId": c["sourceId"], "amountMinor": c["amountMinor"]}
                for c in p["contributions"]
            ],
        }
        for line, p in zip(cart, priced["lines"], strict=True)
    ]


async def test_series_settings_are_checked_naming_each_field(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    discount = await add_series(engine, "Friends", "DISCOUNT")
    current = await add_series(engine, "Big spender", "CURRENT_DISCOUNT")
    # When bands go down, a percentage is over 100% and a discount is set on the wrong type
    bad = await gql.data(
        SET_SERIES,
        {
            "id": str(current),
            "discount": {"percentBp": 10001, "scope": "SKUS"},
            "current": {
                "mode": "BANDS",
                "validDays": 0,
                "bands": [
                    {"fromMinor": 15000, "percentBp": 1000},
                    {"fromMinor": 5000, "percentBp": 500},
                ],
            },
        },
    )
    errors = {(e["field"], e["code"]) for e in bad["setCardSeriesDiscount"]["userErrors"]}
    assert errors == {
        ("discount.percentBp", "OUT_OF_RANGE"),
        ("discount.skus", "REQUIRED"),
        ("currentDiscount.validDays", "OUT_OF_RANGE"),
        ("currentDiscount.bands.1.fromMinor", "INVALID"),
    }
    wrong_type = await gql.data(SET_SERIES, {"id": str(current), "discount": TEN_PERCENT})
    assert [(e["field"], e["code"]) for e in wrong_type["setCardSeriesDiscount"]["userErrors"]] == [
        ("discount", "INVALID")
    ]
    # Then a good setting is written and read back; a cashier may not set it
    good = await gql.data(
        SET_SERIES,
        {
            "id": str(discount),
            "discount": {
                "percentBp": 1000,
                "scope": "PRODUCT_LINES",
                "productLines": ["TEA", "TEA"],
            },
        },
    )
    assert good["setCardSeriesDiscount"]["series"]["discount"] == {
        "percentBp": 1000,
        "scope": "PRODUCT_LINES",
        "skus": [],
        "productLines": ["TEA"],
        "includeDiscounted": False,
    }
    till = await gql.as_(tokens["cashier"]).post(
        SET_SERIES, {"id": str(discount), "discount": TEN_PERCENT}
    )
    assert till["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_policy_is_best_single_until_set_then_additive_up_to_its_cap(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    assert (await gql.data(POLICY))["cardDiscountPolicy"] == {"mode": "BEST_SINGLE", "capBp": 10000}
    cid = await customer_with(gql)
    for name, bp, code in (("Friends", 1000, "F1"), ("Staff", 1500, "S1")):
        series = await discount_series(gql, engine, name, bp)
        await issue_card(engine, cid, series, code, "DISCOUNT")
    cart = [{"sku": "TEA", "quantity": 1, "unitPriceMinor": 10000}]
    # Best single: the 15% card alone
    best = await price(gql, cid, cart)
    assert [(c["name"], c["amountMinor"]) for c in best["lines"][0]["contributions"]] == [
        ("Staff", 1500)
    ]
    # Additive capped at 20%: 10% from the older card, then 10% (of its 15%) from the other
    bad = await gql.data(SET_POLICY, {"mode": "ADDITIVE", "cap": 10001})
    assert bad["setCardDiscountPolicy"]["userErrors"][0]["field"] == "capBp"
    set_ = await gql.data(SET_POLICY, {"mode": "ADDITIVE", "cap": 2000})
    assert set_["setCardDiscountPolicy"]["policy"] == {"mode": "ADDITIVE", "capBp": 2000}
    added = await price(gql, cid, cart)
    assert [(c["name"], c["amountMinor"]) for c in added["lines"][0]["contributions"]] == [
        ("Friends", 1000),
        ("Staff", 1000),
    ]
    assert added["netTotalMinor"] == 8000


async def test_a_sale_gives_a_current_discount_used_once_by_the_next_one(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given Cleo holds a Big spender card: 5% from 50.00, 10% from 150.00
    cid = await customer_with(gql)
    series = await current_series(gql, engine, BANDS)
    await issue_card(engine, cid, series, "BS1", "CURRENT_DISCOUNT")
    # When she buys for 150.00
    first = await record(gql, cid, "S-1", [{"sku": "COAT", "quantity": 1, "unitPriceMinor": 15000}])
    assert first["userErrors"] == []
    found = (await gql.data(CURRENT, {"id": cid}))["currentDiscounts"]
    assert [(d["percentBp"], d["basisMinor"], d["usedPurchaseId"]) for d in found] == [
        (1000, 15000, None)
    ]
    # Then her next cart is 10% off, spread over the lines to the minor unit
    cart = [
        {"sku": "HAT", "quantity": 1, "unitPriceMinor": 1999},
        {"sku": "SCARF", "quantity": 2, "unitPriceMinor": 1250},
    ]
    priced = await price(gql, cid, cart)
    shares = [ln["contributions"][0]["amountMinor"] for ln in priced["lines"]]
    assert sum(shares) == 449 and priced["netTotalMinor"] == 4499 - 449
    assert all(ln["contributions"][0]["source"] == "CURRENT_DISCOUNT" for ln in priced["lines"])
    # And recording that sale uses it, and records what each line got
    second = await record(gql, cid, "S-2", sale_lines(cart, priced))
    assert second["userErrors"] == []
    assert second["purchase"]["cardDiscountsMinor"] == 449
    assert [d["amountMinor"] for d in second["purchase"]["lineDiscounts"]] == shares
    # Points are earned on what was paid: 40.50 (1 point a unit)
    assert second["purchase"]["pointsEarned"] == 40
    # A replay changes nothing; the discount cannot be used again by another sale
    again = await record(gql, cid, "S-2", sale_lines(cart, priced))
    assert (
        again["replayed"]
        and again["purchase"]["lineDiscounts"] == (second["purchase"]["lineDiscounts"])
    )
    third = await record(gql, cid, "S-3", sale_lines(cart, priced))
    assert [(e["code"]) for e in third["userErrors"]] == ["DISCOUNT_NOT_APPLICABLE"]
    assert third["purchase"] is None
    # And the second sale, 40.50 paid, reaches no band: it gives none
    found = (await gql.data(CURRENT, {"id": cid}))["currentDiscounts"]
    assert [(d["percentBp"], d["basisMinor"], d["usedPurchaseId"]) for d in found] == [
        (1000, 15000, second["purchase"]["id"])
    ]


async def test_a_refund_cancels_the_current_discount_its_sale_gave(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer_with(gql)
    terms = {"mode": "PERCENT_OF_AMOUNT", "percentBp": 1000, "validDays": 7}
    series = await current_series(gql, engine, terms)
    await issue_card(engine, cid, series, "BS1", "CURRENT_DISCOUNT")
    lines = [{"sku": "COAT", "quantity": 2, "unitPriceMinor": 7500}]
    await record(gql, cid, "R-1", lines)
    found = (await gql.data(CURRENT, {"id": cid}))["currentDiscounts"]
    assert [(d["amountOffMinor"], d["cancelledAt"]) for d in found] == [(1500, None)]
    # When one of the two coats comes back
    refund = {"orderId": "R-1", "idempotencyKey": "r-1", "lines": [{"sku": "COAT", "quantity": 1}]}
    assert (await gql.data(REFUND, {"input": refund}))["refundPurchase"]["userErrors"] == []
    # Then the 15.00 off is cancelled, and her next cart is at full price
    found = (await gql.data(CURRENT, {"id": cid}))["currentDiscounts"]
    assert found[0]["cancelledAt"] is not None
    priced = await price(gql, cid, lines)
    assert priced["netTotalMinor"] == 15000


async def test_thirty_sales_at_once_use_one_current_discount_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await customer_with(gql)
    terms = {"mode": "PERCENT_OF_AMOUNT", "percentBp": 1000, "validDays": 7}
    series = await current_series(gql, engine, terms)
    await issue_card(engine, cid, series, "BS1", "CURRENT_DISCOUNT")
    await record(gql, cid, "C-0", [{"sku": "COAT", "quantity": 1, "unitPriceMinor": 10000}])
    cart = [{"sku": "HAT", "quantity": 1, "unitPriceMinor": 5000}]
    lines = sale_lines(cart, await price(gql, cid, cart))
    assert lines[0]["discounts"][0]["amountMinor"] == 1000
    # When 30 tills record a sale with it at once
    answers = await asyncio.gather(*(record(gql, cid, f"C-{n}", lines) for n in range(1, 31)))
    # Then one records it; the others are refused and write nothing
    recorded = [a for a in answers if not a["userErrors"]]
    assert len(recorded) == 1
    assert {e["code"] for a in answers for e in a["userErrors"]} == {"DISCOUNT_NOT_APPLICABLE"}
    async with engine.connect() as conn:
        counts = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM purchases), "
                    "(SELECT count(*) FROM purchase_line_discounts), "
                    "(SELECT count(*) FROM current_discounts WHERE used_at IS NOT NULL)"
                )
            )
        ).one()
        assert await find_violations(conn) == []
    assert tuple(counts) == (2, 1, 1)


async def test_line_discounts_are_checked_against_the_customer(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    ann, bob = await customer_with(gql), await customer_with(gql)
    series = await discount_series(gql, engine, "Friends", 1000)
    bobs = await issue_card(engine, bob, series, "F-BOB", "DISCOUNT")
    line = {"sku": "TEA", "quantity": 1, "unitPriceMinor": 1000}

    def given(*discounts: tuple[str, str, int]) -> list[dict[str, Any]]:
        return [
            {
                **line,
                "discounts": [
                    {"source": s, "sourceId": i, "amountMinor": a} for s, i, a in discounts
                ],
            }
        ]

    # Bob's card on Ann's sale, an unknown rule, more than the line
    refused = await record(gql, ann, "X-1", given(("CARD", str(bobs), 100)))
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        ("lines.0.discounts.0.sourceId", "DISCOUNT_NOT_APPLICABLE")
    ]
    unknown = await record(gql, ann, "X-2", given(("PRICE_RULE", "999", 100)))
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]
    over = await record(gql, bob, "X-3", given(("CARD", str(bobs), 1001)))
    assert [(e["field"], e["code"]) for e in over["userErrors"]] == [
        ("lines.0.discounts", "OUT_OF_RANGE")
    ]
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM purchases"))).scalar_one() == 0


async def test_an_order_reported_created_then_paid_earns_on_what_was_paid_after_its_discounts(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given Eve's Friends card (10%), and her 100.00 order reported CREATED with its discount
    cid = await customer_with(gql)
    series = await discount_series(gql, engine, "Friends", 1000)
    card = await issue_card(engine, cid, series, "F-EVE", "DISCOUNT")
    line = {"sku": "TV", "quantity": 1, "unitPriceMinor": 10000}
    discounted = {
        **line,
        "discounts": [{"source": "CARD", "sourceId": str(card), "amountMinor": 1000}],
    }
    created = await gql.data(
        RECORD,
        {
            "input": {
                "orderId": "E-1",
                "status": "CREATED",
                "customerId": cid,
                "lines": [discounted],
            }
        },
    )
    assert created["recordPurchase"]["purchase"]["pointsEarned"] == 0
    # When it is reported PAID (without the discounts again)
    paid = await record(gql, cid, "E-1", [line])
    # Then it earns on the 90.00 paid, and keeps the discount it was recorded with
    assert paid["replayed"] and paid["purchase"]["pointsEarned"] == 90
    assert paid["purchase"]["cardDiscountsMinor"] == 1000


UPDATE_SERIES = """mutation($input: UpdateCardSeriesInput!) {
  updateCardSeries(input: $input) { series { id active } userErrors { field code } } }"""
ISSUE = """mutation($input: IssueCardInput!) {
  issueCard(input: $input) { card { code } userErrors { field code } } }"""


async def close(gql: GraphQLClient, series: int) -> None:
    closed = await gql.data(UPDATE_SERIES, {"input": {"id": str(series), "active": False}})
    assert closed["updateCardSeries"]["series"]["active"] is False


async def test_a_closed_series_issues_no_cards_but_its_cards_keep_their_discounts(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule (docs/cards.md, "Series and check digits"; docs/card-discounts.md): a closed
    series (`active: false`) issues no cards, but its cards keep working: only a blocked,
    lost or replaced card gives nothing. Given a customer's ACTIVE card of a DISCOUNT series
    of 10% and one of a CURRENT_DISCOUNT series, when a manager closes both series, then
    priceCart still gives the card's 10%, a sale still gives a current discount, and no new
    card of either series can be issued."""
    friends = await discount_series(gql, engine, "Friends", 1000)
    terms = {"mode": "PERCENT_OF_AMOUNT", "percentBp": 1000, "validDays": 7}
    spender = await current_series(gql, engine, terms)
    cid = await customer_with(gql)
    await issue_card(engine, cid, friends, "FRIEND-1", "DISCOUNT")
    await issue_card(engine, cid, spender, "BS1", "CURRENT_DISCOUNT")
    cart = [{"sku": "BEANS", "quantity": 1, "unitPriceMinor": 2000}]
    assert (await price(gql, cid, cart))["cardDiscountMinor"] == 200
    await close(gql, friends)
    await close(gql, spender)
    # The DISCOUNT card still takes its 10% off, and the sale is recorded with it
    priced = await price(gql, cid, cart)
    assert priced["cardDiscountMinor"] == 200, priced
    sale = await record(gql, cid, "CL-1", sale_lines(cart, priced))
    assert sale["userErrors"] == [] and sale["purchase"]["cardDiscountsMinor"] == 200
    # The CURRENT_DISCOUNT card still gives 10% of what was paid off the next purchase
    found = (await gql.data(CURRENT, {"id": cid}))["currentDiscounts"]
    assert [(d["amountOffMinor"], d["basisMinor"]) for d in found] == [(180, 1800)]
    # Neither series issues a new card
    for series in (friends, spender):
        refused = await gql.data(
            ISSUE,
            {"input": {"customerId": cid, "seriesId": str(series), "code": f"NEW-{series}",
                       "idempotencyKey": f"new-{series}"}},
        )  # fmt: skip
        assert refused["issueCard"]["userErrors"] == [{"field": "seriesId", "code": "INVALID"}]
