"""Reports over HTTP: movement filters and pages, the liability with held points, the top
rewards of a period, and the refusals (bad arguments, callers without READ_REPORTS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.loyalty import customer_with
from tests.support.reports import Row, new_customer, write_entries

MOVEMENTS = """query($first: Int, $after: String, $filter: LedgerMovementFilter) {
  ledgerMovements(first: $first, after: $after, filter: $filter) {
    nodes { id entry { id points kind note createdAt } customer { externalRef } }
    pageInfo { hasNextPage endCursor } } }"""
LIABILITY = "{ liability { balance held spendable valueMinor spendableValueMinor } }"
RATE = """mutation { updateRedemptionRules(input: {pointsPerUnit: 100, valuePerUnitMinor: 30}) {
  userErrors { code } } }"""
HOLD = """mutation($id: ID!) { holdPoints(input: {customerId: $id, points: 100, orderId: "H-1",
  idempotencyKey: "h-1", cart: [{sku: "A", quantity: 1, unitPriceMinor: 10000}]}) {
  userErrors { code } } }"""
CREATE_REWARD = """mutation($input: CreateRewardInput!) {
  createReward(input: $input) { reward { id } userErrors { code } } }"""
CLAIM = """mutation($input: ClaimRewardInput!) { claimReward(input: $input) {
  userErrors { code } } }"""
NEW_CATEGORY = """mutation { createPointCategory(input: {name: "VIP", earnMultiplier: "3",
  idempotencyKey: "vip"}) {
  category { name } } }"""
PER_CATEGORY = "{ customersPerCategory { category { name } customers balance } }"
TOP = """query($since: DateTime, $until: DateTime, $first: Int!) {
  topRewards(since: $since, until: $until, first: $first) { reward { name } claims } }"""


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 5, day, hour, tzinfo=UTC)


async def movements(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await gql.data(MOVEMENTS, variables))["ledgerMovements"]
    return found


def points(page: dict[str, Any]) -> list[int]:
    return [n["entry"]["points"] for n in page["nodes"]]


@pytest.fixture
async def ledger(clean_db: AsyncEngine) -> dict[str, int]:
    """Ann and Bob's May, written at known times."""
    ann, bob = await new_customer(clean_db, "ann"), await new_customer(clean_db, "bob")
    await write_entries(
        clean_db,
        ann,
        [
            Row("PURCHASE", 100, at(1, 0), source_type="purchase"),
            Row("MANUAL", 7, at(2), note="Saved 100% of the mess"),
            Row("REDEMPTION", -50, at(3), source_type="order"),
            Row("PURCHASE", 900, at(10), source_type="purchase"),
        ],
    )
    await write_entries(
        clean_db,
        bob,
        [
            Row("MANUAL", 30, at(2, 13), note="contest"),
            Row("MANUAL", -5, at(4), note="Contest fee"),
        ],
    )
    return {"ann": ann, "bob": bob}


async def test_movements_are_filtered_by_period_customer_points_kind_source_and_reason(
    gql: GraphQLClient, ledger: dict[str, int]
) -> None:
    # Everything, newest first
    assert points(await movements(gql)) == [900, -5, -50, 30, 7, 100]
    # A half-open period: May 1 00:00 is in, May 10 12:00 is out
    period = {"since": "2026-05-01T00:00:00Z", "until": "2026-05-10T12:00:00Z"}
    assert points(await movements(gql, filter=period)) == [-5, -50, 30, 7, 100]
    # One customer, with the customer resolved
    page = await movements(gql, filter={"customerId": str(ledger["bob"])})
    assert [(n["entry"]["points"], n["customer"]["externalRef"]) for n in page["nodes"]] == [
        (-5, "bob"),
        (30, "bob"),
    ]
    # Signed, inclusive point bounds: debits only; from 7 to 100
    assert points(await movements(gql, filter={"maxPoints": -1})) == [-5, -50]
    assert points(await movements(gql, filter={"minPoints": 7, "maxPoints": 100})) == [30, 7, 100]
    # Kinds, and what caused the entry
    assert points(await movements(gql, filter={"kinds": ["MANUAL", "REDEMPTION"]})) == [
        -5,
        -50,
        30,
        7,
    ]
    assert points(await movements(gql, filter={"sourceType": "purchase"})) == [900, 100]
    # The reason, in the note, ignoring case; a % is a character, not a wildcard
    assert points(await movements(gql, filter={"reason": "contest"})) == [-5, 30]
    assert points(await movements(gql, filter={"reason": "100%"})) == [7]
    assert points(await movements(gql, filter={"reason": "1%0"})) == []
    # All at once
    both = {"customerId": str(ledger["ann"]), "kinds": ["PURCHASE"], **period}
    assert points(await movements(gql, filter=both)) == [100]


async def test_pages_walk_entries_of_the_same_instant_without_skipping_or_repeating(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    # Given five entries written at the very same instant
    cid = await new_customer(clean_db, "ann")
    ids = await write_entries(clean_db, cid, [Row("MANUAL", n, at(5)) for n in range(1, 6)])

    # When they are read two at a time
    seen: list[str] = []
    after = None
    while True:
        page = await movements(gql, first=2, after=after)
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then each comes once, the last written first
    assert seen == [str(i) for i in reversed(ids)]


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        (
            {"filter": {"since": "2026-05-02T00:00:00Z", "until": "2026-05-01T00:00:00Z"}},
            "filter.until",
        ),
        ({"filter": {"customerId": "abc"}}, "filter.customerId"),
        ({"filter": {"minPoints": 10, "maxPoints": 5}}, "filter.maxPoints"),
        ({"first": 101}, "first"),
        ({"after": "bm90LWEtY3Vyc29y"}, "after"),
    ],
)
async def test_bad_movement_arguments_are_refused_naming_them(
    gql: GraphQLClient, variables: dict[str, Any], field: str
) -> None:
    body = await gql.post(MOVEMENTS, variables)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field


async def test_the_liability_is_worth_the_points_rounded_down_and_held_points_are_not_spendable(
    gql: GraphQLClient,
) -> None:
    # Given 100 points = 0.30, a customer with 333 points of which 100 are held at a till
    assert (await gql.data(RATE))["updateRedemptionRules"]["userErrors"] == []
    cid = await customer_with(gql, 333)
    assert (await gql.data(HOLD, {"id": cid}))["holdPoints"]["userErrors"] == []

    # Then the program owes 333 points, floor(333 * 0.30) = 0.99, of which 233 spendable, 0.69
    liability = (await gql.data(LIABILITY))["liability"]
    assert liability == {
        "balance": 333,
        "held": 100,
        "spendable": 233,
        "valueMinor": 99,
        "spendableValueMinor": 69,
    }


async def test_top_rewards_rank_the_claims_of_the_period(gql: GraphQLClient) -> None:
    # Given a mug claimed by two customers and 5.00 off claimed by one; a tote never claimed
    mug, off, _ = [
        await reward(gql, name, cost) for name, cost in (("Mug", 100), ("Off", 50), ("Tote", 10))
    ]
    ann, bob = await customer_with(gql, 500), await customer_with(gql, 500)
    for n, (rid, cid) in enumerate(((mug, ann), (off, ann), (mug, bob))):
        claimed = await gql.data(
            CLAIM, {"input": {"rewardId": rid, "customerId": cid, "idempotencyKey": f"c{n}"}}
        )
        assert claimed["claimReward"]["userErrors"] == []

    # Then the mug comes first, the tote not at all; the first one only when asked for one
    ranked = (await gql.data(TOP, {"first": 5}))["topRewards"]
    assert [(r["reward"]["name"], r["claims"]) for r in ranked] == [("Mug", 2), ("Off", 1)]
    assert len((await gql.data(TOP, {"first": 1}))["topRewards"]) == 1
    # And a period that has not begun has no claim
    future = {"since": "2099-01-01T00:00:00Z", "first": 5}
    assert (await gql.data(TOP, future))["topRewards"] == []
    # And more than 100 is refused
    body = await gql.post(TOP, {"first": 101})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "first"


async def reward(gql: GraphQLClient, name: str, cost: int) -> str:
    spec = {
        "name": name,
        "kind": "SERVICE",
        "costPoints": cost,
        "voucher": {"kind": "GIFT_ITEM", "giftSku": name},
        "idempotencyKey": name,
    }
    created = (await gql.data(CREATE_REWARD, {"input": spec}))["createReward"]
    assert created["userErrors"] == []
    rid: str = created["reward"]["id"]
    return rid


async def test_every_category_is_counted_even_an_empty_one(
    gql: GraphQLClient, ledger: dict[str, int]
) -> None:
    # Given Ann (957 points) and Bob (25) in Base, and a VIP category nobody is in yet
    created = await gql.data(NEW_CATEGORY)
    assert created["createPointCategory"]["category"]["name"] == "VIP"
    found = (await gql.data(PER_CATEGORY))["customersPerCategory"]
    assert [(c["category"]["name"], c["customers"], c["balance"]) for c in found] == [
        ("Base", 2, 982),
        ("VIP", 0, 0),
    ]


async def test_an_anonymous_caller_sees_no_report(gql: GraphQLClient) -> None:
    body = await gql.as_(None).post(LIABILITY)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body.get("data") is None  # refused before execution: no data at all


HISTORY = """query($since: DateTime!, $until: DateTime!, $zone: String!) {
  liabilityHistory(since: $since, until: $until, granularity: DAY, timeZone: $zone) {
    startsAt at balance valueMinor } }"""


async def test_the_liability_history_gives_each_days_end_in_the_time_zone_asked(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    # Given 100 points = 0.30, and Ann's 500 points on May 1 at 20:00 UTC (May 2, 01:30 in
    # Kolkata) and 200 spent on May 2 at 10:00 UTC
    assert (await gql.data(RATE))["updateRedemptionRules"]["userErrors"] == []
    ann = await new_customer(clean_db, "ann")
    await write_entries(
        clean_db,
        ann,
        [
            Row("PURCHASE", 500, datetime(2026, 5, 1, 20, tzinfo=UTC)),
            Row("REDEMPTION", -200, datetime(2026, 5, 2, 10, tzinfo=UTC)),
        ],
    )
    # When the history of May 1 to 3 is asked by day in Kolkata (UTC+5:30)
    period = {"since": "2026-05-01T00:00:00Z", "until": "2026-05-03T00:00:00Z"}
    history = (await gql.data(HISTORY, {**period, "zone": "Asia/Kolkata"}))["liabilityHistory"]
    # Then each local day ends at 18:30 UTC; the last is cut at the period's end
    assert [(h["at"], h["balance"], h["valueMinor"]) for h in history] == [
        ("2026-05-01T18:30:00+00:00", 0, 0),
        ("2026-05-02T18:30:00+00:00", 300, 90),
        ("2026-05-03T00:00:00+00:00", 300, 90),
    ]


async def test_a_liability_history_in_an_unknown_time_zone_is_refused_naming_it(
    gql: GraphQLClient,
) -> None:
    period = {"since": "2026-05-01T00:00:00Z", "until": "2026-05-03T00:00:00Z"}
    body = await gql.post(HISTORY, {**period, "zone": "Mars/Olympus"})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "timeZone"
