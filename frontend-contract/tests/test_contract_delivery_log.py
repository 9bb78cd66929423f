"""The back office reads the delivery log and its totals through its own operation files,
with the filters it offers (customer, channel, status, period) and a page at a time; tills
and customer apps may not read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract_support import customer_token, operation, run
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, NewMessage, Purpose
from notifications.delivery.queueing import queue_message
from notifications.delivery.sending import Channels, deliver
from tests.support.api import GraphQLClient, error_codes


async def _log(engine: AsyncEngine) -> dict[str, int]:
    """Ann: an email captured by the sandbox, an SMS suppressed (no SMS consent), an email
    still queued; Ben: one captured email."""
    ids = {}
    for ref in ("ann", "ben"):
        values = {"external_ref": ref, "email": f"{ref}@example.com", "consent_email": True,
                  "phone": "+393331234567"}  # fmt: skip
        ids[ref] = (await create_customer(UnitOfWork(engine), values, None)).item.id
    made = [
        ("ann-1", Channel.EMAIL, "ann@example.com", ids["ann"], True),
        ("ann-2", Channel.SMS, "+393331234567", ids["ann"], True),
        ("ann-3", Channel.EMAIL, "ann@example.com", ids["ann"], False),
        ("ben-1", Channel.EMAIL, "ben@example.com", ids["ben"], True),
    ]
    for key, channel, to, customer, send in made:
        content = (
            {"subject": f"Hi {key}", "text": "120 points"}
            if channel is Channel.EMAIL
            else {"text": "120 points"}
        )
        new = NewMessage(key, channel, Purpose.TRANSACTIONAL, to, content, customer_id=customer)
        queued = await queue_message(UnitOfWork(engine), new)
        if send:
            await deliver(UnitOfWork(engine), queued.message.id, Channels())
    return ids


async def test_the_log_is_filtered_paged_and_totalled(
    gql: GraphQLClient, clean_db: AsyncEngine, tokens: dict[str, str]
) -> None:
    ids = await _log(clean_db)
    everything = await run(gql, "admin/MessageLog", {"first": 10})
    nodes = [e["node"] for e in everything["messages"]["edges"]]
    assert [(n["subject"], n["status"], n["statusReason"]) for n in nodes] == [
        ("Hi ben-1", "CAPTURED", "SANDBOX"),
        ("Hi ann-3", "QUEUED", None),
        (None, "SUPPRESSED", "NO_CONSENT"),
        ("Hi ann-1", "CAPTURED", "SANDBOX"),
    ]
    anns_email = {"customerId": str(ids["ann"]), "channel": "EMAIL"}
    first = await run(gql, "admin/MessageLog", {"first": 1, "filter": anns_email})
    assert [e["node"]["subject"] for e in first["messages"]["edges"]] == ["Hi ann-3"]
    assert first["messages"]["pageInfo"]["hasNextPage"] is True
    after = first["messages"]["pageInfo"]["endCursor"]
    rest = await run(gql, "admin/MessageLog", {"first": 5, "after": after, "filter": anns_email})
    assert [e["node"]["subject"] for e in rest["messages"]["edges"]] == ["Hi ann-1"]

    totals = await run(gql, "admin/MessageTotals", {})
    counts = {t["status"]: t["count"] for t in totals["messageTotals"]}
    assert counts["CAPTURED"] == 2 and counts["SUPPRESSED"] == 1 and counts["QUEUED"] == 1
    assert counts["SENT"] == 0 and len(counts) == 9
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    none = await run(gql, "admin/MessageTotals", {"filter": {"since": later}})
    assert sum(t["count"] for t in none["messageTotals"]) == 0

    viewer = await run(gql.as_(tokens["viewer"]), "admin/MessageTotals", {})
    assert viewer["messageTotals"] == totals["messageTotals"]


async def test_a_bad_period_is_refused_naming_the_field(gql: GraphQLClient) -> None:
    body = await gql.post(
        operation("admin/MessageLog"),
        {"filter": {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}},
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "filter.until"


async def test_tills_and_customers_cannot_read_the_log(
    gql: GraphQLClient, clean_db: AsyncEngine, tokens: dict[str, str]
) -> None:
    await _log(clean_db)
    cashier = await gql.post(operation("admin/MessageLog"), {}, token=tokens["cashier"])
    assert error_codes(cashier) == ["FORBIDDEN"]
    customer = await gql.post(operation("admin/MessageTotals"), {}, token=customer_token("ann"))
    assert error_codes(customer) == ["FORBIDDEN"]
