"""Expiry over HTTP: the validity setting, what a customer sees expiring soon, and the
lifetime totals after the daily job ran."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.expiring import expire_points
from domain.uow import UnitOfWork
from tests.domain.ledger.test_expiry import midnight_after
from tests.schema.test_batching import statements
from tests.support.api import GraphQLClient, customer_token, error_codes
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import CREATE_CUSTOMER
from tests.support.refusals import assert_refused

SET = """mutation($input: UpdatePointsExpiryInput!) { updatePointsExpiry(input: $input) {
  expiry { validityDays validityMonths } userErrors { field code message } } }"""
GET = "{ pointsExpiry { validityDays validityMonths } }"
ADJUST = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    entry { createdAt } userErrors { code } } }"""
MINE = """query($days: Int!) { me { points {
  balance lifetimeEarned lifetimeSpent lifetimeExpired
  expiringSoon(withinDays: $days) { date expiresAt points } }
  ledger(first: 1) { nodes { points kind note } } } }"""


async def validity(gql: GraphQLClient, **values: int | None) -> None:
    payload = (await gql.data(SET, {"input": values}))["updatePointsExpiry"]
    assert payload["userErrors"] == [], payload["userErrors"]


async def adjust(gql: GraphQLClient, cid: str, points: int, key: str) -> datetime:
    moved = (await gql.data(ADJUST, {"id": cid, "points": points, "key": key}))["adjustPoints"]
    assert moved["userErrors"] == []
    return datetime.fromisoformat(moved["entry"]["createdAt"])


async def test_readme_expiry_example(gql: GraphQLClient, engine: AsyncEngine) -> None:
    """Points valid 30 days: Ann gets 100; then 60 days: she gets 40; she spends 30, which
    come from the 100 (they expire first). Her app shows 70 expiring at the end of day 30
    and 40 at the end of day 60. The daily job run after day 30 expires 70 (not 100): her
    balance is 40, lifetime earned stays 140, spent 30, expired 70."""
    made = await gql.data(
        CREATE_CUSTOMER, {"input": {"externalRef": "ann", "idempotencyKey": "ann"}}
    )
    cid = made["createCustomer"]["customer"]["id"]
    await validity(gql, validityDays=30)
    first = await adjust(gql, cid, 100, "a")
    await validity(gql, validityDays=60)
    second = await adjust(gql, cid, 40, "b")
    await adjust(gql, cid, -30, "c")
    assert (await gql.data(GET))["pointsExpiry"] == {"validityDays": 60, "validityMonths": None}

    app = gql.as_(customer_token("ann"))
    soon = (await app.data(MINE, {"days": 90}))["me"]["points"]["expiringSoon"]
    day_30, day_60 = midnight_after(first, 30), midnight_after(second, 60)
    assert [(s["date"], s["points"]) for s in soon] == [
        (day_30.date().isoformat(), 70),
        (day_60.date().isoformat(), 40),
    ]
    assert datetime.fromisoformat(soon[0]["expiresAt"]) == day_30
    # Nothing expires within the next 30 days yet
    assert (await app.data(MINE, {"days": 30}))["me"]["points"]["expiringSoon"] == []

    # When the daily job runs just after the first date
    run = await expire_points(UnitOfWork(engine), day_30 + timedelta(minutes=5))
    assert run.points == 70

    # Then her area shows what expired, and her lifetime earned is untouched
    me = (await app.data(MINE, {"days": 90}))["me"]
    assert me["points"] == {
        "balance": 40,
        "lifetimeEarned": 140,
        "lifetimeSpent": 30,
        "lifetimeExpired": 70,
        "expiringSoon": [
            {"date": day_60.date().isoformat(), "expiresAt": day_60.isoformat(), "points": 40}
        ],
    }
    assert me["ledger"]["nodes"] == [{"points": -70, "kind": "EXPIRY", "note": "Points expired"}]
    await assert_ledger_sound(engine)


async def test_bad_validities_are_refused_and_write_nothing(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    for values, field, code in (
        ({"validityDays": 30, "validityMonths": 1}, "validityMonths", "INVALID"),
        ({"validityDays": 0}, "validityDays", "OUT_OF_RANGE"),
        ({"validityDays": 3661}, "validityDays", "OUT_OF_RANGE"),
        ({"validityMonths": -1}, "validityMonths", "OUT_OF_RANGE"),
        ({"validityMonths": 121}, "validityMonths", "OUT_OF_RANGE"),
    ):
        await assert_refused(gql, engine, SET, values, field, code)
    assert (await gql.data(GET))["pointsExpiry"] == {"validityDays": None, "validityMonths": None}
    # Both null: points never expire again
    await validity(gql, validityMonths=12)
    await validity(gql)
    assert (await gql.data(GET))["pointsExpiry"] == {"validityDays": None, "validityMonths": None}


async def test_a_window_out_of_range_is_a_bad_input_and_marketers_set_the_validity(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    made = await gql.data(
        CREATE_CUSTOMER, {"input": {"externalRef": "bea", "idempotencyKey": "bea"}}
    )
    assert made["createCustomer"]["customer"]["id"]
    app = gql.as_(customer_token("bea"))
    body = await app.post(MINE, {"days": -1})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "withinDays"
    await validity(gql.as_(tokens["marketer"]), validityDays=365)
    assert error_codes(await gql.as_(tokens["cashier"]).post(SET, {"input": {}})) == ["FORBIDDEN"]
    assert error_codes(await app.post(SET, {"input": {}})) == ["FORBIDDEN"]
    assert (await gql.as_(tokens["cashier"]).data(GET))["pointsExpiry"]["validityDays"] == 365


async def test_a_list_of_customers_reads_expiring_points_in_one_query(gql: GraphQLClient) -> None:
    # Given five customers with 10, 11, ... points valid a year
    await validity(gql, validityMonths=12)
    for n in range(5):
        made = await gql.data(
            CREATE_CUSTOMER, {"input": {"cardCode": f"EXP-{n}", "idempotencyKey": f"EXP-{n}"}}
        )
        await adjust(gql, made["createCustomer"]["customer"]["id"], 10 + n, f"e{n}")
    # When the list asks each one's expiring points
    listing = """{ customers(first: 10) { nodes {
      points { expiringSoon(withinDays: 400) { points } } } } }"""
    with statements() as seen:
        nodes = (await gql.data(listing))["customers"]["nodes"]
    # Then one query read them all
    assert [n["points"]["expiringSoon"] for n in nodes] == [[{"points": 10 + n}] for n in range(5)]
    assert len([s for s in seen if "FROM point_lots" in s]) == 1


RECORD = """mutation($id: ID!) { recordPurchase(input: {orderId: "EXP-1", customerId: $id,
  status: PAID, lines: [{sku: "A", quantity: 1, unitPriceMinor: 10000}]}) {
  pointsAwarded userErrors { code } } }"""
REFUND = """mutation { refundPurchase(input: {orderId: "EXP-1", idempotencyKey: "exp-r"}) {
  refund { pointsDue pointsTaken pointsExpired pointsUncollected }
  points { balance lifetimeEarned lifetimeExpired } userErrors { code } } }"""


async def test_a_refund_does_not_take_back_points_that_already_expired(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given points valid 30 days, a 100.00 purchase that earned 100, 30 of them spent, the
    # other 70 expired; and 200 points credited since
    made = await gql.data(
        CREATE_CUSTOMER, {"input": {"externalRef": "rex", "idempotencyKey": "rex"}}
    )
    cid = made["createCustomer"]["customer"]["id"]
    await validity(gql, validityDays=30)
    assert (await gql.data(RECORD, {"id": cid}))["recordPurchase"]["pointsAwarded"] == 100
    spent = await adjust(gql, cid, -30, "spend")
    run = await expire_points(UnitOfWork(engine), midnight_after(spent, 30) + timedelta(hours=1))
    assert run.points == 70
    await adjust(gql, cid, 200, "later")
    # When the whole order is refunded
    refunded = (await gql.data(REFUND))["refundPurchase"]
    # Then the 70 that expired are not taken again: only the 30 spent come off the balance
    assert refunded["refund"] == {
        "pointsDue": 100,
        "pointsTaken": 30,
        "pointsExpired": 70,
        "pointsUncollected": 0,
    }
    assert refunded["points"]["balance"] == 170
    await assert_ledger_sound(engine)
