"""A refund racing the expiry job never takes back points the customer already lost to expiry."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# The expiry job's own statements (ExpireBatch._expire runs exactly these two, in one
# transaction): run here on a connection the test controls, so that the job's transaction
# can be made to commit while the refund is between its two reads.
from domain.ledger.expiry_job import _EXPIRE, _LOCK_DUE, ACTOR, NOTE
from tests.schema.test_purchases_api import line, new_customer, record, set_rules
from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound

SET_EXPIRY = """mutation($input: UpdatePointsExpiryInput!) { updatePointsExpiry(input: $input) {
  userErrors { field code message } } }"""
ADJUST = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    userErrors { code } } }"""
REFUND = """mutation { refundPurchase(input: {orderId: "EXP-RACE", idempotencyKey: "exp-race"}) {
  refund { pointsDue pointsTaken pointsExpired pointsUncollected }
  points { balance lifetimeExpired } userErrors { field code } } }"""
OTHERS_WAITING_ON_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
)


async def test_a_refund_racing_the_expiry_job_does_not_take_back_points_that_expired(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: "Points that have already expired from the order's lot are not taken again
    (the customer lost them once): they are recorded as pointsExpired on the refund"
    (docs/earning.md, Refunds; and Expiry: "A refund after an order's points expired does
    not take the expired ones again"); a refund takes back exactly what the docs'
    arithmetic says whatever the order of steps, and two writers racing must not make a
    customer lose the same points twice.

    Given 500 points that never expire and a purchase whose 100 points expire, when the
    daily expiry job and a refund of the whole order run at the same moment (the job
    commits while the refund waits for the balance row), then the refund must record the
    100 as expired and take nothing: balance 500. It takes 100 more instead (balance 400,
    pointsExpired 0): the customer loses the order's points twice."""
    await set_rules(gql, pointsPerUnit=1, spendUnitMinor=100, awardStatus="PAID")
    cid = await new_customer(gql)
    # Given 500 points credited while points never expire
    assert (await gql.data(ADJUST, {"id": cid, "points": 500, "key": "keep"}))["adjustPoints"][
        "userErrors"
    ] == []
    # and a 100.00 purchase earning 100 points valid one day
    set_validity = await gql.data(SET_EXPIRY, {"input": {"validityDays": 1}})
    assert set_validity["updatePointsExpiry"]["userErrors"] == []
    done = await record(gql, "EXP-RACE", "PAID", [line("A", 1, 10000)], customerId=cid)
    assert done["pointsAwarded"] == 100
    as_of = datetime.now(UTC) + timedelta(days=3)  # the job's run, after the lot's date

    async with engine.connect() as job:
        await job.begin()
        # The job's transaction locks the customer's balance row (as _LOCK_DUE does) ...
        locked = [
            r.customer_id
            for r in await job.execute(_LOCK_DUE, {"now": as_of, "after": 0, "batch": 1000})
        ]
        assert locked == [int(cid)]
        # ... when the refund of the whole order arrives and waits for that row
        refunding = asyncio.create_task(gql.data(REFUND))
        deadline = time.monotonic() + 10
        while not (await job.execute(OTHERS_WAITING_ON_A_LOCK)).scalar_one():
            assert time.monotonic() < deadline, "the refund never waited for the balance row"
            assert not refunding.done(), refunding.result()
            await asyncio.sleep(0.01)
        # The job expires the order's 100 points and commits
        expired = (
            await job.execute(
                _EXPIRE,
                {
                    "ids": locked,
                    "now": as_of,
                    "as_of": as_of.isoformat(),
                    "note": NOTE,
                    "actor": ACTOR,
                },
            )
        ).one()
        assert expired.points == 100
        await job.commit()

    answer = (await refunding)["refundPurchase"]
    assert answer["userErrors"] == []
    # Then the 100 lost to expiry are not taken again: the 500 stay
    assert answer["refund"] == {
        "pointsDue": 100,
        "pointsTaken": 0,
        "pointsExpired": 100,
        "pointsUncollected": 0,
    }, answer
    assert answer["points"] == {"balance": 500, "lifetimeExpired": 100}
    await assert_ledger_sound(engine)
