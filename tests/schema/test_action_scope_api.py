"""recordCustomerAction replays a reference already credited, also after the action's
scope was switched."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.schema.test_actions_api import POINTS, PROGRAM, configure, record, register
from tests.support.api import GraphQLClient


async def test_a_review_reported_again_after_its_scope_changed_is_still_a_replay(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: docs/earning.md "Actions that earn": the credit is "keyed in the ledger by
    customer, action and reference: the same reference again, at once or later, returns the
    first credit with `replayed: true`" (and docs/api.md "Idempotency keys": a retried write
    changes nothing); updateEarningActions changes what later actions earn, "Credits already
    made are not changed" (domain/actions/services.py update_earning_actions).

    Given reviews earning 10 each and Ann's review R-1 credited (balance 10),
    when reviews are switched to once per customer and R-1 is reported again,
    then it answers with the first credit (replayed) and her balance stays 10."""
    await configure(gql, [PROGRAM[2]])
    ann = await register(gql, "ann")
    first = await record(gql, ann, "REVIEW", "R-1")
    assert first["userErrors"] == [] and first["points"]["balance"] == 10

    await configure(gql, [{**PROGRAM[2], "oncePerCustomer": True}])
    again = await record(gql, ann, "REVIEW", "R-1")

    assert again["userErrors"] == []
    balance = (await gql.data(POINTS, {"id": ann}))["customer"]["points"]
    assert (again["replayed"], again["entry"]["id"], balance["balance"]) == (
        True,
        first["entry"]["id"],
        10,
    ), (again, balance)
