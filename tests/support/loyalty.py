"""Steps the voucher and reward tests share: customers with points, batches of codes, and
the checks that must hold after every scenario."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient

CREATE_CUSTOMER = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } } }"""
CREDIT = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "start", idempotencyKey: $key}) {
    userErrors { code } } }"""
CREATE_BATCH = """mutation($input: CreateVoucherBatchInput!) {
  createVoucherBatch(input: $input) {
    batch { id name prefix count codeLength kind valueMinor percentBp giftSku validFrom
            validUntil maxUses minCartMinor csvPath }
    replayed userErrors { field code message } } }"""
CODES = """query($batch: ID!, $first: Int, $after: String) {
  vouchers(first: $first, after: $after, filter: {batchId: $batch}) {
    nodes { code status uses } pageInfo { hasNextPage endCursor } } }"""
POINTS = "query($id: ID!) { customer(id: $id) { points { balance held spendable } } }"


async def customer_with(gql: GraphQLClient, points: int = 0, ref: str | None = None) -> str:
    """A new customer (with this external ref) credited `points`."""
    fields = {"externalRef": ref} if ref else {}
    created = await gql.data(CREATE_CUSTOMER, {"input": {**fields, "idempotencyKey": uuid4().hex}})
    cid: str = created["createCustomer"]["customer"]["id"]
    if points:
        credited = await gql.data(CREDIT, {"id": cid, "points": points, "key": f"start-{cid}"})
        assert credited["adjustPoints"]["userErrors"] == []
    return cid


async def points_of(gql: GraphQLClient, customer_id: str) -> dict[str, int]:
    found: dict[str, int] = (await gql.data(POINTS, {"id": customer_id}))["customer"]["points"]
    return found


async def create_batch(gql: GraphQLClient, **input: Any) -> dict[str, Any]:
    """createVoucherBatch's payload; a 10-code, single-use 5.00 batch unless told otherwise."""
    values: dict[str, Any] = {
        "name": "Spring",
        "count": 10,
        "kind": "FIXED_AMOUNT",
        "valueMinor": 500,
        "idempotencyKey": f"batch-{input.get('name', 'Spring')}-{input.get('count', 10)}",
        **input,
    }
    payload: dict[str, Any] = (await gql.data(CREATE_BATCH, {"input": values}))[
        "createVoucherBatch"
    ]
    return payload


async def one_code(gql: GraphQLClient, **input: Any) -> str:
    """The code of a new one-code batch with these terms."""
    input.setdefault("name", f"one-{sorted(input.items())}")
    batch = await create_batch(gql, count=1, **input)
    assert batch["userErrors"] == [], batch["userErrors"]
    found = await gql.data(CODES, {"batch": batch["batch"]["id"]})
    code: str = found["vouchers"]["nodes"][0]["code"]
    return code


async def events_of(engine: AsyncEngine, event_type: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT customer_id, payload FROM domain_events WHERE type = :t ORDER BY id"),
            {"t": event_type},
        )
        return [{"customer_id": r.customer_id, **r.payload} for r in rows]


async def bare_customers(engine: AsyncEngine, count: int) -> None:
    """`count` customers in the default category with empty accounts, written directly
    (thousands in a moment)."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO customers (category_id) SELECT id FROM point_categories, "
                "generate_series(1, :n) WHERE is_default"
            ),
            {"n": count},
        )
        await conn.execute(
            text(
                "INSERT INTO point_accounts (customer_id) SELECT id FROM customers "
                "WHERE id NOT IN (SELECT customer_id FROM point_accounts)"
            )
        )
