"""Badges over the API: a customer's badges follow their points at once, whatever moves
them; each unlock and loss is logged with its event; staff and the customer see the badges
unlocked and the next ones; bad settings are refused naming the field, writing nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.schema.test_batching import statements
from tests.support.api import GraphQLClient, customer_token, error_codes
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, events_of
from tests.support.refusals import assert_refused

CREATE = """mutation($input: CreateBadgeInput!) { createBadge(input: $input) {
  badge { id title basis minPoints maxPoints iconUrl active }
  unlockedCount lostCount replayed userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateBadgeInput!) { updateBadge(input: $input) {
  badge { id minPoints maxPoints active } unlockedCount lostCount
  userErrors { field code message } } }"""
RESYNCS = """{ badges { resync { generation status customersTotal customersDone
  unlockedCount lostCount } } }"""
BADGES = """query($id: ID!) { customer(id: $id) { badges {
  unlocked { badge { title } unlockedAt } next { badge { title } pointsNeeded } } } }"""
MY_BADGES = (
    "{ me { badges { unlocked { badge { title } } next { badge { title } pointsNeeded } } } }"
)
PURCHASE = """mutation($id: ID!, $order: String!, $price: Money!) {
  recordPurchase(input: {orderId: $order, status: PAID, customerId: $id,
    lines: [{sku: "TEA", quantity: 1, unitPriceMinor: $price}]}) { userErrors { code } } }"""
ADJUST = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    userErrors { code } } }"""

LADDER: list[dict[str, Any]] = [
    {"title": "Bronze", "minPoints": 100, "maxPoints": 499},
    {"title": "Silver", "minPoints": 500, "maxPoints": 1999},
    {"title": "Gold", "minPoints": 2000},
    {"title": "Regular", "minPoints": 1000, "basis": "LIFETIME"},
]


async def create(gql: GraphQLClient, **input: Any) -> dict[str, Any]:
    values = {"idempotencyKey": f"badge-{input['title']}", **input}
    payload: dict[str, Any] = (await gql.data(CREATE, {"input": values}))["createBadge"]
    return payload


async def ladder(gql: GraphQLClient) -> dict[str, str]:
    """The badges of docs/engagement.md's worked example; their ids by title."""
    ids: dict[str, str] = {}
    for badge in LADDER:
        created = await create(gql, **badge)
        assert created["userErrors"] == [], created
        ids[badge["title"]] = created["badge"]["id"]
    return ids


async def standing(gql: GraphQLClient, cid: str) -> tuple[list[str], list[tuple[str, int]]]:
    found = (await gql.data(BADGES, {"id": cid}))["customer"]["badges"]
    return (
        [u["badge"]["title"] for u in found["unlocked"]],
        [(n["badge"]["title"], n["pointsNeeded"]) for n in found["next"]],
    )


async def changes(engine: AsyncEngine, cid: str) -> list[tuple[str, str, int, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT b.title, c.change, c.points, c.cause FROM badge_changes c "
                "JOIN badges b ON b.id = c.badge_id WHERE c.customer_id = :c ORDER BY c.id"
            ),
            {"c": int(cid)},
        )
        return [tuple(r) for r in rows]


async def test_readme_worked_example_badges_follow_the_points(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    # Given Ann with 450 points, then the badges are created (by a marketer)
    ann = await customer_with(gql, 450, ref="ann-badges")
    ids = await ladder(gql.as_(tokens["marketer"]))
    # Then she holds Bronze at once, and sees how far the others are
    assert await standing(gql, ann) == (
        ["Bronze"],
        [("Silver", 50), ("Regular", 550), ("Gold", 1550)],
    )
    # When she earns 60 points on a 60.00 purchase: 510, Bronze lost and Silver unlocked
    await gql.data(PURCHASE, {"id": ann, "order": "B-1", "price": 6000})
    assert await standing(gql, ann) == (
        ["Silver"],
        [("Regular", 490), ("Gold", 1490)],
    )
    # When she spends 20: 490, Silver lost and Bronze back (her lifetime points stay 510)
    await gql.data(ADJUST, {"id": ann, "points": -20, "key": "spend"})
    assert (await standing(gql, ann))[0] == ["Bronze"]
    assert await changes(engine, ann) == [
        ("Bronze", "UNLOCKED", 450, "BADGE"),
        ("Bronze", "LOST", 510, "POINTS"),
        ("Silver", "UNLOCKED", 510, "POINTS"),
        ("Silver", "LOST", 490, "POINTS"),
        ("Bronze", "UNLOCKED", 490, "POINTS"),
    ]
    unlocked = await events_of(engine, "BadgeUnlocked")
    assert [(e["badge_id"], e["points"], e["cause"]) for e in unlocked] == [
        (int(ids["Bronze"]), 450, "BADGE"),
        (int(ids["Silver"]), 510, "POINTS"),
        (int(ids["Bronze"]), 490, "POINTS"),
    ]
    assert len(await events_of(engine, "BadgeLost")) == 2

    # When Silver is to start at 400 while Bronze still ends at 499: refused
    moved = await gql.data(UPDATE, {"input": {"id": ids["Silver"], "minPoints": 400}})
    assert [(e["field"], e["code"]) for e in moved["updateBadge"]["userErrors"]] == [
        ("minPoints", "BADGE_RANGES_OVERLAP")
    ]
    # When Bronze ends at 399 first, then Silver starts at 400: Ann moves up at once
    bronze = await gql.data(UPDATE, {"input": {"id": ids["Bronze"], "maxPoints": 399}})
    assert bronze["updateBadge"]["lostCount"] == 1
    silver = await gql.data(UPDATE, {"input": {"id": ids["Silver"], "minPoints": 400}})
    assert (silver["updateBadge"]["unlockedCount"], silver["updateBadge"]["lostCount"]) == (1, 0)
    # And she sees it in her customer area
    mine = (await gql.data(MY_BADGES, token=customer_token("ann-badges")))["me"]["badges"]
    assert [u["badge"]["title"] for u in mine["unlocked"]] == ["Silver"]
    await assert_ledger_sound(engine)


async def test_a_deactivated_badge_is_taken_from_every_holder_and_given_back_on_return(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    holders = [await customer_with(gql, p) for p in (150, 300, 600)]
    created = await create(gql, title="Bronze", minPoints=100, maxPoints=499)
    assert created["unlockedCount"] == 2
    off = await gql.data(UPDATE, {"input": {"id": created["badge"]["id"], "active": False}})
    assert (off["updateBadge"]["lostCount"], off["updateBadge"]["badge"]["active"]) == (2, False)
    assert [(await standing(gql, c))[0] for c in holders] == [[], [], []]
    # An inactive badge is not "next" either
    assert (await standing(gql, holders[0]))[1] == []
    on = await gql.data(UPDATE, {"input": {"id": created["badge"]["id"], "active": True}})
    assert on["updateBadge"]["unlockedCount"] == 2
    # A change of title alone re-syncs nobody
    renamed = await gql.data(UPDATE, {"input": {"id": created["badge"]["id"], "title": "Brass"}})
    assert (renamed["updateBadge"]["unlockedCount"], renamed["updateBadge"]["lostCount"]) == (0, 0)
    assert (await standing(gql, holders[1]))[0] == ["Brass"]
    # And the badge's latest re-sync (its third: created, deactivated, reactivated) is done
    [resync] = [b["resync"] for b in (await gql.data(RESYNCS))["badges"]]
    assert resync == {
        "generation": 3,
        "status": "DONE",
        "customersTotal": 3,
        "customersDone": 3,
        "unlockedCount": 2,
        "lostCount": 0,
    }
    await assert_ledger_sound(engine)


async def test_a_create_replayed_returns_the_first_badge_and_other_settings_conflict(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    first = await create(gql, title="Gold", minPoints=2000)
    again = await create(gql, title="Gold", minPoints=2000)
    assert (again["replayed"], again["badge"]["id"]) == (True, first["badge"]["id"])
    await assert_refused(
        gql,
        engine,
        CREATE,
        {"title": "Gold", "minPoints": 2500, "idempotencyKey": "badge-Gold"},
        "idempotencyKey",
        "IDEMPOTENCY_CONFLICT",
    )


async def test_bad_badge_settings_are_refused_naming_the_field_and_write_nothing(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    await customer_with(gql, 700)
    await ladder(gql)
    cases = [
        ({"title": "Silver 2", "minPoints": 1500}, "minPoints", "BADGE_RANGES_OVERLAP"),
        ({"title": "Iron", "minPoints": 0, "maxPoints": 100}, "maxPoints", "BADGE_RANGES_OVERLAP"),
        ({"title": "X", "minPoints": 50, "maxPoints": 50}, "maxPoints", "OUT_OF_RANGE"),
        ({"title": "X", "minPoints": -1}, "minPoints", "OUT_OF_RANGE"),
        ({"title": " ", "minPoints": 10, "maxPoints": 20}, "title", "REQUIRED"),
        (
            {"title": "X", "minPoints": 10, "maxPoints": 20, "iconUrl": "javascript:alert(1)"},
            "iconUrl",
            "INVALID",
        ),
    ]
    for input, field, code in cases:
        await assert_refused(
            gql, engine, CREATE, {**input, "idempotencyKey": f"bad-{field}-{code}"}, field, code
        )
    body = await gql.post(UPDATE, {"input": {"id": "999", "title": "Nope"}})
    assert body["data"]["updateBadge"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_badges_are_managed_by_marketers_and_read_with_view_points(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    cashier, viewer = gql.as_(tokens["cashier"]), gql.as_(tokens["viewer"])
    body = await cashier.post(CREATE, {"input": {**LADDER[0], "idempotencyKey": "c"}})
    assert error_codes(body) == ["FORBIDDEN"]
    await ladder(gql.as_(tokens["marketer"]))
    listed = await viewer.data("{ badges { title basis minPoints maxPoints } }")
    assert [b["title"] for b in listed["badges"]] == ["Bronze", "Silver", "Gold", "Regular"]
    ann = await customer_with(gql, 150, ref="ann-1")
    assert (await viewer.data(BADGES, {"id": ann}))["customer"]["badges"]["unlocked"] != []
    # A customer reads badges through `me` only
    forbidden = await gql.post(BADGES, {"id": ann}, token=customer_token("ann-1"))
    assert error_codes(forbidden) == ["FORBIDDEN"]


async def test_badges_of_a_list_of_customers_cost_one_query(gql: GraphQLClient) -> None:
    for points in (50, 150, 600, 2500):
        await customer_with(gql, points)
    await ladder(gql)
    listing = """{ customers(first: 10) { nodes { badges {
      unlocked { badge { title } } next { pointsNeeded } } } } }"""
    with statements() as seen:
        nodes = (await gql.data(listing))["customers"]["nodes"]
    assert [[u["badge"]["title"] for u in n["badges"]["unlocked"]] for n in nodes] == [
        [],
        ["Bronze"],
        ["Silver"],
        ["Regular", "Gold"],  # lowest range first
    ]
    assert [n["badges"]["next"][0]["pointsNeeded"] for n in nodes[:3]] == [50, 350, 400]
    assert len([s for s in seen if "badge_points(" in s]) == 1  # the standings query
