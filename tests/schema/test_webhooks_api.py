"""Given staff managing webhooks through GraphQL (the session's server allows 127.0.0.0/8),
when they subscribe a loopback receiver, read the delivery log and redeliver, then the
receiver gets the events signed with the subscription's secret; bad input is a user error
naming its field; roles without MANAGE_INTEGRATIONS are refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.webhook_receiver import Receiver, receiving
from tests.webhooks.support import config, customers_with_movements, dispatch_all, send_until

CREATE = """mutation($input: CreateWebhookSubscriptionInput!) {
  createWebhookSubscription(input: $input) {
    subscription { id url eventTypes secret active consecutiveFailures }
    replayed userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateWebhookSubscriptionInput!) {
  updateWebhookSubscription(input: $input) {
    subscription { id url eventTypes secret active description }
    userErrors { field code message } } }"""
REDELIVER = """mutation($input: RedeliverWebhookInput!) {
  redeliverWebhook(input: $input) {
    delivery { id status webhookId } userErrors { field code message } } }"""
DELIVERIES = """query($sub: ID, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(subscriptionId: $sub, status: $status, first: $first, after: $after) {
    nodes { id subscriptionId webhookId eventType customerId status attempts lastStatusCode
            deliveredAt }
    pageInfo { hasNextPage endCursor } } }"""
SUBSCRIPTIONS = "{ webhookSubscriptions { nodes { id url eventTypes active } } }"


def create_input(url: str, key: str = "hook-1", **more: Any) -> dict[str, Any]:
    return {
        "input": {"url": url, "eventTypes": ["CUSTOMER_REGISTERED"], "idempotencyKey": key, **more}
    }


async def test_a_manager_subscribes_a_receiver_reads_the_log_and_redelivers(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    manager = gql.as_(tokens["manager"])
    receiver = Receiver()
    async with receiving(receiver) as url:
        # Given a subscription made by a manager (replayed under its key)
        made = (await manager.data(CREATE, create_input(url)))["createWebhookSubscription"]
        again = (await manager.data(CREATE, create_input(url)))["createWebhookSubscription"]
        sub = made["subscription"]
        assert made["userErrors"] == [] and again["replayed"] is True
        assert again["subscription"] == sub and sub["active"] is True
        receiver.secret = sub["secret"]
        # When two customers register and the worker's passes run
        await customers_with_movements(clean_db, 2, 0)
        await dispatch_all(clean_db)
        await send_until(clean_db, config(), lambda: len(receiver.requests) >= 2)
        # Then the log shows both delivered, newest first, a page at a time
        page = await manager.data(DELIVERIES, {"sub": sub["id"], "first": 1})
        first = page["webhookDeliveries"]
        assert first["pageInfo"]["hasNextPage"] is True
        rest = await manager.data(
            DELIVERIES, {"sub": sub["id"], "after": first["pageInfo"]["endCursor"]}
        )
        log = first["nodes"] + rest["webhookDeliveries"]["nodes"]
        assert [(d["eventType"], d["status"], d["lastStatusCode"]) for d in log] == [
            ("CUSTOMER_REGISTERED", "DELIVERED", 204)
        ] * 2
        # (two customers' events: no order between them, only within each customer's)
        assert sorted(d["webhookId"] for d in log) == sorted(
            r.webhook_id for r in receiver.requests
        )
        # and a redelivery sends the newest again under the same webhook-id
        newest = log[0]
        redone = await manager.data(
            REDELIVER, {"input": {"id": newest["id"], "idempotencyKey": "r-1"}}
        )
        assert redone["redeliverWebhook"]["delivery"]["status"] == "PENDING"
        await send_until(clean_db, config(), lambda: len(receiver.requests) >= 3)
    assert receiver.requests[-1].webhook_id == newest["webhookId"]
    assert receiver.forged == 0
    failed = await manager.data(DELIVERIES, {"status": "FAILED"})
    assert failed["webhookDeliveries"]["nodes"] == []


async def test_bad_subscriptions_are_user_errors_naming_the_field(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    cases = {
        "https://10.0.0.1/hooks": "url",
        "https://169.254.169.254/latest/meta-data": "url",
        "http://[::1]:8080/": "url",
        "ftp://127.0.0.1/": "url",
        "not a url": "url",
        "": "url",
        "https://x:99999/": "url",
        "https://☃.example/": "url",
    }
    for index, (url, field) in enumerate(cases.items()):
        body = await gql.data(CREATE, create_input(url, key=f"bad-{index}"))
        errors = body["createWebhookSubscription"]["userErrors"]
        assert [e["field"] for e in errors] == [field], (url, errors)
        assert body["createWebhookSubscription"]["subscription"] is None
    empty = await gql.data(
        CREATE, {"input": {"url": "http://127.0.0.1:9/", "eventTypes": [], "idempotencyKey": "e"}}
    )
    assert [e["field"] for e in empty["createWebhookSubscription"]["userErrors"]] == ["eventTypes"]
    # A NUL in any text is refused before the resolver, naming the field (never a 500)
    for field, values in (
        ("url", {"url": "https://a\x00b/"}),
        ("description", {"description": "a\x00"}),
    ):
        variables = create_input("http://127.0.0.1:9/", key="nul")
        variables["input"].update(values)
        answer = await gql.http.post(
            "/graphql",
            json={"query": CREATE, "variables": variables},
            headers={"Authorization": f"Bearer {gql.token}"},
        )
        error = answer.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == f"input.{field}"
    unknown = await gql.post(
        CREATE,
        {"input": {"url": "http://127.0.0.1:9/", "eventTypes": ["NOPE"], "idempotencyKey": "u"}},
    )
    assert error_codes(unknown) == ["BAD_USER_INPUT"]
    # A key used for another subscription is a conflict; an unknown id is NOT_FOUND
    await gql.data(CREATE, create_input("http://127.0.0.1:9/a", key="k"))
    conflict = await gql.data(CREATE, create_input("http://127.0.0.1:9/b", key="k"))
    assert [e["code"] for e in conflict["createWebhookSubscription"]["userErrors"]] == [
        "IDEMPOTENCY_CONFLICT"
    ]
    missing = await gql.data(UPDATE, {"input": {"id": "999", "active": False}})
    assert [e["code"] for e in missing["updateWebhookSubscription"]["userErrors"]] == ["NOT_FOUND"]
    gone = await gql.data(REDELIVER, {"input": {"id": "999", "idempotencyKey": "x"}})
    assert [e["code"] for e in gone["redeliverWebhook"]["userErrors"]] == ["NOT_FOUND"]
    assert (await gql.data(SUBSCRIPTIONS))["webhookSubscriptions"]["nodes"][0]["url"].endswith("/a")


async def test_an_update_changes_what_it_names_and_rotates_the_secret(
    gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    made = await gql.data(CREATE, create_input("http://127.0.0.1:9/hooks"))
    sub = made["createWebhookSubscription"]["subscription"]
    changed = await gql.data(
        UPDATE,
        {
            "input": {
                "id": sub["id"],
                "eventTypes": ["POINTS_EARNED", "CARD_ISSUED"],
                "description": "ERP",
                "rotateSecret": True,
            }
        },
    )
    after = changed["updateWebhookSubscription"]["subscription"]
    assert after["url"] == sub["url"] and after["description"] == "ERP"
    assert after["eventTypes"] == ["POINTS_EARNED", "CARD_ISSUED"]
    assert after["secret"] != sub["secret"] and after["secret"].startswith("whsec_")
    refused = await gql.data(UPDATE, {"input": {"id": sub["id"], "url": "https://10.1.1.1/"}})
    assert [e["field"] for e in refused["updateWebhookSubscription"]["userErrors"]] == ["url"]


async def test_roles_without_manage_integrations_are_refused(
    gql: GraphQLClient, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    for role in ("cashier", "viewer", "marketer"):
        caller = gql.as_(tokens[role])
        for document, variables in (
            (CREATE, create_input("http://127.0.0.1:9/", key=role)),
            (SUBSCRIPTIONS, None),
            (DELIVERIES, {}),
        ):
            assert error_codes(await caller.post(document, variables)) == ["FORBIDDEN"], role
    assert (await gql.data(SUBSCRIPTIONS))["webhookSubscriptions"]["nodes"] == []
