"""The ledger through the real server: concurrent spends and retries, previews, reversals,
history pages and filters, and the balance ceiling."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from domain.limits import BALANCE_CEILING
from tests.support.api import GraphQLClient, error_codes

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { field code message } }
}"""

ENTRY_FIELDS = (
    "id customerId points balanceAfter kind note source reversesEntryId reversedByEntryId createdAt"
)

ADJUST = f"""
mutation($input: AdjustPointsInput!) {{
  adjustPoints(input: $input) {{
    entry {{ {ENTRY_FIELDS} }}
    points {{ balance lifetimeEarned lifetimeSpent }}
    replayed
    userErrors {{ field code message }}
  }}
}}"""

REVERSE = f"""
mutation($input: ReverseLedgerEntryInput!) {{
  reverseLedgerEntry(input: $input) {{
    entry {{ {ENTRY_FIELDS} }}
    points {{ balance lifetimeEarned lifetimeSpent }}
    userErrors {{ field code message }}
  }}
}}"""

PREVIEW = """
query($customerId: ID!, $points: Int!) {
  previewAdjustment(customerId: $customerId, points: $points) {
    customerId currentBalance projectedBalance allowed problems { field code message }
  }
}"""

LEDGER = f"""
query($id: ID!, $first: Int, $after: String, $filter: LedgerFilter) {{
  customer(id: $id) {{
    points {{ balance }}
    ledger(first: $first, after: $after, filter: $filter) {{
      edges {{ cursor node {{ {ENTRY_FIELDS} }} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}"""

RECORD = """
mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) {
    purchase { id pointsEarned }
    points { balance }
    pointsAwarded
    replayed
    userErrors { field code message }
  }
}"""


async def new_customer(gql: GraphQLClient, email: str = "ann@example.com") -> str:
    created = (
        await gql.data(CREATE_CUSTOMER, {"input": {"email": email, "idempotencyKey": email}})
    )["createCustomer"]
    assert created["userErrors"] == []
    customer_id: str = created["customer"]["id"]
    return customer_id


async def adjust(
    gql: GraphQLClient, customer_id: str, points: int, key: str, note: str = "by hand"
) -> dict[str, Any]:
    result: dict[str, Any] = (
        await gql.data(
            ADJUST,
            {
                "input": {
                    "customerId": customer_id,
                    "points": points,
                    "note": note,
                    "idempotencyKey": key,
                }
            },
        )
    )["adjustPoints"]
    return result


async def credited(gql: GraphQLClient, customer_id: str, points: int, key: str) -> str:
    """Credit (or debit) that must succeed; the new entry's id."""
    result = await adjust(gql, customer_id, points, key)
    assert result["userErrors"] == []
    entry_id: str = result["entry"]["id"]
    return entry_id


async def reverse(gql: GraphQLClient, entry_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (
        await gql.data(REVERSE, {"input": {"entryId": entry_id, "note": "mistake"}})
    )["reverseLedgerEntry"]
    return result


async def ledger(gql: GraphQLClient, customer_id: str, **variables: Any) -> dict[str, Any]:
    customer: dict[str, Any] = (await gql.data(LEDGER, {"id": customer_id, **variables}))[
        "customer"
    ]
    return customer


async def all_entries(
    gql: GraphQLClient, customer_id: str, flt: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    page = (await ledger(gql, customer_id, first=100, filter=flt))["ledger"]
    assert page["pageInfo"]["hasNextPage"] is False
    return [edge["node"] for edge in page["edges"]]


async def balance(gql: GraphQLClient, customer_id: str) -> int:
    return int((await ledger(gql, customer_id, first=1))["points"]["balance"])


async def assert_ledger_sound(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await find_violations(conn) == []


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


# Concurrency and idempotency


async def test_fifty_concurrent_debits_never_overdraw(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a balance of 100
    cid = await new_customer(gql)
    await credited(gql, cid, 100, "opening")

    # When 50 debits of 10, each with its own key, arrive at once
    results = await asyncio.gather(*(adjust(gql, cid, -10, f"spend-{i}") for i in range(50)))

    # Then exactly 10 succeed, the balance is 0, and the other 40 are clean user errors
    succeeded = [r for r in results if not r["userErrors"]]
    refused = [r for r in results if r["userErrors"]]
    assert len(succeeded) == 10
    assert sorted(r["entry"]["balanceAfter"] for r in succeeded) == list(range(0, 100, 10))
    assert len(refused) == 40
    assert all(codes(r) == [("points", "INSUFFICIENT_POINTS")] for r in refused)
    assert all(r["entry"] is None for r in refused)
    assert await balance(gql, cid) == 0
    assert len(await all_entries(gql, cid)) == 11
    await assert_ledger_sound(engine)


async def test_same_key_sent_twenty_times_at_once_credits_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a customer with no points
    cid = await new_customer(gql)

    # When the same credit, under one idempotency key, arrives 20 times at once
    results = await asyncio.gather(*(adjust(gql, cid, 25, "bonus-1") for _ in range(20)))

    # Then one entry is written, every answer names it, and 19 say they were replays
    assert all(r["userErrors"] == [] for r in results)
    assert {r["entry"]["id"] for r in results} == {results[0]["entry"]["id"]}
    assert sorted(r["replayed"] for r in results) == [False] + [True] * 19
    assert all(r["points"]["balance"] == 25 for r in results)
    assert [e["points"] for e in await all_entries(gql, cid)] == [25]
    await assert_ledger_sound(engine)


async def test_same_order_reported_twenty_times_at_once_awards_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given the default rule (1 point per 100 minor units, awarded when PAID)
    cid = await new_customer(gql)
    order = {
        "orderId": "A-1",
        "status": "PAID",
        "customerId": cid,
        "lines": [{"sku": "TEA", "quantity": 3, "unitPriceMinor": 4_150}],
    }

    # When the paid order is reported 20 times at once
    results = [
        r["recordPurchase"]
        for r in await asyncio.gather(*(gql.data(RECORD, {"input": order}) for _ in range(20)))
    ]

    # Then its 124 points are awarded once
    assert all(r["userErrors"] == [] for r in results)
    assert sorted(r["pointsAwarded"] for r in results) == [0] * 19 + [124]
    assert sorted(r["replayed"] for r in results) == [False] + [True] * 19
    assert {r["purchase"]["id"] for r in results} == {results[0]["purchase"]["id"]}
    assert await balance(gql, cid) == 124
    assert [(e["kind"], e["points"]) for e in await all_entries(gql, cid)] == [("PURCHASE", 124)]
    await assert_ledger_sound(engine)


# Preview


async def test_preview_shows_the_outcome_and_writes_nothing(gql: GraphQLClient) -> None:
    # Given a balance of 100
    cid = await new_customer(gql)
    await credited(gql, cid, 100, "opening")

    # When staff preview a debit of 30, one of 150 and a credit past the ceiling
    previews = [
        (await gql.data(PREVIEW, {"customerId": cid, "points": p}))["previewAdjustment"]
        for p in (-30, -150, BALANCE_CEILING)
    ]

    # Then they see the balance now and after, and whether it would be allowed
    allowed, overdraw, ceiling = previews
    assert allowed == {
        "customerId": cid,
        "currentBalance": 100,
        "projectedBalance": 70,
        "allowed": True,
        "problems": [],
    }
    assert (overdraw["projectedBalance"], overdraw["allowed"]) == (-50, False)
    assert codes({"userErrors": overdraw["problems"]}) == [("points", "INSUFFICIENT_POINTS")]
    assert ceiling["allowed"] is False
    assert codes({"userErrors": ceiling["problems"]}) == [("points", "BALANCE_LIMIT_EXCEEDED")]
    # And nothing was written
    assert await balance(gql, cid) == 100
    assert [e["points"] for e in await all_entries(gql, cid)] == [100]


# Reversals


async def test_reversal_is_a_linked_entry_and_happens_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a credit of 50
    cid = await new_customer(gql)
    credit_id = await credited(gql, cid, 50, "welcome")

    # When it is reversed
    reversal = await reverse(gql, credit_id)

    # Then a REVERSAL entry of -50 linked to it is written and the balance is back to 0
    assert reversal["userErrors"] == []
    entry = reversal["entry"]
    assert (entry["kind"], entry["points"], entry["reversesEntryId"]) == (
        "REVERSAL",
        -50,
        credit_id,
    )
    assert reversal["points"]["balance"] == 0
    newest, original = await all_entries(gql, cid)
    assert newest["id"] == entry["id"]
    assert original["id"] == credit_id
    assert original["reversedByEntryId"] == entry["id"]
    assert original["points"] == 50  # the original entry is left as it was

    # When it is reversed again, or the reversal itself is reversed
    again = await reverse(gql, credit_id)
    of_reversal = await reverse(gql, entry["id"])

    # Then both are refused and nothing more is written
    assert codes(again) == [("entryId", "ALREADY_REVERSED")]
    assert codes(of_reversal) == [("entryId", "NOT_REVERSIBLE")]
    assert len(await all_entries(gql, cid)) == 2
    await assert_ledger_sound(engine)


async def test_spent_credit_cannot_be_reversed_but_a_debit_can(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a credit of 100 of which 80 were spent
    cid = await new_customer(gql)
    credit_id = await credited(gql, cid, 100, "welcome")
    debit_id = await credited(gql, cid, -80, "gift")

    # When staff reverse the credit
    refused = await reverse(gql, credit_id)

    # Then it is refused (the balance would go negative) and nothing is written
    assert codes(refused) == [("entryId", "INSUFFICIENT_POINTS")]
    assert refused["entry"] is None
    assert await balance(gql, cid) == 20
    assert len(await all_entries(gql, cid)) == 2

    # When staff reverse the debit instead
    returned = await reverse(gql, debit_id)

    # Then the 80 points come back and lifetime spent is undone
    assert returned["userErrors"] == []
    assert returned["entry"]["points"] == 80
    assert returned["points"] == {"balance": 100, "lifetimeEarned": 100, "lifetimeSpent": 0}
    await assert_ledger_sound(engine)


# History


async def test_ledger_pages_newest_first_with_cursors(gql: GraphQLClient) -> None:
    # Given seven credits of 1 to 7 points
    cid = await new_customer(gql)
    for points in range(1, 8):
        await credited(gql, cid, points, f"c{points}")

    # When the ledger is read three entries at a time, following the cursors
    pages: list[list[int]] = []
    after = None
    while True:
        page = (await ledger(gql, cid, first=3, after=after))["ledger"]
        pages.append([edge["node"]["points"] for edge in page["edges"]])
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then every entry comes once, newest first, and running balances match
    assert pages == [[7, 6, 5], [4, 3, 2], [1]]
    balances_after = [e["balanceAfter"] for e in await all_entries(gql, cid)]
    assert balances_after == [28, 21, 15, 10, 6, 3, 1]


async def test_ledger_filters_by_kind_points_and_time(gql: GraphQLClient) -> None:
    # Given credits of 10, 20 and 30, a debit of 5 and the reversal of the credit of 20
    cid = await new_customer(gql)
    ids = [await credited(gql, cid, p, f"k{p}") for p in (10, 20, 30, -5)]
    reversal = await reverse(gql, ids[1])
    entries = await all_entries(gql, cid)  # newest first: -20, -5, 30, 20, 10
    assert [e["points"] for e in entries] == [-20, -5, 30, 20, 10]

    async def points(flt: dict[str, Any]) -> list[int]:
        return [e["points"] for e in await all_entries(gql, cid, flt)]

    # When and then: each filter narrows the movements, bounds inclusive
    assert await points({"kinds": ["REVERSAL"]}) == [reversal["entry"]["points"]]
    assert await points({"kinds": ["MANUAL"]}) == [-5, 30, 20, 10]
    assert await points({"minPoints": 20}) == [30, 20]
    assert await points({"maxPoints": 0}) == [-20, -5]
    assert await points({"minPoints": 10, "maxPoints": 20}) == [20, 10]
    middle = entries[2]["createdAt"]  # the credit of 30
    assert await points({"since": middle}) == [-20, -5, 30]
    assert await points({"until": middle}) == [30, 20, 10]
    assert await points({"since": middle, "until": middle, "kinds": ["MANUAL"]}) == [30]
    assert await points({"kinds": ["PURCHASE"]}) == []


async def test_over_large_page_is_a_bad_user_input(gql: GraphQLClient) -> None:
    # Given a customer
    cid = await new_customer(gql)

    # When a client asks for 1000 entries in one page
    body = await gql.post(LEDGER, {"id": cid, "first": 1000})

    # Then the request is refused with BAD_USER_INPUT
    assert error_codes(body) == ["BAD_USER_INPUT"]


# Ceiling


async def test_credit_crossing_the_balance_ceiling_is_refused(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a balance 10 points under the ceiling
    cid = await new_customer(gql)
    await credited(gql, cid, BALANCE_CEILING - 10, "jackpot")

    # When 11 more points are credited
    refused = await adjust(gql, cid, 11, "over")

    # Then it is refused and the balance is unchanged; exactly reaching the ceiling is fine
    assert codes(refused) == [("points", "BALANCE_LIMIT_EXCEEDED")]
    assert await balance(gql, cid) == BALANCE_CEILING - 10
    reached = await adjust(gql, cid, 10, "to-the-top")
    assert reached["userErrors"] == []
    assert reached["points"]["balance"] == BALANCE_CEILING
    await assert_ledger_sound(engine)


async def test_purchase_points_cannot_be_reversed_only_refunded(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a paid order that earned points (default rule: 1 point per 1.00)
    cid = await new_customer(gql)
    await gql.data(
        RECORD,
        {
            "input": {
                "orderId": "REV-1",
                "customerId": cid,
                "status": "PAID",
                "lines": [{"sku": "A", "quantity": 1, "unitPriceMinor": 5000}],
            }
        },
    )
    (purchase_entry,) = await all_entries(gql, cid)
    assert purchase_entry["kind"] == "PURCHASE"

    # When staff try to reverse that entry
    refused = await reverse(gql, purchase_entry["id"])

    # Then it is refused (a later refund would otherwise take the points back twice)
    assert codes(refused) == [("entryId", "NOT_REVERSIBLE")]
    assert len(await all_entries(gql, cid)) == 1
    await assert_ledger_sound(engine)


async def test_an_adjustment_made_at_a_shop_names_the_shop_as_its_source(
    gql: GraphQLClient,
) -> None:
    # Given a customer, when staff credit her by hand at the shop "centro"
    cid = await new_customer(gql)
    variables = {"customerId": cid, "points": 50, "note": "complaint", "idempotencyKey": "s1"}
    made = (await gql.data(ADJUST, {"input": {**variables, "shop": " centro "}}))["adjustPoints"]
    # Then the entry's source is that shop (trimmed)
    assert made["userErrors"] == []
    assert made["entry"]["source"] == "centro"
    (entry,) = await all_entries(gql, cid)
    assert entry["source"] == "centro"
    # And a shop code longer than 100 characters is refused on `shop`
    long = {**variables, "idempotencyKey": "s2", "shop": "x" * 101}
    refused = (await gql.data(ADJUST, {"input": long}))["adjustPoints"]
    assert codes(refused) == [("shop", "OUT_OF_RANGE")]
