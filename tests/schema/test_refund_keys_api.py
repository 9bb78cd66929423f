"""A refund key sent again with other lines of the same order is an IDEMPOTENCY_CONFLICT."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.schema.test_purchases_api import (
    count,
    line,
    new_customer,
    points,
    record,
    refund,
    set_rules,
)
from tests.support.api import GraphQLClient
from tests.support.ledger import assert_ledger_sound


async def test_a_refund_key_sent_with_other_lines_is_an_idempotency_conflict(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: "the same key sent with a different request is refused with
    IDEMPOTENCY_CONFLICT on idempotencyKey and writes nothing" for every write that moves
    points (docs/api.md, Idempotency keys; the standards: same key, different input ->
    IDEMPOTENCY_CONFLICT). refundPurchase is such a write (docs/earning.md, Refunds).

    Given an order of 2 A and 2 B and a refund of one A under key "one-key", when the till
    sends "one-key" again for two B (a different refund: another amount, other points),
    then it must be IDEMPOTENCY_CONFLICT (it was answered `replayed: true` with the refund of
    one A and no error, so the till believes the two B were refunded while nothing was
    taken back for them)."""
    await set_rules(gql, pointsPerUnit=1, spendUnitMinor=100, awardStatus="PAID")
    cid = await new_customer(gql)
    done = await record(
        gql, "K-LINES", "PAID", [line("A", 2, 1000), line("B", 2, 1000)], customerId=cid
    )
    assert done["pointsAwarded"] == 40
    first = await refund(gql, "K-LINES", "one-key", [("A", 1)])
    assert first["userErrors"] == [] and first["refund"]["pointsTaken"] == 10

    # When the same key is sent for another refund of the same order
    other = await refund(gql, "K-LINES", "one-key", [("B", 2)])

    # Then it is refused as a conflict (and nothing more was written)
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_CONFLICT")
    ], other
    assert await count(engine, "refunds") == 1
    assert (await points(gql, cid))["points"]["balance"] == 30
    await assert_ledger_sound(engine)
