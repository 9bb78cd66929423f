"""A customer token reads its own badges and rewards through `me`, but not the program-wide
figures hanging off them: a badge's `resync` (READ_REPORTS) and a reward's `claimed` (staff
only) are refused to it, whatever the path."""

from __future__ import annotations

from typing import Any

from tests.support.api import GraphQLClient, customer_token, error_codes

CREATE_CUSTOMER = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } } }"""
CREATE_BADGE = """mutation($input: CreateBadgeInput!) { createBadge(input: $input) {
  badge { id } userErrors { field code message } } }"""
CREATE_REWARD = """mutation($input: CreateRewardInput!) { createReward(input: $input) {
  reward { id } userErrors { field code message } } }"""
MY_NEXT_BADGE_RESYNC = """{ me { badges { next { badge { title
  resync { status customersTotal customersDone unlockedCount lostCount } } } } } }"""
MY_REWARDS_CLAIMED = "{ me { rewards { reward { name claimed } } } }"
RESYNCS = "{ badges { title resync { customersTotal } } }"


async def _customer(gql: GraphQLClient, ref: str) -> None:
    data = await gql.data(
        CREATE_CUSTOMER, {"input": {"externalRef": ref, "firstName": ref, "idempotencyKey": ref}}
    )
    assert data["createCustomer"]["userErrors"] == []


def _resyncs(body: dict[str, Any]) -> list[Any]:
    me = (body.get("data") or {}).get("me") or {}
    nexts = ((me.get("badges") or {}).get("next")) or []
    return [n["badge"]["resync"] for n in nexts if n and n.get("badge")]


async def test_a_customer_token_cannot_read_a_badge_resync_and_the_programs_customer_count(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    """Rule: a customer token "can read only `me`" (docs/security.md, "Authentication"),
    and counting the program's customers and badge holders is report data: `Badge.resync`
    needs READ_REPORTS like `customersPerBadge` (docs/security.md's table), so a customer
    token reaching a badge through `me.badges` gets it null with a FORBIDDEN error.

    Given a program of 25 customers and a Bronze badge, when Ann's customer app asks
    `me { badges { next { badge { resync { customersTotal ... } } } } }`, then the re-sync
    is null and the answer says FORBIDDEN, while the badge itself is there; staff with
    READ_REPORTS read the re-sync, a cashier (without it) does not."""
    for i in range(24):
        await _customer(gql, f"filler-{i}")
    await _customer(gql, "ann")
    created = await gql.data(
        CREATE_BADGE,
        {"input": {"title": "Bronze", "minPoints": 100, "maxPoints": 499,
                   "idempotencyKey": "badge-bronze"}},
    )  # fmt: skip
    assert created["createBadge"]["userErrors"] == []

    body = await gql.post(MY_NEXT_BADGE_RESYNC, token=customer_token("ann"))

    assert [n["badge"]["title"] for n in body["data"]["me"]["badges"]["next"]] == ["Bronze"]
    leaked = [r for r in _resyncs(body) if r is not None]
    assert leaked == [], f"a customer token read the re-sync job's figures: {leaked}"
    assert set(error_codes(body)) == {"FORBIDDEN"}
    # Staff: the viewer reads reports, the cashier does not
    viewer = await gql.data(RESYNCS, token=tokens["viewer"])
    assert viewer["badges"] == [{"title": "Bronze", "resync": {"customersTotal": 25}}]
    cashier = await gql.post(RESYNCS, token=tokens["cashier"])
    assert cashier["data"]["badges"] == [{"title": "Bronze", "resync": None}]
    assert error_codes(cashier) == ["FORBIDDEN"]


async def test_a_customer_token_cannot_read_how_often_all_customers_claimed_a_reward(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    """Rule: `Reward.claimed` counts the claims of all customers, so it is staff only
    (VIEW_POINTS, with the catalogue; docs/security.md's table and docs/engagement.md, "The
    customer area"): a customer token asking for it through `me.rewards` is FORBIDDEN and
    gets no count, while staff still read it. The refusal is that field's alone (it is
    nullable): the customer's `me` and rewards still come back."""
    await _customer(gql, "ann")
    created = await gql.data(
        CREATE_REWARD,
        {"input": {"name": "Mug", "kind": "FREE_PRODUCT", "costPoints": 300,
                   "voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG"},
                   "idempotencyKey": "reward-mug"}},
    )  # fmt: skip
    assert created["createReward"]["userErrors"] == []

    body = await gql.post(MY_REWARDS_CLAIMED, token=customer_token("ann"))

    assert set(error_codes(body)) == {"FORBIDDEN"}
    assert [e["path"] for e in body["errors"]] == [["me", "rewards", 0, "reward", "claimed"]]
    assert body["data"] == {"me": {"rewards": [{"reward": {"name": "Mug", "claimed": None}}]}}
    # Ann still reads her rewards without the figure
    mine = await gql.data("{ me { rewards { reward { name } } } }", token=customer_token("ann"))
    assert mine["me"]["rewards"] == [{"reward": {"name": "Mug"}}]
    # Staff with VIEW_POINTS (every role) read it with the catalogue
    listed = await gql.data("{ rewards { name claimed } }", token=tokens["cashier"])
    assert listed["rewards"] == [{"name": "Mug", "claimed": 0}]
