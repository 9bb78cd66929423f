"""Every create takes an idempotency key: a retried create (after a timeout, a lost answer,
a double click) returns the first object and writes nothing, also when the retries arrive
at once; the key used again for something else is refused."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound
from tests.support.refusals import assert_refused, counts


@dataclass(frozen=True)
class Create:
    """A create mutation: its name, the object its payload returns, the table it writes,
    a valid input, and a change to that input that asks for something else."""

    mutation: str
    returns: str
    table: str
    input: dict[str, Any]
    other: dict[str, Any]

    @property
    def document(self) -> str:
        kind = self.mutation[len("create") :]
        return (
            f"mutation($input: Create{kind}Input!) {{ {self.mutation}(input: $input) {{ "
            f"{self.returns} {{ id }} replayed userErrors {{ field code message }} }} }}"
        )


CREATES = [
    Create(
        "createCustomer",
        "customer",
        "customers",
        {"externalRef": "ann-1", "cardCode": "CARD-ANN", "firstName": "Ann"},
        {"firstName": "Anna"},
    ),
    Create(
        "createPointCategory",
        "category",
        "point_categories",
        {"name": "Gold", "earnMultiplier": "2", "isDefault": True},
        {"earnMultiplier": "3"},
    ),
    Create(
        "createReward",
        "reward",
        "rewards",
        {
            "name": "Mug",
            "kind": "FREE_PRODUCT",
            "costPoints": 300,
            "voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG"},
        },
        {"costPoints": 400},
    ),
    Create(
        "createPromotion",
        "promotion",
        "promotions",
        {
            "name": "Double weekend",
            "startsAt": "2030-03-01T00:00:00Z",
            "endsAt": "2030-03-03T00:00:00Z",
            "multiplier": "2",
        },
        {"multiplier": "3"},
    ),
    Create(
        "createGiftSchedule",
        "schedule",
        "gift_schedules",
        {"name": "Monthly", "cron": "0 9 1 * *", "points": 5, "description": "Thanks"},
        {"points": 6},
    ),
]


def ids(create: Create) -> str:
    return create.mutation


async def send(gql: GraphQLClient, create: Create, input: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(create.document, {"input": input}))[create.mutation]
    return payload


async def rows(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


@pytest.mark.parametrize("create", CREATES, ids=ids)
async def test_a_create_retried_returns_the_first_object_and_writes_nothing(
    gql: GraphQLClient, engine: AsyncEngine, create: Create
) -> None:
    # Given a create that succeeded, but whose answer the caller did not get
    keyed = {**create.input, "idempotencyKey": "retry-1"}
    first = await send(gql, create, keyed)
    assert (first["userErrors"], first["replayed"]) == ([], False)
    before = await counts(engine)
    # When the caller sends it again with the same key
    again = await send(gql, create, keyed)
    # Then it gets the first object back, marked replayed, and nothing more was written
    assert again["userErrors"] == []
    assert (again["replayed"], again[create.returns]["id"]) == (True, first[create.returns]["id"])
    assert await counts(engine) == before


@pytest.mark.parametrize("create", CREATES, ids=ids)
async def test_a_used_key_sent_with_another_request_is_a_conflict(
    gql: GraphQLClient, engine: AsyncEngine, create: Create
) -> None:
    # Given a create made under a key
    await send(gql, create, {**create.input, "idempotencyKey": "used"})
    # When the same key comes with other settings, then it is refused on the key, and
    # nothing is written
    other = {**create.input, **create.other, "idempotencyKey": "used"}
    await assert_refused(
        gql, engine, create.document, other, "idempotencyKey", "IDEMPOTENCY_CONFLICT"
    )


@pytest.mark.parametrize("create", CREATES, ids=ids)
async def test_a_blank_key_is_required_and_nothing_is_written(
    gql: GraphQLClient, engine: AsyncEngine, create: Create
) -> None:
    blank = {**create.input, "idempotencyKey": "  "}
    await assert_refused(gql, engine, create.document, blank, "idempotencyKey", "REQUIRED")


@pytest.mark.parametrize("create", CREATES, ids=ids)
async def test_thirty_identical_creates_at_once_make_exactly_one_object(
    gql: GraphQLClient, engine: AsyncEngine, create: Create
) -> None:
    # Given 30 copies of one create (a client retrying hard), sent at once
    keyed = {**create.input, "idempotencyKey": "rush"}
    before = await rows(engine, create.table)
    answers = await asyncio.gather(*(send(gql, create, keyed) for _ in range(30)))
    # Then every one succeeded with the same object, exactly one of them made it
    assert [a["userErrors"] for a in answers] == [[]] * 30
    assert len({a[create.returns]["id"] for a in answers}) == 1
    assert sorted(a["replayed"] for a in answers) == [False] + [True] * 29
    # And the table holds one more row
    assert await rows(engine, create.table) == before + 1
    await assert_ledger_sound(engine)


ACTIONS = """mutation($input: UpdateEarningActionsInput!) { updateEarningActions(input: $input) {
  userErrors { code } } }"""
BALANCE = "query($id: ID!) { customer(id: $id) { points { balance } } }"


async def test_a_registration_retried_at_once_credits_its_points_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given registration earning 50 points
    welcome = {"actions": [{"action": "REGISTRATION", "points": 50, "oncePerCustomer": True}]}
    assert (await gql.data(ACTIONS, {"input": welcome}))["updateEarningActions"]["userErrors"] == []
    # When the shop's signup form sends the same registration 30 times at once
    signup = CREATES[0]
    keyed = {**signup.input, "idempotencyKey": "signup-ann"}
    answers = await asyncio.gather(*(send(gql, signup, keyed) for _ in range(30)))
    # Then Ann exists once, with her 50 points credited once
    (cid,) = {a["customer"]["id"] for a in answers}
    assert (await gql.data(BALANCE, {"id": cid}))["customer"]["points"]["balance"] == 50
    assert await rows(engine, "ledger_entries") == 1
    await assert_ledger_sound(engine)
