"""Actions that earn: fixed points for registering, the newsletter and reviews, once per
reference (or once per customer), over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import CREATE_CUSTOMER, events_of
from tests.support.refusals import assert_refused

UPDATE = """mutation($input: UpdateEarningActionsInput!) { updateEarningActions(input: $input) {
  actions { action points active oncePerCustomer } userErrors { field code message } } }"""
RECORD = """mutation($input: RecordCustomerActionInput!) { recordCustomerAction(input: $input) {
  entry { id points kind note sourceType source } points { balance lifetimeEarned }
  replayed userErrors { field code message } } }"""
ACTIONS = "{ earningActions { action points active oncePerCustomer } }"
POINTS = """query($id: ID!) { customer(id: $id) { points { balance lifetimeEarned }
  ledger { nodes { points kind note } } } }"""

PROGRAM = [
    {"action": "REGISTRATION", "points": 50, "oncePerCustomer": True},
    {"action": "NEWSLETTER", "points": 20, "oncePerCustomer": True},
    {"action": "REVIEW", "points": 10, "oncePerCustomer": False},
]


async def configure(gql: GraphQLClient, actions: list[dict[str, Any]]) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(UPDATE, {"input": {"actions": actions}}))[
        "updateEarningActions"
    ]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def record(
    gql: GraphQLClient, cid: str, action: str, reference: str | None = None
) -> dict[str, Any]:
    values = {"customerId": cid, "action": action, "reference": reference}
    payload: dict[str, Any] = (await gql.data(RECORD, {"input": values}))["recordCustomerAction"]
    return payload


async def register(gql: GraphQLClient, ref: str) -> str:
    created = await gql.data(
        CREATE_CUSTOMER, {"input": {"externalRef": ref, "idempotencyKey": ref}}
    )
    cid: str = created["createCustomer"]["customer"]["id"]
    return cid


async def test_readme_actions_example(gql: GraphQLClient, engine: AsyncEngine) -> None:
    # Given registration 50 (once), the newsletter 20 (once) and 10 for each review
    await configure(gql, PROGRAM)
    assert (await gql.data(ACTIONS))["earningActions"] == [
        {"action": a["action"], "points": a["points"], "active": True, **a} for a in PROGRAM
    ]
    # When Ann registers, she has 50 points at once
    ann = await register(gql, "ann")
    found = (await gql.data(POINTS, {"id": ann}))["customer"]
    assert found["points"] == {"balance": 50, "lifetimeEarned": 50}
    assert found["ledger"]["nodes"] == [
        {"points": 50, "kind": "ACTION", "note": "Welcome: registration"}
    ]
    # And the registration came first in the events, then the points
    assert [e["customer_id"] for e in await events_of(engine, "CustomerRegistered")] == [int(ann)]
    (earned,) = await events_of(engine, "PointsEarned")
    assert (earned["points"], earned["kind"], earned["source_ref"]) == (
        50,
        "ACTION",
        "REGISTRATION",
    )

    # When she signs up to the newsletter: 70; signing up again is a replay, still 70
    signed = await record(gql, ann, "NEWSLETTER")
    assert (signed["entry"]["points"], signed["points"]["balance"]) == (20, 70)
    again = await record(gql, ann, "NEWSLETTER", "second form")
    assert again["replayed"] and again["entry"]["id"] == signed["entry"]["id"]
    assert again["points"]["balance"] == 70

    # When she reviews two products: 80, 90; the first review reported again earns nothing
    first = await record(gql, ann, "REVIEW", "R-1")
    assert first["entry"]["source"] == "REVIEW/R-1"
    assert (await record(gql, ann, "REVIEW", "R-2"))["points"]["balance"] == 90
    replay = await record(gql, ann, "REVIEW", "R-1")
    assert replay["replayed"] and replay["entry"]["id"] == first["entry"]["id"]
    assert replay["points"] == {"balance": 90, "lifetimeEarned": 90}

    # When reviews stop earning, a new review is refused and writes nothing
    await configure(gql, [{**PROGRAM[2], "active": False}])
    await assert_refused(
        gql,
        engine,
        RECORD,
        {"customerId": ann, "action": "REVIEW", "reference": "R-3"},
        "action",
        "ACTION_INACTIVE",
    )
    # But a review already credited still answers with its credit
    assert (await record(gql, ann, "REVIEW", "R-2"))["replayed"] is True
    await assert_ledger_sound(engine)


async def test_a_review_reported_ten_times_at_once_earns_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given reviews earning 10 each, and a customer
    await configure(gql, [PROGRAM[2]])
    cid = await register(gql, "bea")
    # When the same review is reported from ten requests at once
    results = await asyncio.gather(*(record(gql, cid, "REVIEW", "R-9") for _ in range(10)))
    # Then one credited it and the nine others answer with that credit
    assert [r["userErrors"] for r in results] == [[]] * 10
    assert len({r["entry"]["id"] for r in results}) == 1
    assert sorted(r["replayed"] for r in results) == [False] + [True] * 9
    found = (await gql.data(POINTS, {"id": cid}))["customer"]["points"]
    assert found == {"balance": 10, "lifetimeEarned": 10}
    await assert_ledger_sound(engine)


async def test_without_a_registration_action_a_new_customer_starts_at_zero(
    gql: GraphQLClient,
) -> None:
    await configure(gql, [{**PROGRAM[0], "active": False}])
    cid = await register(gql, "cid")
    found = (await gql.data(POINTS, {"id": cid}))["customer"]
    assert found == {"points": {"balance": 0, "lifetimeEarned": 0}, "ledger": {"nodes": []}}


async def test_bad_actions_are_refused_and_write_nothing(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    await configure(gql, [PROGRAM[2]])
    cid = await register(gql, "dan")
    # An action that was never configured, a review without its reference, an unknown customer
    for values, field, code in (
        ({"customerId": cid, "action": "NEWSLETTER"}, "action", "ACTION_INACTIVE"),
        ({"customerId": cid, "action": "REVIEW"}, "reference", "REQUIRED"),
        ({"customerId": cid, "action": "REVIEW", "reference": " "}, "reference", "REQUIRED"),
        ({"customerId": "999999", "action": "REVIEW", "reference": "x"}, "customerId", "NOT_FOUND"),
        ({"customerId": "abc", "action": "REVIEW", "reference": "x"}, "customerId", "INVALID"),
    ):
        await assert_refused(gql, engine, RECORD, values, field, code)
    # Settings out of range, twice the same action, registration more than once
    for actions, field, code in (
        ([{**PROGRAM[1], "points": 0}], "actions.0.points", "OUT_OF_RANGE"),
        ([{**PROGRAM[1], "points": 1_000_000_001}], "actions.0.points", "OUT_OF_RANGE"),
        ([PROGRAM[1], PROGRAM[1]], "actions.1.action", "DUPLICATE"),
        ([{**PROGRAM[0], "oncePerCustomer": False}], "actions.0.oncePerCustomer", "INVALID"),
        ([PROGRAM[0]] * 4, "actions", "OUT_OF_RANGE"),
    ):
        await assert_refused(gql, engine, UPDATE, {"actions": actions}, field, code)
    assert (await gql.data(ACTIONS))["earningActions"] == [{**PROGRAM[2], "active": True}]


async def test_cashiers_record_actions_and_marketers_set_them(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer, cashier = gql.as_(tokens["marketer"]), gql.as_(tokens["cashier"])
    await configure(marketer, [PROGRAM[2]])
    cid = await register(gql, "eve")
    assert (await record(cashier, cid, "REVIEW", "R-1"))["points"]["balance"] == 10
    body = await cashier.post(UPDATE, {"input": {"actions": [PROGRAM[1]]}})
    assert error_codes(body) == ["FORBIDDEN"]
    body = await marketer.post(RECORD, {"input": {"customerId": cid, "action": "REVIEW"}})
    assert error_codes(body) == ["FORBIDDEN"]
