"""Reaching customers through the API: locale, time zone, birth date and an E.164 phone on
create and update, the consent history staff read, and a customer's own consent through `me`
and setMyConsent."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.support.api import GraphQLClient, customer_token, error_codes

FIELDS = "id externalRef phone locale timeZone birthDate consentEmail consentSms"
CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { FIELDS } userErrors { field code message } } }""".replace("FIELDS", FIELDS)
UPDATE = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  customer { FIELDS } userErrors { field code message } } }""".replace("FIELDS", FIELDS)
HISTORY = """query($id: ID!, $first: Int, $after: String) { customer(id: $id) {
  consentHistory(first: $first, after: $after) {
    nodes { channel granted source actor changedAt } pageInfo { hasNextPage endCursor } } } }"""
MY_CONSENT = """{ me { consentEmail consentSms
  consentHistory { nodes { channel granted source actor } } } }"""
SET_MY_CONSENT = """mutation($input: SetMyConsentInput!) { setMyConsent(input: $input) {
  customer { id consentEmail consentSms } userErrors { field code message } } }"""


async def create(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload = (await gql.data(CREATE, {"input": {"idempotencyKey": str(uuid4()), **fields}}))[
        "createCustomer"
    ]
    return dict(payload)


async def history(gql: GraphQLClient, customer_id: str) -> list[dict[str, Any]]:
    found = (await gql.data(HISTORY, {"id": customer_id}))["customer"]["consentHistory"]
    return list(found["nodes"])


async def test_given_a_locale_when_a_national_phone_is_given_then_it_is_stored_in_e164(
    gql: GraphQLClient,
) -> None:
    # When staff register Giulia with an Italian locale and her mobile in national format
    created = await create(
        gql,
        externalRef="giulia",
        locale="it-it",
        timeZone="europe/rome",
        birthDate="1990-04-25",
        phone="340 123 4567",
    )
    # Then everything is stored in its canonical form
    assert created["userErrors"] == []
    assert created["customer"] | {"id": None} == {
        "id": None,
        "externalRef": "giulia",
        "phone": "+393401234567",
        "locale": "it-IT",
        "timeZone": "Europe/Rome",
        "birthDate": "1990-04-25",
        "consentEmail": False,
        "consentSms": False,
    }
    # And a later national number is read in the country of her stored locale
    cid = created["customer"]["id"]
    updated = await gql.data(UPDATE, {"input": {"id": cid, "phone": "06 1234 5678"}})
    assert updated["updateCustomer"]["customer"]["phone"] == "+390612345678"
    # And an international one is read as it is, whatever the locale
    updated = await gql.data(UPDATE, {"input": {"id": cid, "phone": "+44 7911 123456"}})
    assert updated["updateCustomer"]["customer"]["phone"] == "+447911123456"
    # And null clears the new fields
    cleared = await gql.data(
        UPDATE, {"input": {"id": cid, "locale": None, "timeZone": None, "birthDate": None}}
    )
    customer = cleared["updateCustomer"]["customer"]
    assert (customer["locale"], customer["timeZone"], customer["birthDate"]) == (None, None, None)


async def test_international_00_phone_is_read_whatever_the_locale(gql: GraphQLClient) -> None:
    """Rule: a phone in international format, `+39 340 123 4567` or `0039 340 123 4567`, is
    "read as it is, whatever the locale" and stored in E.164 (docs/api.md, Reaching
    customers, the `phone` row and the paragraph below the table): a leading `00` is the
    international prefix even where the locale's country dials another (the US dials 011).

    Given a customer registered with the US English locale and her Italian mobile written
    with the 00 international prefix, when she is created, then the phone is +393401234567."""
    payload = await create(gql, externalRef="us-italian", locale="en-US", phone="0039 340 123 4567")
    assert payload["userErrors"] == []
    assert payload["customer"]["phone"] == "+393401234567"


LIST = "query($search: String) { customers(filter: {search: $search}) { nodes { id } } }"


async def test_the_customers_list_finds_a_phone_in_any_format(gql: GraphQLClient) -> None:
    giulia = (await create(gql, locale="it-IT", phone="340 123 4567"))["customer"]
    await create(gql, phone="+33 6 12 34 56 78")
    for search in ("340 123 4567", "+39 340-123-4567", "0039 3401234567", "(340) 123"):
        found = (await gql.data(LIST, {"search": search}))["customers"]["nodes"]
        assert found == [{"id": giulia["id"]}], search
    found = (await gql.data(LIST, {"search": "06 12 34 56 78"}))["customers"]["nodes"]
    assert len(found) == 1 and found != [{"id": giulia["id"]}]


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"locale": "xx-YY"}, "locale", "INVALID"),
        ({"locale": "it_IT"}, "locale", "INVALID"),
        ({"locale": "\u202eit-IT"}, "locale", "INVALID"),
        ({"locale": "it-IT" * 100}, "locale", "OUT_OF_RANGE"),
        ({"timeZone": "CEST"}, "timeZone", "INVALID"),
        ({"timeZone": "../../../etc/passwd"}, "timeZone", "INVALID"),
        ({"timeZone": "Europe/" + "x" * 500}, "timeZone", "OUT_OF_RANGE"),
        ({"birthDate": "1899-12-31"}, "birthDate", "OUT_OF_RANGE"),
        ({"birthDate": "2999-01-01"}, "birthDate", "OUT_OF_RANGE"),
        ({"phone": "340 123 4567"}, "phone", "INVALID"),  # national, and no locale
        ({"phone": "+39 123"}, "phone", "INVALID"),
        ({"phone": "call me"}, "phone", "INVALID"),
        ({"phone": "+1 (201) 555-0123 ext. 7"}, "phone", "INVALID"),
    ],
)
async def test_bad_reachability_input_is_a_user_error_naming_the_field(
    gql: GraphQLClient, fields: dict[str, Any], field: str, code: str
) -> None:
    created = await create(gql, **fields)
    assert created["customer"] is None
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [(field, code)]
    assert created["userErrors"][0]["message"]


async def test_a_malformed_date_is_refused_before_it_reaches_the_domain(
    gql: GraphQLClient,
) -> None:
    body = await gql.post(CREATE, {"input": {"idempotencyKey": "d", "birthDate": "1990-02-30"}})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    for literal in ('"yesterday"', '"1990-04-25T10:00:00Z"', "19900425", '"\\u0000"'):
        body = await gql.post(
            f'mutation {{ createCustomer(input: {{idempotencyKey: "d", birthDate: {literal}}}) '
            "{ customer { id } } }"
        )
        assert set(error_codes(body)) == {"BAD_USER_INPUT"}, (literal, body)


async def test_staff_and_customer_changes_are_in_the_history_with_their_source(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given a customer registered by a cashier with email consent
    cashier = gql.as_(tokens["cashier"])
    ann = (await create(cashier, externalRef="ann-r", consentEmail=True))["customer"]
    # When a manager saves her unchanged consent, then turns SMS on
    manager = gql.as_(tokens["manager"])
    await manager.data(UPDATE, {"input": {"id": ann["id"], "consentEmail": True}})
    await manager.data(UPDATE, {"input": {"id": ann["id"], "consentSms": True}})
    # And Ann, in the customer area, turns email off, twice, then reads her consent
    app = gql.as_(customer_token("ann-r"))
    for _ in range(2):
        done = (await app.data(SET_MY_CONSENT, {"input": {"channel": "EMAIL", "granted": False}}))[
            "setMyConsent"
        ]
        assert done == {
            "customer": {"id": ann["id"], "consentEmail": False, "consentSms": True},
            "userErrors": [],
        }
    mine = (await app.data(MY_CONSENT))["me"]
    # Then the history, newest first, holds three changes: the unchanged ones left none
    expected = [
        {"channel": "EMAIL", "granted": False, "source": "CUSTOMER", "actor": "customer:ann-r"},
        {"channel": "SMS", "granted": True, "source": "STAFF"},
        {"channel": "EMAIL", "granted": True, "source": "STAFF"},
    ]
    assert (mine["consentEmail"], mine["consentSms"]) == (False, True)
    seen = await history(gql.as_(tokens["viewer"]), ann["id"])
    for rows in (mine["consentHistory"]["nodes"], seen):
        assert [{k: r[k] for k in e} for r, e in zip(rows, expected, strict=True)] == expected
    assert seen[1]["actor"].endswith(":manager") and seen[2]["actor"].endswith(":cashier")
    assert all(r["changedAt"].endswith("+00:00") for r in seen)
    # And the history pages, newest first
    first = (await gql.data(HISTORY, {"id": ann["id"], "first": 2}))["customer"]
    page = first["consentHistory"]
    assert len(page["nodes"]) == 2 and page["pageInfo"]["hasNextPage"]
    rest = await gql.data(
        HISTORY, {"id": ann["id"], "first": 2, "after": page["pageInfo"]["endCursor"]}
    )
    assert [r["source"] for r in rest["customer"]["consentHistory"]["nodes"]] == ["STAFF"]


async def test_a_customer_changes_only_its_own_consent(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    ann = (await create(gql, externalRef="ann-o", consentSms=True))["customer"]
    bob = (await create(gql, externalRef="bob-o", consentSms=True))["customer"]
    bobs_app = gql.as_(customer_token("bob-o"))
    # When Bob turns SMS off, only Bob's consent changes: the mutation names no customer
    turned = await bobs_app.data(SET_MY_CONSENT, {"input": {"channel": "SMS", "granted": False}})
    assert turned["setMyConsent"]["customer"]["id"] == bob["id"]
    assert len(await history(gql, ann["id"])) == 1
    # And Bob cannot read Ann, nor her history
    assert error_codes(await bobs_app.post(HISTORY, {"id": ann["id"]})) == ["FORBIDDEN"]
    # And a token for nobody known changes nothing; staff and anonymous callers are refused
    ghost = gql.as_(customer_token("nobody"))
    refused = await ghost.data(SET_MY_CONSENT, {"input": {"channel": "SMS", "granted": True}})
    assert refused["setMyConsent"]["customer"] is None
    assert [e["code"] for e in refused["setMyConsent"]["userErrors"]] == ["NOT_FOUND"]
    variables = {"input": {"channel": "SMS", "granted": True}}
    assert error_codes(await gql.post(SET_MY_CONSENT, variables)) == ["FORBIDDEN"]
    assert error_codes(await gql.as_(None).post(SET_MY_CONSENT, variables)) == ["UNAUTHENTICATED"]
    bad_channel = {"input": {"channel": "FAX", "granted": True}}
    assert error_codes(await bobs_app.post(SET_MY_CONSENT, bad_channel)) == ["BAD_USER_INPUT"]
