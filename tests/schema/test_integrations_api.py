"""Platform connections and the integration log through GraphQL (MANAGE_INTEGRATIONS):
setting a connection up (Dolibarr's token shown once, a replay writes nothing and shows
none), its input refused field by field, and the log of what the platforms delivered,
filtered and paged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient

CONNECT = """mutation($input: ConnectPlatformInput!) { connectPlatform(input: $input) {
  connection { shop platform webhookPath createCustomers statusMap { platformStatus mapsTo } }
  dolibarrToken replayed userErrors { field code message } } }"""
LOG = """query($filter: IntegrationLogFilterInput, $first: Int, $after: String) {
  integrationLog(filter: $filter, first: $first, after: $after) {
    nodes { platform shop topic outcome reason orderId httpStatus }
    pageInfo { hasNextPage endCursor } } }"""
SECRET = "0123456789abcdef-secret"


async def test_connections_are_set_up_and_refused_field_by_field(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    dolibarr = {"shop": "erp", "platform": "DOLIBARR", "idempotencyKey": "c-1",
                "statusMap": [{"platformStatus": "BILL_VALIDATE", "mapsTo": "PAID"}]}  # fmt: skip
    first = (await gql.data(CONNECT, {"input": dolibarr}))["connectPlatform"]
    assert first["userErrors"] == [] and len(first["dolibarrToken"]) >= 40
    assert first["connection"] == {
        "shop": "erp",
        "platform": "DOLIBARR",
        "webhookPath": "/integrations/dolibarr/erp/<token>",
        "createCustomers": False,
        "statusMap": [{"platformStatus": "BILL_VALIDATE", "mapsTo": "PAID"}],
    }
    replay = (await gql.data(CONNECT, {"input": dolibarr}))["connectPlatform"]
    assert (replay["replayed"], replay["dolibarrToken"]) == (True, None)

    bad = {"shop": "", "platform": "SHOPIFY", "secret": "short", "idempotencyKey": "c-2",
           "statusMap": [{"platformStatus": "paid", "mapsTo": "SHIPPED"}]}  # fmt: skip
    refused = (await gql.data(CONNECT, {"input": bad}))["connectPlatform"]
    assert {e["field"] for e in refused["userErrors"]} == {"shop", "secret", "statusMap.0.mapsTo"}
    listed = await gql.data("{ platformConnections { shop platform } }")
    assert listed["platformConnections"] == [{"shop": "erp", "platform": "DOLIBARR"}]


async def test_the_log_shows_what_the_platforms_delivered(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    woo = {"shop": "web", "platform": "WOOCOMMERCE", "secret": SECRET, "idempotencyKey": "w"}
    await gql.data(CONNECT, {"input": woo})
    for n, body in enumerate((b"{}", b"[]", json.dumps({"id": 1, "status": "failed"}).encode())):
        signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
        answer = await gql.http.post(
            "/integrations/woocommerce/web",
            content=body,
            headers={
                "X-WC-Webhook-Signature": signature.decode(),
                "X-WC-Webhook-Topic": "order.updated",
                "X-WC-Webhook-Delivery-ID": f"d-{n}",
            },
        )
        assert answer.status_code in (200, 400), answer.text

    everything = (await gql.data(LOG, {"first": 2}))["integrationLog"]
    assert [n["outcome"] for n in everything["nodes"]] == ["IGNORED", "REJECTED"]
    assert everything["pageInfo"]["hasNextPage"]
    rest = await gql.data(LOG, {"first": 2, "after": everything["pageInfo"]["endCursor"]})
    assert [n["reason"] for n in rest["integrationLog"]["nodes"]] == ["id is required."]
    rejected = await gql.data(LOG, {"filter": {"outcome": "REJECTED", "platform": "WOOCOMMERCE"}})
    assert [n["httpStatus"] for n in rejected["integrationLog"]["nodes"]] == [400, 400]
    # A cashier may not read it
    cashier = await gql.as_(tokens["cashier"]).post(LOG, {})
    assert cashier["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_unknown_path_or_method_is_not_a_server_error(gql: GraphQLClient) -> None:
    http: httpx.AsyncClient = gql.http
    for path in ("/integrations/woocommerce/", "/integrations/dolibarr/x", "/integrations/x/y"):
        assert (await http.post(path, content=b"{}")).status_code in (404, 405)
    assert (await http.get("/integrations/shopify/web")).status_code == 405


async def test_the_same_key_with_other_settings_is_a_conflict_and_changes_nothing(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    woo = {"shop": "web", "platform": "WOOCOMMERCE", "secret": SECRET, "idempotencyKey": "w"}
    assert (await gql.data(CONNECT, {"input": woo}))["connectPlatform"]["userErrors"] == []
    for change in (
        {"secret": "another-secret-0123456789"},  # the shop rotated it: a new call, a new key
        {"createCustomers": True},
        {"statusMap": [{"platformStatus": "processing", "mapsTo": "COMPLETED"}]},
    ):
        refused = (await gql.data(CONNECT, {"input": {**woo, **change}}))["connectPlatform"]
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            ("idempotencyKey", "IDEMPOTENCY_CONFLICT")
        ], change
    replay = (await gql.data(CONNECT, {"input": woo}))["connectPlatform"]
    assert (replay["replayed"], replay["userErrors"]) == (True, [])
    async with clean_db.connect() as conn:
        stored = (await conn.execute(text("SELECT secret FROM platform_connections"))).scalar()
    assert stored == SECRET
