"""A customer's category history and funnels over the API: every change of category (by
hand, by the tier rules, by a funnel) newest first, and every funnel the customer entered;
who may read them."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from tests.funnels.engine.support import Clock, active_funnel, advance
from tests.support.api import GraphQLClient, customer_token
from tests.support.loyalty import customer_with

HISTORY = """query($id: ID!, $first: Int, $after: String) {
  customer(id: $id) {
    categoryHistory(first: $first, after: $after) {
      nodes { reason actor measure value changedAt from { name } to { name } }
      pageInfo { hasNextPage endCursor }
    } } }"""
FUNNELS = """query($id: ID!) {
  customer(id: $id) {
    funnelEnrollments(first: 10) {
      nodes { funnelId funnelName version entryNo status stepId waiting reason enteredAt
              finishedAt }
      pageInfo { hasNextPage } } } }"""
MY_HISTORY = "{ me { categoryHistory { nodes { to { name } } } } }"
MY_FUNNELS = "{ me { funnelEnrollments { nodes { funnelName } } } }"
CREATE_CATEGORY = """mutation($name: String!) {
  createPointCategory(input: {name: $name, earnMultiplier: "1", idempotencyKey: $name}) {
    category { id } userErrors { code } } }"""
SET_CATEGORY = """mutation($category: ID!, $id: ID!) {
  setCustomerCategory(input: {categoryId: $category, customerIds: [$id]}) {
    updatedCount userErrors { code } } }"""
SET_RULES = """mutation($input: SetTierRulesInput!) {
  setTierRules(input: $input) { userErrors { field code message } } }"""
EVALUATE = "mutation { evaluateTiers { movedCount userErrors { code } } }"
BASE = "{ pointCategories { id isDefault } }"


async def _category(gql: GraphQLClient, name: str) -> str:
    created = await gql.data(CREATE_CATEGORY, {"name": name})
    category_id: str = created["createPointCategory"]["category"]["id"]
    return category_id


async def _history(gql: GraphQLClient, cid: str, **page: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await gql.data(HISTORY, {"id": cid, **page}))["customer"][
        "categoryHistory"
    ]
    return found


async def test_given_moves_by_rule_then_by_hand_when_reading_history_then_newest_first(
    gql: GraphQLClient,
) -> None:
    base = next(c["id"] for c in (await gql.data(BASE))["pointCategories"] if c["isDefault"])
    silver, gold = await _category(gql, "Silver"), await _category(gql, "Gold")
    cid = await customer_with(gql, points=150)
    rungs = [{"categoryId": base, "threshold": 0}, {"categoryId": silver, "threshold": 100}]
    rules = {"measure": "POINTS_EARNED", "windowDays": 365, "rungs": rungs}
    assert (await gql.data(SET_RULES, {"input": rules}))["setTierRules"]["userErrors"] == []
    assert (await gql.data(EVALUATE))["evaluateTiers"]["movedCount"] == 1
    moved = await gql.data(SET_CATEGORY, {"category": gold, "id": cid})
    assert moved["setCustomerCategory"]["updatedCount"] == 1

    first = await _history(gql, cid, first=1)
    rest = await _history(gql, cid, first=1, after=first["pageInfo"]["endCursor"])

    (by_hand,) = first["nodes"]
    assert (by_hand["from"]["name"], by_hand["to"]["name"]) == ("Silver", "Gold")
    assert (by_hand["reason"], by_hand["measure"], by_hand["value"]) == ("MANUAL", None, None)
    assert by_hand["actor"].startswith("staff:") and by_hand["actor"].endswith(":admin")
    assert first["pageInfo"]["hasNextPage"] is True
    (by_rule,) = rest["nodes"]
    assert (by_rule["from"]["name"], by_rule["to"]["name"]) == ("Base", "Silver")
    assert (by_rule["reason"], by_rule["measure"], by_rule["value"]) == (
        "RULE",
        "POINTS_EARNED",
        150,
    )
    assert rest["pageInfo"]["hasNextPage"] is False
    assert by_rule["changedAt"] <= by_hand["changedAt"]


async def test_given_a_new_customer_when_reading_history_then_it_is_empty(
    gql: GraphQLClient,
) -> None:
    cid = await customer_with(gql)

    history = await _history(gql, cid)

    assert history == {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


async def test_given_a_funnel_that_sets_a_category_when_it_ran_then_both_show_it(
    gql: GraphQLClient, clean_db: AsyncEngine, tokens: dict[str, str]
) -> None:
    await _category(gql, "Premium")
    funnel = await active_funnel(clean_db, {
        "name": "Upgrade",
        "entry": {"trigger": {"campaign": {}}},
        "start": "premium",
        "steps": [{"id": "premium", "type": "setCategory", "category": "Premium"}],
    }, "upgrade")  # fmt: skip
    ref = f"ann-{uuid4().hex[:8]}"
    cid = await customer_with(gql, ref=ref)
    clock = Clock()
    async with UnitOfWork(clean_db) as uow:
        door = Door(funnel, 1, "premium", EntryRule(Reentry.ONCE))
        await enter_ids(uow, door, [int(cid)], clock())
        await uow.commit()
    await advance(clean_db, clock)

    cashier = GraphQLClient(gql.http, tokens["cashier"])
    (entry,) = (await cashier.data(FUNNELS, {"id": cid}))["customer"]["funnelEnrollments"]["nodes"]
    (change,) = (await _history(gql, cid))["nodes"]

    assert entry["funnelId"] == str(funnel)
    assert (entry["funnelName"], entry["version"], entry["entryNo"]) == ("Upgrade", 1, 1)
    assert (entry["status"], entry["stepId"], entry["reason"]) == ("COMPLETED", None, None)
    assert entry["finishedAt"] is not None
    assert (change["to"]["name"], change["reason"], change["actor"]) == (
        "Premium",
        "MANUAL",
        "funnel",
    )
    # The customer reads its own category history, not the funnels it is in.
    me = await gql.post(MY_HISTORY, token=customer_token(ref))
    assert me["data"]["me"]["categoryHistory"]["nodes"] == [{"to": {"name": "Premium"}}]
    refused = await gql.post(MY_FUNNELS, token=customer_token(ref))
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_given_a_customer_in_no_funnel_when_reading_funnels_then_none(
    gql: GraphQLClient,
) -> None:
    cid = await customer_with(gql)

    found = (await gql.data(FUNNELS, {"id": cid}))["customer"]["funnelEnrollments"]

    assert found == {"nodes": [], "pageInfo": {"hasNextPage": False}}
