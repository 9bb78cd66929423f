"""Bad input is refused with an error naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.mutations import ADJUST, CREATE_CUSTOMER
from tests.support.refusals import TOP_LEVEL, assert_refused, counts

RECORD = """
mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { purchase { id } pointsAwarded userErrors { field code message } }
}"""

REFUND = """
mutation($input: RefundPurchaseInput!) {
  refundPurchase(input: $input) { refund { id } userErrors { field code message } }
}"""

CREATE_CATEGORY = """
mutation($input: CreatePointCategoryInput!) {
  createPointCategory(input: $input) { category { id } userErrors { field code message } }
}"""


@pytest.fixture
async def customer_id(gql: GraphQLClient) -> str:
    payload = await gql.data(
        CREATE_CUSTOMER,
        {"input": {"cardCode": "CARD-1", "email": "ann@example.com", "idempotencyKey": "ann"}},
    )
    assert payload["createCustomer"]["userErrors"] == []
    cid: str = payload["createCustomer"]["customer"]["id"]
    return cid


def adjustment(customer_id: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "customerId": customer_id,
        "points": 10,
        "note": "goodwill",
        "idempotencyKey": "key-1",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"customerId": "999999"}, "customerId", "NOT_FOUND"),
        ({"customerId": "abc"}, "customerId", "INVALID"),
        ({"customerId": "-1"}, "customerId", "INVALID"),
        ({"customerId": "0"}, "customerId", "INVALID"),
        ({"customerId": ""}, "customerId", "REQUIRED"),
        ({"points": 0}, "points", "INVALID"),
        ({"points": 1.5}, None, TOP_LEVEL),
        ({"points": "10"}, None, TOP_LEVEL),
        ({"points": 2**31}, None, TOP_LEVEL),
        ({"points": -(2**31) - 1}, None, TOP_LEVEL),
        ({"points": 1_000_000_001}, "points", "OUT_OF_RANGE"),
        ({"points": -1_000_000_001}, "points", "OUT_OF_RANGE"),
        ({"note": ...}, None, TOP_LEVEL),
        ({"note": None}, None, TOP_LEVEL),
        ({"note": ""}, "note", "REQUIRED"),
        ({"note": "   "}, "note", "REQUIRED"),
        ({"note": "x" * 1001}, "note", "OUT_OF_RANGE"),
        ({"idempotencyKey": " "}, "idempotencyKey", "REQUIRED"),
        ({"idempotencyKey": ...}, None, TOP_LEVEL),
    ],
)
async def test_given_a_bad_adjustment_when_sent_then_refused_and_nothing_written(
    gql: GraphQLClient,
    engine: AsyncEngine,
    customer_id: str,
    changes: dict[str, Any],
    field: str | None,
    code: str,
) -> None:
    await assert_refused(gql, engine, ADJUST, adjustment(customer_id, **changes), field, code)
    assert (await counts(engine))["ledger_entries"] == 0


async def test_given_many_bad_fields_when_adjusting_then_all_are_reported_at_once(
    gql: GraphQLClient,
    engine: AsyncEngine,
) -> None:
    body = await assert_refused(
        gql,
        engine,
        ADJUST,
        {"customerId": "abc", "points": 0, "note": " ", "idempotencyKey": ""},
        "customerId",
        "INVALID",
    )
    fields = {e["field"] for e in body["data"]["adjustPoints"]["userErrors"]}
    assert fields == {"customerId", "points", "note", "idempotencyKey"}


def order(
    customer_id: str, lines: list[dict[str, Any]] | None = None, **changes: Any
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "orderId": "ORD-1",
        "status": "PAID",
        "customerId": customer_id,
        "lines": lines
        if lines is not None
        else [{"sku": "A", "quantity": 1, "unitPriceMinor": 1000}],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def one_line(**changes: Any) -> list[dict[str, Any]]:
    return [{"sku": "A", "quantity": 1, "unitPriceMinor": 1000, **changes}]


@pytest.mark.parametrize(
    ("lines", "changes", "field", "code"),
    [
        (None, {"customerId": "999999"}, "customerId", "NOT_FOUND"),
        (None, {"customerId": "abc"}, "customerId", "INVALID"),
        (None, {"customerId": "-1"}, "customerId", "INVALID"),
        (None, {"customerId": ..., "cardCode": "NO-SUCH-CARD"}, "cardCode", "NOT_FOUND"),
        (None, {"customerId": ...}, "customerId", "REQUIRED"),
        (None, {"cardCode": "CARD-1"}, "customerId", "REQUIRED"),
        (None, {"orderId": "  "}, "orderId", "REQUIRED"),
        (None, {"shop": ""}, "shop", "REQUIRED"),
        (None, {"status": "SHIPPED"}, None, TOP_LEVEL),
        (None, {"occurredAt": "2024-05-01T10:00:00"}, "occurredAt", "INVALID"),
        (None, {"occurredAt": "yesterday"}, None, TOP_LEVEL),
        ([], {}, "lines", "REQUIRED"),
        (one_line(unitPriceMinor=-1), {}, "lines.0.unitPriceMinor", "OUT_OF_RANGE"),
        (one_line(unitPriceMinor=10**15 + 1), {}, "lines.0.unitPriceMinor", "OUT_OF_RANGE"),
        (one_line(unitPriceMinor=10**20), {}, "lines.0.unitPriceMinor", "OUT_OF_RANGE"),
        (one_line(unitPriceMinor=str(10**20)), {}, "lines.0.unitPriceMinor", "OUT_OF_RANGE"),
        (one_line(unitPriceMinor=12.5), {}, None, TOP_LEVEL),
        (one_line(unitPriceMinor="12.50"), {}, None, TOP_LEVEL),
        (one_line(unitPriceMinor=True), {}, None, TOP_LEVEL),
        (one_line(quantity=0), {}, "lines.0.quantity", "OUT_OF_RANGE"),
        (one_line(quantity=-2), {}, "lines.0.quantity", "OUT_OF_RANGE"),
        (one_line(quantity=1_000_001), {}, "lines.0.quantity", "OUT_OF_RANGE"),
        (one_line(quantity=2**40), {}, None, TOP_LEVEL),
        (one_line(sku=" "), {}, "lines.0.sku", "REQUIRED"),
        (one_line() + one_line(quantity=0), {}, "lines.1.quantity", "OUT_OF_RANGE"),
        (
            [{"sku": "A", "quantity": 1_000_000, "unitPriceMinor": 10**15}],
            {},
            "lines",
            "OUT_OF_RANGE",
        ),
    ],
)
async def test_given_a_bad_order_when_recorded_then_refused_and_nothing_written(
    gql: GraphQLClient,
    engine: AsyncEngine,
    customer_id: str,
    lines: list[dict[str, Any]] | None,
    changes: dict[str, Any],
    field: str | None,
    code: str,
) -> None:
    await assert_refused(gql, engine, RECORD, order(customer_id, lines, **changes), field, code)
    after = await counts(engine)
    assert after["purchases"] == after["purchase_lines"] == after["ledger_entries"] == 0


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"idempotencyKey": "  "}, "idempotencyKey", "REQUIRED"),
        ({"orderId": "NO-SUCH"}, "orderId", "NOT_FOUND"),
        ({"orderId": ""}, "orderId", "REQUIRED"),
        ({"lines": []}, "lines", "REQUIRED"),
        ({"lines": [{"sku": "A", "quantity": 0}]}, "lines.0.quantity", "OUT_OF_RANGE"),
        ({"lines": [{"sku": "A", "quantity": 2}]}, "lines.0.quantity", "REFUND_EXCEEDS_PURCHASE"),
        ({"lines": [{"sku": "", "quantity": 1}]}, "lines.0.sku", "REQUIRED"),
        ({"lines": [{"sku": "A", "quantity": 0.5}]}, None, TOP_LEVEL),
    ],
)
async def test_given_a_bad_refund_when_sent_then_refused_and_nothing_written(
    gql: GraphQLClient,
    engine: AsyncEngine,
    customer_id: str,
    changes: dict[str, Any],
    field: str | None,
    code: str,
) -> None:
    recorded = await gql.data(RECORD, {"input": order(customer_id)})
    assert recorded["recordPurchase"]["pointsAwarded"] == 10
    refund = {"orderId": "ORD-1", "idempotencyKey": "refund-1", **changes}
    await assert_refused(gql, engine, REFUND, refund, field, code)
    assert (await counts(engine))["refunds"] == 0


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"email": "not-an-email"}, "email", "INVALID"),
        ({"email": "a@b"}, "email", "INVALID"),
        ({"email": "two words@example.com"}, "email", "INVALID"),
        # A second recipient a mail header would read: a list, a display name, a quoted part
        ({"email": "ann@example.com,eve@example.com"}, "email", "INVALID"),
        ({"email": "Ann <ann@example.com>"}, "email", "INVALID"),
        ({"email": '"ann,eve"@example.com'}, "email", "INVALID"),
        ({"email": "a" * 250 + "@example.com"}, "email", "OUT_OF_RANGE"),
        ({"phone": "call me"}, "phone", "INVALID"),
        ({"cardCode": "has space"}, "cardCode", "INVALID"),
        ({"cardCode": "ab"}, "cardCode", "INVALID"),
        ({"categoryId": "999999"}, "categoryId", "NOT_FOUND"),
        ({"categoryId": "abc"}, "categoryId", "INVALID"),
        ({"attributes": [1, 2]}, "attributes", "INVALID"),
        ({"attributes": {"blob": "x" * 20_000}}, "attributes", "OUT_OF_RANGE"),
        ({"firstName": "x" * 256}, "firstName", "OUT_OF_RANGE"),
        ({"consentEmail": "yes"}, None, TOP_LEVEL),
    ],
)
async def test_given_bad_customer_fields_when_creating_then_refused_and_nothing_written(
    gql: GraphQLClient,
    engine: AsyncEngine,
    fields: dict[str, Any],
    field: str | None,
    code: str,
) -> None:
    new = {"idempotencyKey": "new", **fields}
    await assert_refused(gql, engine, CREATE_CUSTOMER, new, field, code)
    assert (await counts(engine))["customers"] == 0


@pytest.mark.parametrize(
    ("category", "field", "code"),
    [
        ({"name": "Zero", "earnMultiplier": "0"}, "earnMultiplier", "OUT_OF_RANGE"),
        ({"name": "Huge", "earnMultiplier": "101"}, "earnMultiplier", "OUT_OF_RANGE"),
        ({"name": "Negative", "earnMultiplier": "-1"}, "earnMultiplier", "OUT_OF_RANGE"),
        ({"name": "Fine", "earnMultiplier": "1.00001"}, "earnMultiplier", "INVALID"),
        ({"name": "NaN", "earnMultiplier": "NaN"}, "earnMultiplier", "OUT_OF_RANGE"),
        ({"name": "Inf", "earnMultiplier": "Infinity"}, "earnMultiplier", "OUT_OF_RANGE"),
        ({"name": "Word", "earnMultiplier": "two"}, None, TOP_LEVEL),
        ({"name": "  ", "earnMultiplier": "2"}, "name", "REQUIRED"),
    ],
)
async def test_given_a_bad_category_when_creating_then_refused_and_nothing_written(
    gql: GraphQLClient,
    engine: AsyncEngine,
    category: dict[str, Any],
    field: str | None,
    code: str,
) -> None:
    new = {"idempotencyKey": "new", **category}
    await assert_refused(gql, engine, CREATE_CATEGORY, new, field, code)
    assert (await counts(engine))["point_categories"] == 1


@pytest.mark.parametrize("raw_id", ["abc", "-1", "0", "1.5", " ", "9" * 30])
async def test_given_a_malformed_id_when_looking_up_then_bad_user_input_naming_id(
    gql: GraphQLClient,
    raw_id: str,
) -> None:
    body = await gql.post("query($id: ID!) { customer(id: $id) { id } }", {"id": raw_id})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"].get("field") == "id"
    assert body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("variables", "message_part"),
    [
        ({"first": 0}, "first"),
        ({"first": 10_000}, "first"),
        ({"after": "not-a-cursor"}, "after"),
        ({"filter": {"minBalance": -1}}, "balance"),
        ({"filter": {"categoryId": "abc"}}, "valid id"),
    ],
)
async def test_given_bad_list_arguments_when_listing_customers_then_bad_user_input(
    gql: GraphQLClient,
    variables: dict[str, Any],
    message_part: str,
) -> None:
    body = await gql.post(
        "query($first: Int, $after: String, $filter: CustomerFilter) {"
        " customers(first: $first, after: $after, filter: $filter) { nodes { id } } }",
        variables,
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert message_part in body["errors"][0]["message"]


async def test_given_a_malformed_request_when_sent_then_bad_user_input(
    gql: GraphQLClient,
) -> None:
    for query in (
        "{ customers { nodes { id } ",
        "{ noSuchField }",
        "mutation { adjustPoints(input: {}) { replayed } }",
    ):
        body = await gql.post(query)
        assert body["errors"] and set(error_codes(body)) == {"BAD_USER_INPUT"}, body
