"""Bad input at the boundary (issue 8, items 1-4 and 6): text PostgreSQL cannot store, bytes
that are not UTF-8, bodies and JSON nested too deep, times at the calendar's edges, and one
field's error sharing a dataloader with others. Each is refused with a coded error naming
what is at fault, never an internal error, and nothing is written."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.mutations import CREATE_CUSTOMER, MUTATIONS, RECORD
from tests.support.refusals import counts

ADJUST_Q, ADJUST_V = MUTATIONS["adjustPoints"]
RECORD_V = MUTATIONS["recordPurchase"][1]
REDEEM_VOUCHER_Q, REDEEM_VOUCHER_V = MUTATIONS["redeemVoucher"]
CATEGORY_Q, CATEGORY_V = MUTATIONS["createPointCategory"]
CHECK_VOUCHER = """query($code: String!) {
  checkVoucher(code: $code, cart: [{sku: "A", quantity: 1, unitPriceMinor: 100}]) { applies }
}"""
SEARCH = "query($f: CustomerFilter) { customers(filter: $f) { nodes { id } } }"
BY_CARD = "query($code: String!) { customerByCard(code: $code) { id } }"
MOVEMENTS = "query($f: LedgerMovementFilter) { ledgerMovements(filter: $f) { nodes { id } } }"


async def post_json(
    http: httpx.AsyncClient, token: str | None, body: bytes | dict[str, Any]
) -> httpx.Response:
    """POST a body as given: bytes as they are, a dict as JSON with \\u escapes (so lone
    surrogates travel as a client's JSON encoder would send them)."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await http.post("/graphql", content=content, headers=headers)


def with_text(variables: dict[str, Any], path: str, text: str) -> dict[str, Any]:
    """A deep copy of `variables` with the string at dotted `path` replaced by `text`."""
    copy = json.loads(json.dumps(variables))
    *parents, last = path.split(".")
    target: Any = copy
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    target[last] = text
    return copy


# Every kind of string argument the issue lists, each in a real operation.
STRING_ARGUMENTS = [
    ("note", ADJUST_Q, ADJUST_V, "input.note"),
    ("key", ADJUST_Q, ADJUST_V, "input.idempotencyKey"),
    ("name", CATEGORY_Q, CATEGORY_V, "input.name"),
    ("external ref", CREATE_CUSTOMER, {"input": {"idempotencyKey": "k"}}, "input.externalRef"),
    (
        "attribute value",
        CREATE_CUSTOMER,
        {"input": {"attributes": {}, "idempotencyKey": "k"}},
        "input.attributes.tier",
    ),
    ("search", SEARCH, {"f": {}}, "f.search"),
    ("card code", BY_CARD, {}, "code"),
    ("voucher code (check)", CHECK_VOUCHER, {}, "code"),
    ("voucher code (redeem)", REDEEM_VOUCHER_Q, REDEEM_VOUCHER_V, "input.code"),
    ("SKU", RECORD, RECORD_V, "input.lines.0.sku"),
    ("order id", RECORD, RECORD_V, "input.orderId"),
    ("report reason", MOVEMENTS, {"f": {}}, "f.reason"),
]


@pytest.mark.parametrize(
    ("query", "variables", "path"),
    [pytest.param(q, v, p, id=name) for name, q, v, p in STRING_ARGUMENTS],
)
@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "ok\udfff"], ids=["nul", "high", "low"])
async def test_text_that_cannot_be_stored_is_refused_naming_the_variable(
    gql: GraphQLClient,
    engine: AsyncEngine,
    query: str,
    variables: dict[str, Any],
    path: str,
    bad: str,
) -> None:
    # Given a well-formed operation, when one string argument holds a NUL or lone surrogate
    before = await counts(engine)
    response = await post_json(
        gql.http, gql.token, {"query": query, "variables": with_text(variables, path, bad)}
    )
    # Then it is a 400 naming that argument, and nothing is written
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": path, "reason": "INVALID"}
    assert error["message"].startswith(f"{path}: ")
    assert await counts(engine) == before


async def test_a_nul_in_an_attribute_key_is_refused(gql: GraphQLClient) -> None:
    variables = {"input": {"attributes": {"ti\x00er": "gold"}, "idempotencyKey": "k"}}
    response = await post_json(
        gql.http, gql.token, {"query": CREATE_CUSTOMER, "variables": variables}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["field"] == "input.attributes.<key>"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (
            'mutation { adjustPoints(input: {customerId: "1", points: 5, note: "a\\u0000b", '
            'idempotencyKey: "k"}) { replayed } }',
            "input.note",
        ),
        ('{ customerByCard(code: "C\\u0000") { id } }', "code"),
        ('{ customers(filter: {search: "\\u0000"}) { nodes { id } } }', "filter.search"),
        (
            'mutation { createCustomer(input: {idempotencyKey: "k", '
            'attributes: {tier: "g\\u0000"}}) { customer { id } } }',
            "input.attributes.tier",
        ),
    ],
)
async def test_a_nul_written_in_the_document_is_refused_naming_the_argument(
    gql: GraphQLClient, engine: AsyncEngine, query: str, field: str
) -> None:
    before = await counts(engine)
    body = await gql.post(query)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == field
    assert body.get("data") is None
    assert await counts(engine) == before


async def test_a_body_that_is_not_utf8_is_a_coded_400(gql: GraphQLClient) -> None:
    # (Without a token it is refused before it is read: tests/tessera/test_limits.py.)
    body = b'{"query": "{ __typename }", "variables": {"a": "\xff\xfe"}}'
    response = await post_json(gql.http, gql.token, body)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "INVALID"}
    assert "UTF-8" in error["message"]


async def test_a_body_nested_5000_deep_in_an_unused_variable_is_a_400(
    gql: GraphQLClient,
) -> None:
    deep = b"[" * 5000 + b"]" * 5000
    body = b'{"query": "{ __typename }", "variables": {"unused": ' + deep + b"}}"
    response = await post_json(gql.http, gql.token, body)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "OUT_OF_RANGE"}
    assert "nests deeper than 64" in error["message"]


async def test_a_list_of_more_than_10000_items_is_a_400_naming_it(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a change of the earning rules removing 40,000 SKUs' overrides (one statement
    # could not bind them: PostgreSQL takes at most 32,767 parameters)
    query = """mutation($input: UpdateEarningRulesInput!) {
      updateEarningRules(input: $input) { userErrors { field } } }"""
    skus = [f"SKU-{i}" for i in range(40_000)]
    before = await counts(engine)

    def removing(some: list[str]) -> dict[str, Any]:
        return {"query": query, "variables": {"input": {"removeProductOverrides": some}}}

    response = await post_json(gql.http, gql.token, removing(skus))
    # Then it is refused before execution, naming the list and the limit
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "input.removeProductOverrides",
        "reason": "OUT_OF_RANGE",
        "maxItems": 10_000,
    }
    assert "holds 40,000 items; at most 10,000" in error["message"]
    assert await counts(engine) == before
    # And 10,000 items are taken
    kept = await post_json(gql.http, gql.token, removing(skus[:10_000]))
    assert kept.json() == {"data": {"updateEarningRules": {"userErrors": []}}}


@pytest.mark.parametrize("depth", [70, 500])
async def test_attributes_nested_past_the_body_limit_are_a_400(
    gql: GraphQLClient, engine: AsyncEngine, depth: int
) -> None:
    attributes: Any = "leaf"
    for _ in range(depth):
        attributes = {"a": attributes}
    before = await counts(engine)
    body = {
        "query": CREATE_CUSTOMER,
        "variables": {"input": {"attributes": attributes, "idempotencyKey": "deep"}},
    }
    response = await post_json(gql.http, gql.token, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await counts(engine) == before


async def test_attributes_nested_past_32_levels_are_out_of_range(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    shallow: Any = {"a": 1}
    deep: Any = 1
    for _ in range(31):
        shallow = {"a": shallow}
    for _ in range(33):
        deep = {"a": deep}
    kept = await gql.data(
        CREATE_CUSTOMER, {"input": {"attributes": shallow, "idempotencyKey": "shallow"}}
    )
    assert kept["createCustomer"]["userErrors"] == []
    before = await counts(engine)
    refused = await gql.data(
        CREATE_CUSTOMER, {"input": {"attributes": deep, "idempotencyKey": "deep"}}
    )
    errors = refused["createCustomer"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("attributes", "OUT_OF_RANGE")]
    assert await counts(engine) == before


async def test_attributes_with_a_huge_integer_are_a_user_error_not_a_500(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: bad input is a user error naming the field and writes nothing; an error
    without a typed code, or INTERNAL_SERVER_ERROR, for a request's own input is a bug
    (DESIGN.md section 4; docs/api.md, Errors and codes). Whole numbers in attributes fit
    a signed 64-bit integer (docs/security.md, Limits).

    Given attributes holding a whole number beyond 64 bits (valid JSON, which the body
    parser accepts), when a customer is created with them, then the answer is INVALID on
    `attributes` naming the key, and nothing is written."""
    before = await counts(engine)
    body = await gql.post(
        CREATE_CUSTOMER,
        {
            "input": {
                "idempotencyKey": "big-int-attr",
                "externalRef": "big-int-attr",
                "attributes": {"visits": 2**70},
            }
        },
    )
    assert "INTERNAL_SERVER_ERROR" not in error_codes(body), body
    errors = body["data"]["createCustomer"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("attributes", "INVALID")], body
    assert errors[0]["message"].startswith("visits: ")
    assert await counts(engine) == before


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("1e400", "OUT_OF_RANGE"),
        ("-1e400", "OUT_OF_RANGE"),
        ("NaN", "INVALID"),
        ("Infinity", "INVALID"),
        ("-Infinity", "INVALID"),
    ],
)
async def test_a_body_with_a_number_beyond_a_double_is_a_400_not_a_500(
    gql: GraphQLClient, engine: AsyncEngine, number: str, reason: str
) -> None:
    """Rule: bad input is refused with a coded error, never an INTERNAL_SERVER_ERROR
    (DESIGN.md section 4; docs/api.md, Errors and codes); the body is UTF-8 JSON whose
    numbers are finite (docs/security.md, Limits): a number too large for a double, which
    Python's json would read as float('inf'), and NaN and Infinity, which JSON has not,
    are refused with the body, as HTTP 400 BAD_USER_INPUT.

    Given a request body whose attributes hold `1e400` (valid JSON) or `NaN`, when a
    customer is created, then the body is refused and nothing is written."""
    # (json.dumps writes no such number: the text is spliced in, as a client might send it)
    attributes = {"visits": "NUMBER"}
    variables = {"input": {"idempotencyKey": "inf-attr", "attributes": attributes}}
    body = json.dumps({"query": CREATE_CUSTOMER, "variables": variables})
    text = body.replace('"NUMBER"', number)
    before = await counts(engine)
    response = await post_json(gql.http, gql.token, text.encode())
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": reason}
    assert number in error["message"]
    assert await counts(engine) == before


async def test_a_number_beyond_a_double_written_in_the_document_is_a_user_error(
    gql: GraphQLClient,
) -> None:
    # Given attributes written in the document itself (not read by the body's parser) with
    # a number beyond a double and one beyond 64 bits, then each is INVALID on attributes
    for literal in ("1e400", str(2**70)):
        body = await gql.post(
            'mutation { createCustomer(input: {idempotencyKey: "lit", '
            f"attributes: {{visits: {literal}}}}}) {{ userErrors {{ field code }} }} }}"
        )
        assert body["data"]["createCustomer"]["userErrors"] == [
            {"field": "attributes", "code": "INVALID"}
        ], (literal, body)


async def test_a_json_literal_nested_600_deep_is_refused(gql: GraphQLClient) -> None:
    literal = "{a: " * 600 + "1" + "}" * 600
    body = await gql.post(
        f'mutation {{ createCustomer(input: {{idempotencyKey: "k", attributes: {literal}}}) '
        "{ customer { id } } }"
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
CUSTOMER_LEDGER = """query($id: ID!, $f: LedgerFilter) {
  customer(id: $id) { ledger(filter: $f) { nodes { id } } } }"""


@pytest.fixture
async def customer_id(gql: GraphQLClient) -> str:
    created = await gql.data(
        CREATE_CUSTOMER, {"input": {"cardCode": "EDGE-1", "idempotencyKey": "edge-1"}}
    )
    cid: str = created["createCustomer"]["customer"]["id"]
    return cid


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("bound", ["since", "until"])
async def test_a_time_at_the_calendar_edge_in_a_filter_is_out_of_range(
    gql: GraphQLClient, customer_id: str, edge: str, bound: str
) -> None:
    # Given the customer's ledger and the movements report, filtered by a time at an edge
    cases: list[tuple[str, dict[str, Any], str]] = [
        (CUSTOMER_LEDGER, {"id": customer_id, "f": {bound: edge}}, f"f.{bound}"),
        (MOVEMENTS, {"f": {bound: edge}}, f"f.{bound}"),
    ]
    for query, variables, field in cases:
        body = await gql.post(query, variables)
        # Then the filter is refused, naming the field and the reason
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        extensions = body["errors"][0]["extensions"]
        assert (extensions["field"], extensions["reason"]) == (field, "OUT_OF_RANGE")
        assert "OUT_OF_RANGE" in body["errors"][0]["message"]
    # And written in the document, the same
    literal = f'{{ ledgerMovements(filter: {{{bound}: "{edge}"}}) {{ nodes {{ id }} }} }}'
    body = await gql.post(literal)
    extensions = body["errors"][0]["extensions"]
    assert (extensions["field"], extensions["reason"]) == (f"filter.{bound}", "OUT_OF_RANGE")


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (
            MUTATIONS["createPromotion"][0],
            with_text(MUTATIONS["createPromotion"][1], "input.startsAt", EDGES[0]),
            "input.startsAt",
        ),
        (
            MUTATIONS["createPromotion"][0],
            with_text(MUTATIONS["createPromotion"][1], "input.endsAt", EDGES[1]),
            "input.endsAt",
        ),
        (
            MUTATIONS["createVoucherBatch"][0],
            with_text(MUTATIONS["createVoucherBatch"][1], "input.validUntil", EDGES[1]),
            "input.validUntil",
        ),
        (
            MUTATIONS["createGiftSchedule"][0],
            with_text(MUTATIONS["createGiftSchedule"][1], "input.filter.registeredAfter", EDGES[0]),
            "input.filter.registeredAfter",
        ),
        (RECORD, with_text(RECORD_V, "input.occurredAt", EDGES[0]), "input.occurredAt"),
        ("query($s: DateTime) { reportTotals(since: $s) { operations } }", {"s": EDGES[1]}, "s"),
    ],
)
async def test_a_time_at_the_calendar_edge_anywhere_is_out_of_range_and_writes_nothing(
    gql: GraphQLClient, engine: AsyncEngine, query: str, variables: dict[str, Any], field: str
) -> None:
    before = await counts(engine)
    body = await gql.post(query, variables)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    extensions = body["errors"][0]["extensions"]
    assert (extensions["field"], extensions["reason"]) == (field, "OUT_OF_RANGE")
    assert await counts(engine) == before


ISSUE_QUERY = """{ customers { edges { node { category { isDefault } } }
  nodes { category { isDefault } ledger(first: 5, after: "D") { nodes { id } } } } }"""


async def test_a_bad_cursor_beside_a_shared_dataloader_is_that_fields_error(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given three customers of the same (default) category, and a viewer
    for n in range(3):
        await gql.data(
            CREATE_CUSTOMER, {"input": {"cardCode": f"SHARED-{n}", "idempotencyKey": f"s-{n}"}}
        )
    viewer = gql.as_(tokens["viewer"])
    for _ in range(3):  # it failed every time
        # When one field's cursor is bad while the others wait on the same category
        body = await viewer.post(ISSUE_QUERY)
        # Then that field's error is the only one, where it happened, coded as the caller's
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        (error,) = body["errors"]
        assert error["path"][:2] == ["customers", "nodes"] and error["path"][3] == "ledger"
        assert error["extensions"]["field"] == "after"


async def test_a_bad_cursor_leaves_the_rest_of_the_response(
    gql: GraphQLClient, customer_id: str
) -> None:
    # Given a nullable field whose nested cursor is bad, beside fields sharing its loader
    query = """query($id: ID!) {
      customers { nodes { category { isDefault } } }
      customer(id: $id) { category { isDefault } ledger(after: "D") { nodes { id } } } }"""
    body = await gql.post(query, {"id": customer_id})
    # Then only that field is null, with its error; the rest is returned
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["data"]["customer"] is None
    assert body["data"]["customers"]["nodes"] == [{"category": {"isDefault": True}}]


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        (f"query($a: String) {{ {field}(first: 1, after: $a) {{ nodes {{ id }} }} }}", kind)
        for field, kind in (
            ("ledgerMovements", "LedgerMovement"),
            ("customers", "Customer"),
            ("vouchers", "Voucher"),
        )
    ],
)
@pytest.mark.parametrize(
    "key",
    [str(2**63), "1" + "0" * 20, "9" * 5000, "\u0663", "\u00b2"],
    ids=["2**63", "10**20", "5000 digits", "arabic 3", "superscript 2"],
)
async def test_a_cursor_naming_a_key_no_row_can_have_is_a_bad_cursor(
    gql: GraphQLClient, customer_id: str, query: str, kind: str, key: str
) -> None:
    # Row ids are bigints of ASCII digits: a cursor beyond them names nothing (a key over
    # 2**63 was an internal error)
    after = base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()
    body = await gql.post(query, {"a": after})
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == "after"
