"""The back office sets who receives staff notices and the large-adjustment threshold through
its own operation files; a large adjustment made at a shop is then noticed to that shop's
manager and head office, and the delivery log shows the notices. Tills may not touch it."""

from __future__ import annotations

from contract_support import run, run_mutation
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.notifications.notices.support import last_event_id, pending_events, react
from tests.support.api import GraphQLClient, error_codes
from tests.support.loyalty import customer_with


async def test_a_manager_sets_recipients_and_a_large_adjustment_is_noticed(
    gql: GraphQLClient, clean_db: AsyncEngine, tokens: dict[str, str]
) -> None:
    manager = gql.as_(tokens["manager"])
    # Given the shop "centro"'s manager and head office, and a threshold of 2,000 points
    shop = {"email": "centro@shop.example", "shop": "centro", "kinds": ["LARGE_ADJUSTMENT"],
            "idempotencyKey": "centro"}  # fmt: skip
    added = await run_mutation(manager, "admin/AddNoticeRecipient", {"input": shop})
    assert added["recipient"]["shop"] == "centro" and added["replayed"] is False
    head = {"email": "hq@shop.example", "kinds": ["LARGE_ADJUSTMENT", "PROMOTION_STARTED"],
            "idempotencyKey": "hq"}  # fmt: skip
    hq = (await run_mutation(manager, "admin/AddNoticeRecipient", {"input": head}))["recipient"]
    threshold = {"input": {"points": 2000}}
    await run_mutation(manager, "admin/SetLargeAdjustmentThreshold", threshold)
    settings = (await run(manager, "admin/NoticeSettings"))["noticeSettings"]
    assert settings["largeAdjustmentPoints"] == 2000
    listed = (await run(manager, "admin/NoticeRecipients", {"first": 10}))["noticeRecipients"]
    assert [n["email"] for n in listed["nodes"]] == ["centro@shop.example", "hq@shop.example"]
    # When staff at "centro" credit a customer 2,500 points by hand
    customer = await customer_with(gql, 0)
    start = await last_event_id(clean_db)
    adjustment = {"customerId": customer, "points": 2500, "note": "contest", "shop": "centro",
                  "idempotencyKey": "big"}  # fmt: skip
    await run_mutation(manager, "admin/AdjustPoints", {"input": adjustment})
    await react(clean_db, await pending_events(clean_db, start))
    # Then both are noticed, as the delivery log shows
    log = await run(manager, "admin/MessageLog", {"first": 10})
    nodes = [e["node"] for e in log["messages"]["edges"]]
    assert sorted(n["recipient"] for n in nodes) == ["centro@shop.example", "hq@shop.example"]
    assert {n["subject"] for n in nodes} == {
        f"Large adjustment: +2,500 points for customer {customer}"
    }
    assert {(n["customerId"], n["purpose"], n["channel"]) for n in nodes} == {
        (None, "TRANSACTIONAL", "EMAIL")
    }
    # And head office, changed to promotions only then removed, is gone from the list
    changed = {"input": {"id": hq["id"], "kinds": ["PROMOTION_STARTED"]}}
    await run_mutation(manager, "admin/UpdateNoticeRecipient", changed)
    await run_mutation(manager, "admin/RemoveNoticeRecipient", {"input": {"id": hq["id"]}})
    listed = (await run(manager, "admin/NoticeRecipients"))["noticeRecipients"]
    assert [n["email"] for n in listed["nodes"]] == ["centro@shop.example"]
    # And a till may not read or change them
    till = gql.as_(tokens["cashier"])
    body = await till.post(
        "query { noticeRecipients { nodes { id } } noticeSettings { largeAdjustmentPoints } }"
    )
    assert set(error_codes(body)) == {"FORBIDDEN"}
