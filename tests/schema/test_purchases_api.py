"""Purchases through the API: earning rules, awarding once, and refunds taking points back."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from tests.support.api import GraphQLClient

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { field code message } }
}"""

CREATE_CATEGORY = """
mutation($input: CreatePointCategoryInput!) {
  createPointCategory(input: $input) {
    category { id name earnMultiplier isDefault } userErrors { field code message }
  }
}"""

RULES = """
mutation($input: UpdateEarningRulesInput!) {
  updateEarningRules(input: $input) {
    rules {
      pointsPerUnit spendUnitMinor awardStatus minOrderMinor excludeDiscounted
      productOverrides { sku mode value }
    }
    userErrors { field code message }
  }
}"""

RECORD = """
mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) {
    purchase {
      id orderId customerId status totalMinor pointsEarned awardedAt
      lines { sku quantity unitPriceMinor discounted refundedQuantity }
    }
    customer { id }
    points { balance lifetimeEarned lifetimeSpent }
    pointsAwarded
    replayed
    userErrors { field code message }
  }
}"""

REFUND = """
mutation($input: RefundPurchaseInput!) {
  refundPurchase(input: $input) {
    refund { id amountMinor pointsDue pointsTaken pointsUncollected entryId }
    purchase { pointsEarned lines { sku quantity refundedQuantity } }
    points { balance lifetimeEarned lifetimeSpent }
    replayed
    userErrors { field code message }
  }
}"""

ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { points { balance } userErrors { field code message } }
}"""

BALANCE = """
query($id: ID!) {
  customer(id: $id) {
    points { balance lifetimeEarned lifetimeSpent }
    ledger { nodes { points kind source } }
  }
}"""


async def new_customer(gql: GraphQLClient, **fields: Any) -> str:
    keyed = {**fields, "idempotencyKey": uuid4().hex}
    payload = (await gql.data(CREATE_CUSTOMER, {"input": keyed}))["createCustomer"]
    assert payload["userErrors"] == []
    customer_id: str = payload["customer"]["id"]
    return customer_id


async def new_category(gql: GraphQLClient, name: str, multiplier: str) -> str:
    payload = await gql.data(
        CREATE_CATEGORY,
        {"input": {"name": name, "earnMultiplier": multiplier, "idempotencyKey": name}},
    )
    assert payload["createPointCategory"]["userErrors"] == []
    category_id: str = payload["createPointCategory"]["category"]["id"]
    return category_id


async def set_rules(gql: GraphQLClient, **changes: Any) -> dict[str, Any]:
    payload = (await gql.data(RULES, {"input": changes}))["updateEarningRules"]
    assert payload["userErrors"] == []
    rules: dict[str, Any] = payload["rules"]
    return rules


def line(
    sku: str, quantity: int, unit_price_minor: int, discounted: bool = False
) -> dict[str, Any]:
    return {
        "sku": sku,
        "quantity": quantity,
        "unitPriceMinor": unit_price_minor,
        "discounted": discounted,
    }


async def record(
    gql: GraphQLClient, order_id: str, status: str, lines: list[dict[str, Any]], **who: Any
) -> dict[str, Any]:
    body = await gql.data(
        RECORD, {"input": {"orderId": order_id, "status": status, "lines": lines, **who}}
    )
    payload: dict[str, Any] = body["recordPurchase"]
    return payload


async def refund(
    gql: GraphQLClient, order_id: str, key: str, lines: list[tuple[str, int]] | None = None
) -> dict[str, Any]:
    refund_input: dict[str, Any] = {"orderId": order_id, "idempotencyKey": key}
    if lines is not None:
        refund_input["lines"] = [{"sku": sku, "quantity": qty} for sku, qty in lines]
    payload: dict[str, Any] = (await gql.data(REFUND, {"input": refund_input}))["refundPurchase"]
    return payload


async def points(gql: GraphQLClient, customer_id: str) -> dict[str, Any]:
    customer: dict[str, Any] = (await gql.data(BALANCE, {"id": customer_id}))["customer"]
    return customer


async def assert_ledger_sound(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await find_violations(conn) == []


async def count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def ten_per_five_euros(gql: GraphQLClient, **more: Any) -> dict[str, Any]:
    return await set_rules(gql, pointsPerUnit=10, spendUnitMinor=500, awardStatus="PAID", **more)


async def test_given_rules_updated_when_reading_them_back_then_they_are_what_was_set(
    gql: GraphQLClient,
) -> None:
    rules = await ten_per_five_euros(
        gql,
        minOrderMinor=1000,
        excludeDiscounted=True,
        productOverrides=[
            {"sku": "GIFT-CARD", "mode": "EXCLUDED"},
            {"sku": "MUG", "mode": "FIXED_PER_UNIT", "value": 15},
        ],
    )
    assert rules["pointsPerUnit"] == 10
    assert rules["spendUnitMinor"] == 500
    assert rules["awardStatus"] == "PAID"
    assert rules["minOrderMinor"] == 1000
    assert rules["excludeDiscounted"] is True
    assert rules["productOverrides"] == [
        {"sku": "GIFT-CARD", "mode": "EXCLUDED", "value": 0},
        {"sku": "MUG", "mode": "FIXED_PER_UNIT", "value": 15},
    ]
    # Fields left out stay; removing an override removes only it.
    rules = await set_rules(gql, removeProductOverrides=["MUG"])
    assert rules["pointsPerUnit"] == 10 and rules["minOrderMinor"] == 1000
    assert [o["sku"] for o in rules["productOverrides"]] == ["GIFT-CARD"]
    read = await gql.data("{ earningRules { pointsPerUnit productOverrides { sku } } }")
    assert read["earningRules"] == {"pointsPerUnit": 10, "productOverrides": [{"sku": "GIFT-CARD"}]}


async def test_given_award_at_paid_when_order_goes_created_paid_completed_then_points_once(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql, cardCode="CARD-100")
    lines = [line("SHIRT", 2, 1250)]

    created = await record(gql, "ORD-1", "CREATED", lines, customerId=cid)
    assert created["userErrors"] == []
    assert created["pointsAwarded"] == 0
    assert created["replayed"] is False
    assert created["purchase"]["status"] == "CREATED"
    assert created["purchase"]["totalMinor"] == 2500
    assert created["purchase"]["awardedAt"] is None
    assert created["points"]["balance"] == 0

    paid = await record(gql, "ORD-1", "PAID", lines, customerId=cid)
    assert paid["userErrors"] == []
    assert paid["pointsAwarded"] == 50
    assert paid["replayed"] is True
    assert paid["purchase"]["status"] == "PAID"
    assert paid["purchase"]["pointsEarned"] == 50
    assert paid["purchase"]["awardedAt"] is not None
    assert paid["points"] == {"balance": 50, "lifetimeEarned": 50, "lifetimeSpent": 0}

    again = await record(gql, "ORD-1", "PAID", lines, customerId=cid)
    completed = await record(gql, "ORD-1", "COMPLETED", lines, customerId=cid)
    assert again["pointsAwarded"] == 0 and again["replayed"] is True
    assert completed["pointsAwarded"] == 0
    assert completed["purchase"]["status"] == "COMPLETED"
    assert completed["points"]["balance"] == 50

    # A late CREATED report does not move the status back.
    late = await record(gql, "ORD-1", "CREATED", lines, customerId=cid)
    assert late["purchase"]["status"] == "COMPLETED"
    assert late["points"]["balance"] == 50

    ledger = (await points(gql, cid))["ledger"]["nodes"]
    assert ledger == [{"points": 50, "kind": "PURCHASE", "source": "default/ORD-1"}]
    await assert_ledger_sound(engine)


async def test_given_a_minimum_order_when_the_order_is_below_it_then_nothing_is_earned(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql, minOrderMinor=2000)
    cid = await new_customer(gql)
    small = await record(gql, "SMALL", "PAID", [line("A", 1, 1999)], customerId=cid)
    assert small["userErrors"] == []
    assert small["pointsAwarded"] == 0
    assert small["purchase"]["pointsEarned"] == 0
    exact = await record(gql, "EXACT", "PAID", [line("A", 1, 2000)], customerId=cid)
    assert exact["pointsAwarded"] == 40
    assert exact["points"]["balance"] == 40
    await assert_ledger_sound(engine)


async def test_given_award_at_completed_when_paid_then_nothing_until_completed(
    gql: GraphQLClient,
) -> None:
    await set_rules(gql, pointsPerUnit=1, spendUnitMinor=100, awardStatus="COMPLETED")
    cid = await new_customer(gql)
    paid = await record(gql, "O", "PAID", [line("A", 1, 1000)], customerId=cid)
    assert paid["pointsAwarded"] == 0
    completed = await record(gql, "O", "COMPLETED", [line("A", 1, 1000)], customerId=cid)
    assert completed["pointsAwarded"] == 10


async def test_given_a_card_code_when_recording_then_that_customer_earns(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql, cardCode="CARD-777")
    payload = await record(gql, "BY-CARD", "PAID", [line("A", 1, 1000)], cardCode="CARD-777")
    assert payload["userErrors"] == []
    assert payload["customer"]["id"] == cid
    assert payload["purchase"]["customerId"] == cid
    assert payload["pointsAwarded"] == 20
    assert (await points(gql, cid))["points"]["balance"] == 20
    unknown = await record(gql, "BY-CARD-2", "PAID", [line("A", 1, 1000)], cardCode="NOPE-1")
    assert unknown["userErrors"] == [
        {"field": "cardCode", "code": "NOT_FOUND", "message": unknown["userErrors"][0]["message"]}
    ]
    assert unknown["purchase"] is None
    await assert_ledger_sound(engine)


async def test_given_a_premium_2x_customer_when_buying_then_points_double(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    premium = await new_category(gql, "Premium", "2")
    base_id = await new_customer(gql)
    premium_id = await new_customer(gql, categoryId=premium)
    base = await record(gql, "B-1", "PAID", [line("A", 1, 1250)], customerId=base_id)
    doubled = await record(gql, "P-1", "PAID", [line("A", 1, 1250)], customerId=premium_id)
    assert base["pointsAwarded"] == 25
    assert doubled["pointsAwarded"] == 50
    await assert_ledger_sound(engine)


async def test_readme_worked_example(gql: GraphQLClient, engine: AsyncEngine) -> None:
    """Worked example.

    Earning rule: 10 points per 5.00 spent, awarded when the order is PAID, minimum order
    10.00, discounted lines excluded. Product overrides: GIFT-CARD earns nothing (EXCLUDED),
    BOOK earns 10% of its amount (PERCENT 1000 basis points), MUG earns 15 points per unit
    (FIXED_PER_UNIT). The customer is in the Premium category (multiplier 2).

    Order (total 91.99):
      2 x SHIRT     at 12.50 = 25.00 -> 25.00 / 5.00 x 10 = 50, x 2 (Premium)  = 100
      1 x SOCKS     at  7.99 (already discounted)                             =   0
      1 x GIFT-CARD at 20.00 (EXCLUDED)                                       =   0
      1 x BOOK      at 30.00 (PERCENT 10%: 3.00 -> 3 points, not multiplied) =   3
      1 x MUG       at  9.00 (FIXED_PER_UNIT 15 x 1, not multiplied)         =  15
    Points earned: 118 (the status CREATED earned nothing; PAID earned 118; COMPLETED
    earns nothing more).

    Refund of one SHIRT: the remaining lines earn 12.50 / 5.00 x 10 x 2 = 50 (floored)
    + 3 + 15 = 68 under the rule as it stood at award time, so 118 - 68 = 50 points go
    back. Refunding the rest of the order takes back the other 68.
    """
    await ten_per_five_euros(
        gql,
        minOrderMinor=1000,
        excludeDiscounted=True,
        productOverrides=[
            {"sku": "GIFT-CARD", "mode": "EXCLUDED"},
            {"sku": "BOOK", "mode": "PERCENT", "value": 1000},
            {"sku": "MUG", "mode": "FIXED_PER_UNIT", "value": 15},
        ],
    )
    premium = await new_category(gql, "Premium", "2")
    cid = await new_customer(gql, categoryId=premium)
    lines = [
        line("SHIRT", 2, 1250),
        line("SOCKS", 1, 799, discounted=True),
        line("GIFT-CARD", 1, 2000),
        line("BOOK", 1, 3000),
        line("MUG", 1, 900),
    ]

    created = await record(gql, "R-1", "CREATED", lines, customerId=cid)
    assert created["purchase"]["totalMinor"] == 9199
    assert created["pointsAwarded"] == 0
    paid = await record(gql, "R-1", "PAID", lines, customerId=cid)
    assert paid["pointsAwarded"] == 118
    completed = await record(gql, "R-1", "COMPLETED", lines, customerId=cid)
    assert completed["pointsAwarded"] == 0
    assert completed["points"]["balance"] == 118

    one_shirt = await refund(gql, "R-1", "refund-shirt", [("SHIRT", 1)])
    assert one_shirt["userErrors"] == []
    assert one_shirt["refund"]["amountMinor"] == 1250
    assert one_shirt["refund"]["pointsDue"] == 50
    assert one_shirt["refund"]["pointsTaken"] == 50
    assert one_shirt["points"]["balance"] == 68

    rest = await refund(gql, "R-1", "refund-rest")
    assert rest["refund"]["pointsTaken"] == 68
    assert rest["points"] == {"balance": 0, "lifetimeEarned": 0, "lifetimeSpent": 0}
    await assert_ledger_sound(engine)


async def test_given_an_awarded_order_when_partly_refunded_then_exactly_the_difference_goes(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    # What goes back is what the order earned minus what its remaining lines still earn
    # (both floored), never the points one unit "carried" rounded on its own.
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    await record(gql, "P", "PAID", [line("A", 3, 333), line("B", 1, 100)], customerId=cid)
    assert (await points(gql, cid))["points"]["balance"] == 21  # 10.99 -> 21.98

    first = await refund(gql, "P", "r1", [("A", 1)])
    assert first["userErrors"] == []
    assert first["replayed"] is False
    assert first["refund"]["amountMinor"] == 333
    # Remaining 7.66 earns 15: 21 - 15 = 6.
    assert first["refund"]["pointsDue"] == 6
    assert first["refund"]["pointsTaken"] == 6
    assert first["refund"]["pointsUncollected"] == 0
    assert first["refund"]["entryId"] is not None
    assert first["purchase"]["lines"][0] == {"sku": "A", "quantity": 3, "refundedQuantity": 1}
    assert first["points"]["balance"] == 15

    second = await refund(gql, "P", "r2", [("B", 1)])
    # Remaining 6.66 earns 13: 15 - 13 = 2.
    assert second["refund"]["pointsDue"] == 2
    assert second["points"]["balance"] == 13

    summary = await points(gql, cid)
    assert summary["points"] == {"balance": 13, "lifetimeEarned": 13, "lifetimeSpent": 0}
    kinds = [(e["kind"], e["points"]) for e in summary["ledger"]["nodes"]]
    assert kinds == [("REFUND", -2), ("REFUND", -6), ("PURCHASE", 21)]
    await assert_ledger_sound(engine)


async def test_given_the_rule_changed_since_award_when_refunding_then_the_old_rule_applies(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    await record(gql, "OLD", "PAID", [line("A", 2, 1250)], customerId=cid)  # 50 points
    await set_rules(
        gql,
        pointsPerUnit=100,
        spendUnitMinor=100,
        minOrderMinor=100_000,
        productOverrides=[{"sku": "A", "mode": "EXCLUDED"}],
    )

    partial = await refund(gql, "OLD", "old-1", [("A", 1)])
    assert partial["refund"]["pointsDue"] == 25
    assert partial["points"]["balance"] == 25
    assert partial["purchase"]["pointsEarned"] == 50
    await assert_ledger_sound(engine)


async def test_given_a_refund_below_the_minimum_order_when_refunding_then_all_points_go(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql, minOrderMinor=2000)
    cid = await new_customer(gql)
    await record(gql, "MIN", "PAID", [line("A", 2, 1250)], customerId=cid)
    # 12.50 left is under the 20.00 minimum, so the remaining order earns nothing.
    partial = await refund(gql, "MIN", "min-1", [("A", 1)])
    assert partial["refund"]["pointsDue"] == 50
    assert partial["points"]["balance"] == 0
    await assert_ledger_sound(engine)


async def test_given_an_order_when_refunded_without_lines_then_all_points_go_back(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    await record(gql, "W", "PAID", [line("A", 2, 1250), line("B", 1, 500)], customerId=cid)
    whole = await refund(gql, "W", "whole")
    assert whole["userErrors"] == []
    assert whole["refund"]["amountMinor"] == 3000
    assert whole["refund"]["pointsDue"] == 60
    assert whole["refund"]["pointsTaken"] == 60
    assert [ln["refundedQuantity"] for ln in whole["purchase"]["lines"]] == [2, 1]
    assert whole["points"]["balance"] == 0

    nothing_left = await refund(gql, "W", "whole-again")
    assert [e["code"] for e in nothing_left["userErrors"]] == ["REFUND_EXCEEDS_PURCHASE"]
    assert nothing_left["refund"] is None
    await assert_ledger_sound(engine)


async def test_given_an_order_when_refunding_more_than_bought_then_refused_and_nothing_changes(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    await record(gql, "X", "PAID", [line("A", 2, 1250)], customerId=cid)

    too_many = await refund(gql, "X", "x-1", [("A", 3)])
    assert [(e["field"], e["code"]) for e in too_many["userErrors"]] == [
        ("lines.0.quantity", "REFUND_EXCEEDS_PURCHASE")
    ]
    unknown_sku = await refund(gql, "X", "x-2", [("NOT-ON-ORDER", 1)])
    assert [(e["field"], e["code"]) for e in unknown_sku["userErrors"]] == [
        ("lines.0.quantity", "REFUND_EXCEEDS_PURCHASE")
    ]
    # Two lines of the same SKU together exceeding what was bought.
    split = await refund(gql, "X", "x-3", [("A", 1), ("A", 2)])
    assert [e["code"] for e in split["userErrors"]] == ["REFUND_EXCEEDS_PURCHASE"]
    unknown_order = await refund(gql, "NO-SUCH-ORDER", "x-4")
    assert [(e["field"], e["code"]) for e in unknown_order["userErrors"]] == [
        ("orderId", "NOT_FOUND")
    ]

    assert await count(engine, "refunds") == 0
    summary = await points(gql, cid)
    assert summary["points"]["balance"] == 50
    assert len(summary["ledger"]["nodes"]) == 1
    # The refused keys were not used up: a valid refund under one of them goes through.
    ok = await refund(gql, "X", "x-1", [("A", 2)])
    assert ok["userErrors"] == [] and ok["refund"]["pointsTaken"] == 50
    await assert_ledger_sound(engine)


async def test_given_a_refund_when_its_key_is_replayed_then_same_refund_and_nothing_more(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    await record(gql, "K", "PAID", [line("A", 4, 1250)], customerId=cid)  # 100 points
    first = await refund(gql, "K", "refund-key", [("A", 1)])
    replay = await refund(gql, "K", "refund-key", [("A", 1)])
    assert first["replayed"] is False
    assert replay["userErrors"] == []
    assert replay["replayed"] is True
    assert replay["refund"] == first["refund"]
    assert replay["points"]["balance"] == 75
    assert replay["purchase"]["lines"][0]["refundedQuantity"] == 1
    assert await count(engine, "refunds") == 1
    await assert_ledger_sound(engine)


async def test_given_a_refund_key_when_sent_ten_times_at_once_then_one_refund(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    await record(gql, "C", "PAID", [line("A", 4, 1250)], customerId=cid)  # 100 points
    # When the same refund is retried ten times concurrently (a till retrying after timeouts)
    answers = await asyncio.gather(*(refund(gql, "C", "same-key", [("A", 1)]) for _ in range(10)))
    # Then one refund happened and every answer describes it
    assert all(a["userErrors"] == [] for a in answers)
    assert len({a["refund"]["id"] for a in answers}) == 1
    assert sorted(a["replayed"] for a in answers) == [False] + [True] * 9
    assert (await points(gql, cid))["points"]["balance"] == 75
    assert await count(engine, "refunds") == 1
    await assert_ledger_sound(engine)


async def test_given_a_refund_key_when_reused_for_another_order_then_conflict(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    await record(gql, "O1", "PAID", [line("A", 4, 1250)], customerId=cid)
    await record(gql, "O2", "PAID", [line("A", 4, 1250)], customerId=cid)
    await refund(gql, "O1", "shared-key", [("A", 1)])
    # When the key of O1's refund is sent for O2
    second = await refund(gql, "O2", "shared-key", [("A", 1)])
    # Then it is refused and O2 is untouched
    assert [(e["field"], e["code"]) for e in second["userErrors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_CONFLICT")
    ]
    assert await count(engine, "refunds") == 1
    assert (await points(gql, cid))["points"]["balance"] == 175
    await assert_ledger_sound(engine)


async def test_given_points_spent_when_refunding_then_takes_what_is_left_and_records_the_rest(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    await record(gql, "S", "PAID", [line("A", 2, 1250)], customerId=cid)  # 50 points
    spent = await gql.data(
        ADJUST,
        {
            "input": {
                "customerId": cid,
                "points": -40,
                "note": "redeemed",
                "idempotencyKey": "spend",
            }
        },
    )
    assert spent["adjustPoints"]["points"]["balance"] == 10

    whole = await refund(gql, "S", "s-1")
    assert whole["userErrors"] == []
    assert whole["refund"]["pointsDue"] == 50
    assert whole["refund"]["pointsTaken"] == 10
    assert whole["refund"]["pointsUncollected"] == 40
    assert whole["points"]["balance"] == 0
    await assert_ledger_sound(engine)


async def test_given_a_zero_balance_when_refunding_then_nothing_is_taken_and_no_entry(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    await record(gql, "Z", "PAID", [line("A", 1, 1000)], customerId=cid)  # 20 points
    await gql.data(
        ADJUST,
        {"input": {"customerId": cid, "points": -20, "note": "all gone", "idempotencyKey": "all"}},
    )
    whole = await refund(gql, "Z", "z-1")
    assert whole["refund"]["pointsTaken"] == 0
    assert whole["refund"]["pointsUncollected"] == 20
    assert whole["refund"]["entryId"] is None
    assert whole["points"]["balance"] == 0
    await assert_ledger_sound(engine)


async def test_given_a_refund_before_award_when_later_paid_then_only_remaining_lines_earn(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    cid = await new_customer(gql)
    lines = [line("A", 2, 1250), line("B", 1, 500)]
    await record(gql, "EARLY", "CREATED", lines, customerId=cid)
    early = await refund(gql, "EARLY", "early-1", [("A", 1)])
    assert early["userErrors"] == []
    assert early["refund"]["pointsDue"] == 0
    assert early["refund"]["pointsTaken"] == 0
    assert early["points"]["balance"] == 0

    paid = await record(gql, "EARLY", "PAID", lines, customerId=cid)
    # 12.50 + 5.00 remain: 35 points, not the 60 of the whole order.
    assert paid["pointsAwarded"] == 35
    assert paid["points"]["balance"] == 35

    rest = await refund(gql, "EARLY", "early-2")
    assert rest["refund"]["pointsDue"] == 35
    assert rest["points"]["balance"] == 0
    await assert_ledger_sound(engine)


async def test_given_an_order_of_one_customer_when_reported_for_another_then_duplicate(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    await ten_per_five_euros(gql)
    ann = await new_customer(gql)
    bob = await new_customer(gql)
    await record(gql, "SHARED", "CREATED", [line("A", 1, 1000)], customerId=ann)
    other = await record(gql, "SHARED", "PAID", [line("A", 1, 1000)], customerId=bob)
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [("orderId", "DUPLICATE")]
    assert other["purchase"] is None
    # Nothing was written: the order is still CREATED and nobody earned.
    assert (await points(gql, ann))["points"]["balance"] == 0
    assert (await points(gql, bob))["points"]["balance"] == 0
    again = await record(gql, "SHARED", "CREATED", [line("A", 1, 1000)], customerId=ann)
    assert again["purchase"]["status"] == "CREATED"
    # The same order id in another shop is another order.
    elsewhere = await record(
        gql, "SHARED", "PAID", [line("A", 1, 1000)], customerId=bob, shop="web"
    )
    assert elsewhere["userErrors"] == [] and elsewhere["pointsAwarded"] == 20
    await assert_ledger_sound(engine)
