"""Cards through the API, end to end over HTTP: series, issuing, the till's read of a card
(accepted, or refused with its reason), replacement keeping the customer's points, purchases
by any active card, permissions, and the customers' cards batched in one query."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.schema.test_batching import statements
from tests.support.api import GraphQLClient, customer_token, error_codes

ERRORS = "userErrors { field code message }"
CARD = "id code type status isPrimary statusReason statusChangedAt replacedByCardId"
CREATE_CUSTOMER = f"""mutation($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{ customer {{ id cardCode }} {ERRORS} }} }}"""
CREATE_SERIES = f"""mutation($input: CreateCardSeriesInput!) {{
  createCardSeries(input: $input) {{ replayed series {{ id name type prefix checkDigit
  codeLength nextNumber active }} {ERRORS} }} }}"""
UPDATE_SERIES = f"""mutation($input: UpdateCardSeriesInput!) {{
  updateCardSeries(input: $input) {{ series {{ id name active codeLength }} {ERRORS} }} }}"""
ISSUE = f"""mutation($input: IssueCardInput!) {{
  issueCard(input: $input) {{ replayed card {{ {CARD} }} {ERRORS} }} }}"""
BLOCK = f"""mutation($code: String!, $reason: String) {{
  blockCard(input: {{code: $code, reason: $reason}}) {{ card {{ {CARD} }} {ERRORS} }} }}"""
UNBLOCK = f"""mutation($code: String!) {{
  unblockCard(input: {{code: $code}}) {{ card {{ {CARD} }} {ERRORS} }} }}"""
LOST = f"""mutation($code: String!, $reason: String) {{
  reportCardLost(input: {{code: $code, reason: $reason}}) {{ card {{ {CARD} }} {ERRORS} }} }}"""
REPLACE = f"""mutation($input: ReplaceCardInput!) {{
  replaceCard(input: $input) {{ replayed card {{ {CARD} }} {ERRORS} }} }}"""
PRIMARY = f"""mutation($code: String!) {{
  setPrimaryCard(input: {{code: $code}}) {{ card {{ {CARD} }} {ERRORS} }} }}"""
LOOKUP = f"""query($code: String!) {{ cardLookup(code: $code) {{
  card {{ {CARD} }} customer {{ id cardCode points {{ balance }} }}
  refusal {{ field code message }} }} }}"""
BY_CARD = "query($code: String!) { customerByCard(code: $code) { id cardCode } }"
CUSTOMER_CARDS = f"query($id: ID!) {{ customer(id: $id) {{ cardCode cards {{ {CARD} }} }} }}"
SERIES = "{ cardSeries { id name type checkDigit } }"
ADJUST = f"""mutation($id: ID!, $key: String!) {{ adjustPoints(input: {{customerId: $id,
  points: 250, note: "welcome", idempotencyKey: $key}}) {{ {ERRORS} }} }}"""
RECORD = f"""mutation($card: String!, $order: String!) {{ recordPurchase(input: {{
  cardCode: $card, orderId: $order, status: PAID,
  lines: [{{sku: "A", quantity: 1, unitPriceMinor: 1000}}]}}) {{
  pointsAwarded customer {{ id }} {ERRORS} }} }}"""


async def new_customer(gql: GraphQLClient, card: str, ref: str | None = None) -> str:
    data = await gql.data(
        CREATE_CUSTOMER,
        {"input": {"cardCode": card, "externalRef": ref, "idempotencyKey": f"c-{card}"}},
    )
    assert data["createCustomer"]["userErrors"] == []
    return str(data["createCustomer"]["customer"]["id"])


async def new_series(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    data = await gql.data(
        CREATE_SERIES, {"input": {"idempotencyKey": f"s-{fields['name']}", **fields}}
    )
    assert data["createCardSeries"]["userErrors"] == []
    series: dict[str, Any] = data["createCardSeries"]["series"]
    return series


async def test_series_are_created_once_per_key_and_managed_by_managers_only(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    gold = await new_series(
        gql, name="Gold card", type="DISCOUNT", checkDigit="EAN13", prefix="290"
    )
    assert (gold["codeLength"], gold["nextNumber"], gold["active"]) == (13, 1, True)
    replay = await gql.data(
        CREATE_SERIES,
        {
            "input": {
                "idempotencyKey": "s-Gold card",
                "name": "Gold card",
                "type": "DISCOUNT",
                "checkDigit": "EAN13",
                "prefix": "290",
            }
        },
    )
    assert replay["createCardSeries"]["replayed"] is True
    assert replay["createCardSeries"]["series"]["id"] == gold["id"]
    bad = await gql.data(
        CREATE_SERIES,
        {
            "input": {
                "idempotencyKey": "bad",
                "name": "Bad",
                "type": "POINTS",
                "checkDigit": "EAN13",
                "codeLength": 12,
            }
        },
    )
    assert [(e["field"], e["code"]) for e in bad["createCardSeries"]["userErrors"]] == [
        ("codeLength", "INVALID")
    ]
    # A cashier reads series but may not change them; a manager may
    cashier = gql.as_(tokens["cashier"])
    assert [s["name"] for s in (await cashier.data(SERIES))["cardSeries"]] == ["Gold card"]
    refused = await cashier.post(UPDATE_SERIES, {"input": {"id": gold["id"], "active": False}})
    assert error_codes(refused) == ["FORBIDDEN"]
    manager = gql.as_(tokens["manager"])
    changed = await manager.data(UPDATE_SERIES, {"input": {"id": gold["id"], "name": "Gold"}})
    assert changed["updateCardSeries"]["series"]["name"] == "Gold"


async def test_the_till_reads_any_active_card_and_refuses_the_others_with_their_reason(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    cid = await new_customer(gql, "MAIN-1")
    prize = await new_series(
        gql, name="Prize", type="PRIZE", checkDigit="LUHN", prefix="7", codeLength=8
    )
    till = gql.as_(tokens["cashier"])
    issued = await till.data(
        ISSUE, {"input": {"customerId": cid, "seriesId": prize["id"], "idempotencyKey": "i1"}}
    )
    second = issued["issueCard"]["card"]
    assert second["code"] == "70000013" and second["type"] == "PRIZE"
    assert second["isPrimary"] is False
    # Reading the second card finds the customer and says which card was read
    read = (await till.data(LOOKUP, {"code": "70000013"}))["cardLookup"]
    assert read["customer"] == {"id": cid, "cardCode": "MAIN-1", "points": {"balance": 0}}
    assert read["card"]["code"] == "70000013" and read["refusal"] is None
    assert (await till.data(BY_CARD, {"code": "70000013"}))["customerByCard"]["id"] == cid
    # A blocked card is refused, with its status, date and reason, never accepted
    blocked = await till.data(BLOCK, {"code": "70000013", "reason": "damaged"})
    assert blocked["blockCard"]["card"]["status"] == "BLOCKED"
    read = (await till.data(LOOKUP, {"code": "70000013"}))["cardLookup"]
    assert read["refusal"]["code"] == "CARD_BLOCKED"
    day = blocked["blockCard"]["card"]["statusChangedAt"][:10]
    assert f"BLOCKED since {day}" in read["refusal"]["message"]
    refused = await till.post(BY_CARD, {"code": "70000013"})
    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert refused["errors"][0]["extensions"]["reason"] == "CARD_BLOCKED"
    purchase = await till.data(RECORD, {"card": "70000013", "order": "O-1"})
    assert purchase["recordPurchase"]["userErrors"][0]["field"] == "cardCode"
    assert purchase["recordPurchase"]["userErrors"][0]["code"] == "CARD_BLOCKED"
    # Unblocked, it earns for its customer like the primary card
    await till.data(UNBLOCK, {"code": "70000013"})
    earned = await till.data(RECORD, {"card": "70000013", "order": "O-2"})
    assert earned["recordPurchase"]["customer"]["id"] == cid
    assert earned["recordPurchase"]["pointsAwarded"] == 10
    # A code no card has: null, and NOT_FOUND on cardCode for a purchase
    assert (await till.data(LOOKUP, {"code": "NOPE"}))["cardLookup"] is None
    assert (await till.data(BY_CARD, {"code": "NOPE"}))["customerByCard"] is None
    # Bad input is a typed error, never a 500
    for bad, reason in (("x" * 65, "OUT_OF_RANGE"), ("   ", "REQUIRED")):
        body = await till.post(LOOKUP, {"code": bad})
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert body["errors"][0]["extensions"]["reason"] == reason


async def test_a_lost_card_replaced_keeps_the_points_and_its_code_is_refused_from_then_on(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    cid = await new_customer(gql, "LOST-1")
    await gql.data(ADJUST, {"id": cid, "key": "welcome"})
    till = gql.as_(tokens["cashier"])
    lost = await till.data(LOST, {"code": "LOST-1", "reason": "lost on the bus"})
    assert lost["reportCardLost"]["card"]["status"] == "LOST"
    purchase = await till.data(RECORD, {"card": "LOST-1", "order": "L-1"})
    assert purchase["recordPurchase"]["userErrors"][0]["code"] == "CARD_LOST"
    replaced = await till.data(
        REPLACE, {"input": {"lostCode": "LOST-1", "newCode": "NEW-1", "idempotencyKey": "r1"}}
    )
    new = replaced["replaceCard"]["card"]
    assert (new["code"], new["status"], new["isPrimary"]) == ("NEW-1", "ACTIVE", True)
    read = (await till.data(LOOKUP, {"code": "NEW-1"}))["cardLookup"]
    assert read["customer"] == {"id": cid, "cardCode": "NEW-1", "points": {"balance": 250}}
    old = (await till.data(LOOKUP, {"code": "LOST-1"}))["cardLookup"]
    assert old["refusal"]["code"] == "CARD_REPLACED"
    assert old["card"]["replacedByCardId"] == new["id"]
    again = await till.data(
        REPLACE, {"input": {"lostCode": "LOST-1", "newCode": "NEW-2", "idempotencyKey": "r2"}}
    )
    assert [(e["field"], e["code"]) for e in again["replaceCard"]["userErrors"]] == [
        ("lostCode", "CARD_REPLACED")
    ]
    reused = await till.data(
        ISSUE, {"input": {"customerId": cid, "code": "LOST-1", "idempotencyKey": "i-dead"}}
    )
    assert [(e["field"], e["code"]) for e in reused["issueCard"]["userErrors"]] == [
        ("code", "DUPLICATE")
    ]
    cards = (await till.data(CUSTOMER_CARDS, {"id": cid}))["customer"]
    assert cards["cardCode"] == "NEW-1"
    assert [(c["code"], c["status"]) for c in cards["cards"]] == [
        ("NEW-1", "ACTIVE"),
        ("LOST-1", "REPLACED"),
    ]


async def test_thirty_concurrent_replacements_over_http_make_exactly_one(
    gql: GraphQLClient,
) -> None:
    await new_customer(gql, "RACE-1")
    results = await asyncio.gather(
        *(
            gql.data(
                REPLACE,
                {
                    "input": {
                        "lostCode": "RACE-1",
                        "newCode": f"RACE-N{n}",
                        "idempotencyKey": f"race-{n}",
                    }
                },
            )
            for n in range(30)
        )
    )
    payloads = [r["replaceCard"] for r in results]
    made = [p for p in payloads if p["card"] is not None]
    assert len(made) == 1
    assert sorted({e["code"] for p in payloads for e in p["userErrors"]}) == ["CARD_REPLACED"]


async def test_permissions_and_a_customer_sees_only_its_own_cards(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    cid = await new_customer(gql, "OWN-1", ref="ann")
    other = await new_customer(gql, "OTHER-1", ref="bob")
    viewer = gql.as_(tokens["viewer"])
    assert error_codes(await viewer.post(BLOCK, {"code": "OWN-1"})) == ["FORBIDDEN"]
    assert (await viewer.data(LOOKUP, {"code": "OWN-1"}))["cardLookup"]["card"]["code"] == "OWN-1"
    me = gql.as_(customer_token("ann"))
    mine = await me.data("{ me { cardCode cards { code } } }")
    assert mine["me"] == {"cardCode": "OWN-1", "cards": [{"code": "OWN-1"}]}
    assert error_codes(await me.post(LOOKUP, {"code": "OTHER-1"})) == ["FORBIDDEN"]
    assert error_codes(await me.post(CUSTOMER_CARDS, {"id": other})) == ["FORBIDDEN"]
    assert error_codes(await gql.as_(None).post(LOOKUP, {"code": "OWN-1"})) == ["UNAUTHENTICATED"]
    assert cid != other


async def test_customers_cards_and_card_codes_are_batched_and_search_finds_any_card(
    gql: GraphQLClient,
) -> None:
    ids = [await new_customer(gql, f"BATCH-{n}") for n in range(5)]
    await gql.data(
        ISSUE, {"input": {"customerId": ids[2], "code": "SECOND-CARD", "idempotencyKey": "b"}}
    )
    listing = "{ customers(first: 10) { nodes { id cardCode cards { code } } } }"
    with statements() as seen:
        nodes = (await gql.data(listing))["customers"]["nodes"]
    assert [n["cardCode"] for n in nodes] == [f"BATCH-{n}" for n in range(5)]
    assert [c["code"] for c in nodes[2]["cards"]] == ["BATCH-2", "SECOND-CARD"]
    card_queries = [s for s in seen if "FROM cards" in s]
    assert len(card_queries) == 2  # one for the primary codes, one for the lists
    found = await gql.data(
        "query($f: CustomerFilter) { customers(filter: $f) { nodes { id } } }",
        {"f": {"search": "second-c"}},
    )
    assert [n["id"] for n in found["customers"]["nodes"]] == [ids[2]]


async def test_bad_card_input_is_a_user_error_naming_the_field_and_writes_nothing(
    gql: GraphQLClient,
) -> None:
    cid = await new_customer(gql, "FUZZ-1")
    gold = await new_series(gql, name="Gold", type="DISCOUNT", checkDigit="EAN13", prefix="290")
    cases = [
        ({"customerId": cid, "seriesId": gold["id"], "code": "2900000000016"}, "code", "INVALID"),
        ({"customerId": cid, "seriesId": gold["id"], "code": "290000000001"}, "code", "INVALID"),
        ({"customerId": cid, "code": "x" * 65}, "code", "OUT_OF_RANGE"),
        ({"customerId": cid, "code": "a\u0007b"}, "code", "INVALID"),
        ({"customerId": cid, "code": "  "}, "code", "REQUIRED"),
        ({"customerId": "abc", "code": "OK-1"}, "customerId", "INVALID"),
        ({"customerId": "999999", "code": "OK-2"}, "customerId", "NOT_FOUND"),
        ({"customerId": cid, "seriesId": "999999", "code": "OK-3"}, "seriesId", "NOT_FOUND"),
        ({"customerId": cid, "code": "FUZZ-1"}, "code", "DUPLICATE"),
        ({"customerId": cid}, "code", "REQUIRED"),  # the default series' codes are given
    ]
    for n, (fields, field, code) in enumerate(cases):
        issued = await gql.data(ISSUE, {"input": {**fields, "idempotencyKey": f"fuzz-{n}"}})
        errors = issued["issueCard"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], (fields, errors)
    for bad_lost, field, code in (
        ("NOPE", "lostCode", "NOT_FOUND"),
        ("y" * 65, "lostCode", "OUT_OF_RANGE"),
    ):
        replaced = await gql.data(
            REPLACE, {"input": {"lostCode": bad_lost, "newCode": "N-1", "idempotencyKey": bad_lost}}
        )
        assert [(e["field"], e["code"]) for e in replaced["replaceCard"]["userErrors"]] == [
            (field, code)
        ]
    same = await gql.data(
        REPLACE, {"input": {"lostCode": "FUZZ-1", "newCode": "FUZZ-1", "idempotencyKey": "s"}}
    )
    assert [e["code"] for e in same["replaceCard"]["userErrors"]] == ["DUPLICATE"]
    nul = await gql.http.post(
        "/graphql",
        json={"query": BLOCK, "variables": {"code": "a\u0000b"}},
        headers={"Authorization": f"Bearer {gql.token}"},
    )
    assert nul.status_code == 400
    cards = (await gql.data(CUSTOMER_CARDS, {"id": cid}))["customer"]["cards"]
    assert [(c["code"], c["status"]) for c in cards] == [("FUZZ-1", "ACTIVE")]


async def cardless_customer(gql: GraphQLClient, ref: str) -> str:
    made = await gql.data(CREATE_CUSTOMER, {"input": {"externalRef": ref, "idempotencyKey": ref}})
    assert made["createCustomer"]["userErrors"] == []
    return str(made["createCustomer"]["customer"]["id"])


async def test_concurrent_issues_to_a_cardless_customer_make_one_primary_card(
    gql: GraphQLClient,
) -> None:
    """Rule (docs/cards.md, "The customer's cardCode"): the customer's first card is primary
    and a customer has at most one primary card, also when their first cards are issued at
    once: issues to one customer queue on the customer's row (domain/cards/status.py
    lock_customer_cards), so each but the first finds the primary card; DESIGN.md section
    4: no such race is an INTERNAL_SERVER_ERROR.

    Given a customer with no card, when ten cards (distinct codes, distinct keys) are
    issued to them at once, then every issue succeeds and the customer ends with exactly
    one primary card."""
    await new_customer(gql, "OTHER-1")  # the default series exists
    for round_ in range(4):
        cid = await cardless_customer(gql, f"race-primary-{round_}")
        bodies = await asyncio.gather(
            *(
                gql.post(ISSUE, {"input": {"customerId": cid, "code": f"RP-{round_}-{n}",
                                           "idempotencyKey": f"rp-{round_}-{n}"}})
                for n in range(10)
            )
        )  # fmt: skip
        codes = [c for body in bodies for c in error_codes(body)]
        assert "INTERNAL_SERVER_ERROR" not in codes, codes
        assert all(b["data"]["issueCard"]["userErrors"] == [] for b in bodies), bodies
        cards = (await gql.data(CUSTOMER_CARDS, {"id": cid}))["customer"]["cards"]
        assert len(cards) == 10
        assert sum(c["isPrimary"] for c in cards) == 1


async def test_a_given_code_must_have_the_series_code_length(gql: GraphQLClient) -> None:
    """Rule (docs/cards.md, "Series and check digits"): `issueCard`'s and `replaceCard`'s
    code given by hand is checked against the series: `INVALID` on the code for a wrong
    check digit or a length other than the series' `codeLength` (when it has one).

    Given a Prize card series (PRIZE, Luhn, prefix 77, 10 digits), when a cashier issues
    the code "18" (a valid Luhn number of 2 digits), then it is refused INVALID on code, as
    a wrong-length EAN-13 code is; a replacement by a code of the wrong length is refused
    the same way, on newCode; a valid code of 10 digits is taken."""
    prize = await new_series(
        gql, name="Prize card", type="PRIZE", checkDigit="LUHN", prefix="77", codeLength=10
    )
    assert prize["codeLength"] == 10
    cid = await cardless_customer(gql, "chloe")

    async def issue(code: str) -> dict[str, Any]:
        issued: dict[str, Any] = await gql.data(
            ISSUE,
            {"input": {"customerId": cid, "seriesId": prize["id"], "code": code,
                       "idempotencyKey": f"i-{code}"}},
        )  # fmt: skip
        return issued["issueCard"]

    short = await issue("18")
    assert [(e["field"], e["code"]) for e in short["userErrors"]] == [("code", "INVALID")]
    assert (await issue("7700000016"))["card"]["code"] == "7700000016"
    replaced = await gql.data(
        REPLACE,
        {"input": {"lostCode": "7700000016", "newCode": "18", "idempotencyKey": "r-short"}},
    )
    assert [(e["field"], e["code"]) for e in replaced["replaceCard"]["userErrors"]] == [
        ("newCode", "INVALID")
    ]
    cards = (await gql.data(CUSTOMER_CARDS, {"id": cid}))["customer"]["cards"]
    assert [(c["code"], c["status"]) for c in cards] == [("7700000016", "ACTIVE")]
