"""Data for the browser tests, made through the API with the contract's own operation files
(as the back office and the till send them)."""

from __future__ import annotations

import functools
from typing import Any

from tests.support.api import GraphQLClient
from tests.support.console import OPERATIONS_DIR


@functools.cache
def operation(name: str) -> str:
    """The text of frontend-contract/operations/<name>.graphql, e.g. "admin/AdjustPoints"."""
    return (OPERATIONS_DIR / f"{name}.graphql").read_text(encoding="utf-8")


async def mutate(client: GraphQLClient, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Run a mutation file; its payload, which must carry no userErrors."""
    data = await client.data(operation(name), variables)
    (payload,) = data.values()
    assert payload["userErrors"] == [], payload["userErrors"]
    result: dict[str, Any] = payload
    return result


async def new_customer(client: GraphQLClient, ref: str, first_name: str, **extra: Any) -> str:
    """A customer with external reference `ref`; its id."""
    created = await mutate(
        client,
        "admin/CreateCustomer",
        {"input": {"externalRef": ref, "firstName": first_name, "idempotencyKey": ref, **extra}},
    )
    customer_id: str = created["customer"]["id"]
    return customer_id


async def adjust(client: GraphQLClient, customer_id: str, points: int, note: str) -> None:
    """Credit (or debit) points by hand with a note (the note is the idempotency key)."""
    await mutate(
        client,
        "admin/AdjustPoints",
        {
            "input": {
                "customerId": customer_id,
                "points": points,
                "note": note,
                "idempotencyKey": note,
            }
        },
    )


async def purchase(
    client: GraphQLClient, customer_id: str, order_id: str, amount_minor: int
) -> int:
    """A paid one-line purchase at the till; the points it earned."""
    sale = {
        "orderId": order_id,
        "status": "PAID",
        "customerId": customer_id,
        "lines": [{"sku": "JACKET", "quantity": 1, "unitPriceMinor": amount_minor}],
    }
    recorded = await mutate(client, "pos/RecordPurchase", {"input": sale})
    earned: int = recorded["pointsAwarded"]
    return earned
