"""Given a running server, a staff member can register a customer and move points."""

from __future__ import annotations

from tests.support.api import GraphQLClient

CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id email cardCode category { id name } points { balance } }
    userErrors { field code message }
  }
}"""

ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) {
    entry { id points balanceAfter kind note }
    points { balance lifetimeEarned lifetimeSpent }
    replayed
    userErrors { field code message }
  }
}"""


async def test_create_customer_then_credit_and_debit(gql: GraphQLClient) -> None:
    created = (
        await gql.data(
            CREATE,
            {"input": {"email": "Ann@Example.com", "cardCode": "CARD-1", "idempotencyKey": "ann"}},
        )
    )["createCustomer"]
    assert created["userErrors"] == []
    customer = created["customer"]
    assert customer["email"] == "ann@example.com"
    assert customer["category"]["name"] == "Base"
    assert customer["points"]["balance"] == 0

    credit = await gql.data(
        ADJUST,
        {
            "input": {
                "customerId": customer["id"],
                "points": 100,
                "note": "welcome",
                "idempotencyKey": "k1",
            }
        },
    )
    assert credit["adjustPoints"]["userErrors"] == []
    assert credit["adjustPoints"]["entry"]["balanceAfter"] == 100
    debit = await gql.data(
        ADJUST,
        {
            "input": {
                "customerId": customer["id"],
                "points": -30,
                "note": "gift",
                "idempotencyKey": "k2",
            }
        },
    )
    assert debit["adjustPoints"]["points"] == {
        "balance": 70,
        "lifetimeEarned": 100,
        "lifetimeSpent": 30,
    }
    replay = await gql.data(
        ADJUST,
        {
            "input": {
                "customerId": customer["id"],
                "points": -30,
                "note": "gift",
                "idempotencyKey": "k2",
            }
        },
    )
    assert replay["adjustPoints"]["replayed"] is True
    assert replay["adjustPoints"]["points"]["balance"] == 70
