"""Given the database dropped every connection (as a restart does), then the API recovers
without the caller seeing an error on the hot paths, and nothing is written twice."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.tokens import create_staff_token
from domain.ledger.invariants import find_violations
from domain.uow import UnitOfWork
from tessera.database import create_engine
from tests.support.api import GraphQLClient, running_server
from tests.support.databases import fresh_database

CREATE = """mutation { createCustomer(input: {cardCode: "RES-1", idempotencyKey: "RES-1"}) {
  customer { id } userErrors { code } } }"""
CREDIT = """mutation($id: ID!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: 10, note: "n", idempotencyKey: $key}) {
    points { balance } userErrors { code } } }"""
PURCHASE = """mutation($id: ID!, $order: String!) {
  recordPurchase(input: {orderId: $order, customerId: $id, status: PAID,
                         lines: [{sku: "A", quantity: 1, unitPriceMinor: 500}]}) {
    pointsAwarded userErrors { code } } }"""


async def drop_every_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )


async def test_given_dropped_connections_when_crediting_and_buying_then_no_error(
    postgres_server: str,
) -> None:
    # A database of its own: dropping the session database's connections would hurt others.
    async with fresh_database(postgres_server) as database_url:
        engine = create_engine(database_url, pool_size=1)
        try:
            token = await create_staff_token(UnitOfWork(engine), "admin", "resilience")
            await exercise(database_url, engine, token)
        finally:
            await engine.dispose()


async def exercise(database_url: str, engine: AsyncEngine, token: str) -> None:
    async with (
        running_server(database_url) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        client = GraphQLClient(http, token)
        cid = (await client.data(CREATE))["createCustomer"]["customer"]["id"]
        for n in range(3):  # fill the server's pool
            await client.data(CREDIT, {"id": cid, "key": f"warm-{n}"})

        await drop_every_connection(engine)

        credited = await client.data(CREDIT, {"id": cid, "key": "after"})
        bought = await client.data(PURCHASE, {"id": cid, "order": "after-1"})
    assert credited["adjustPoints"] == {"points": {"balance": 40}, "userErrors": []}
    assert bought["recordPurchase"] == {"pointsAwarded": 5, "userErrors": []}
    async with engine.connect() as conn:
        assert await find_violations(conn) == []
