"""RFM over HTTP: a marketer recomputes the scores (once per key), staff read them on the
customer, and callers without the permission are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.purchases_sql import add_purchase
from tests.support.reports import new_customer

RECOMPUTE = """mutation($key: String!) { recomputeRfm(input: {idempotencyKey: $key}) {
  run { id customers finishedAt superseded windowDays }
  userErrors { field code } } }"""
SUMMARY = """{ rfmSummary { computedAt customers segments { name customers } recency
  frequency monetary } }"""
CUSTOMER = """query($id: ID!) { customer(id: $id) {
  rfm { recency frequency monetary segmentName purchases spendMinor computedAt } } }"""


async def test_a_marketer_recomputes_and_staff_read_the_scores(
    clean_db: AsyncEngine, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given five buyers, the k-th bought k times (k00.00 each, the last (6 - k) * 10 days
    # ago), and a customer who never bought
    now = datetime.now(UTC)
    buyers = [await new_customer(clean_db, f"b{k}") for k in range(1, 6)]
    none = await new_customer(clean_db, "none")
    for k, customer in enumerate(buyers, start=1):
        for n in range(k):
            at = now - timedelta(days=(6 - k) * 10 + n)
            await add_purchase(clean_db, customer, at, k * 10_000)
    small, big = buyers[0], buyers[4]

    # When a marketer recomputes, twice with the same key
    marketer = gql.as_(tokens["marketer"])
    first = (await marketer.data(RECOMPUTE, {"key": "now-1"}))["recomputeRfm"]
    again = (await marketer.data(RECOMPUTE, {"key": "now-1"}))["recomputeRfm"]

    # Then one run scored the five buyers
    assert first["userErrors"] == [] and first["run"]["customers"] == 5
    assert again["run"] == first["run"] and first["run"]["windowDays"] == 365
    viewer = gql.as_(tokens["viewer"])
    scored = (await viewer.data(CUSTOMER, {"id": str(big)}))["customer"]["rfm"]
    assert scored["recency"] == scored["frequency"] == scored["monetary"] == 5
    assert (scored["segmentName"], scored["purchases"], scored["spendMinor"]) == (
        "Champions",
        5,
        250_000,
    )
    low = (await viewer.data(CUSTOMER, {"id": str(small)}))["customer"]["rfm"]
    assert (low["recency"], low["frequency"], low["monetary"]) == (1, 1, 1)
    assert (await viewer.data(CUSTOMER, {"id": str(none)}))["customer"]["rfm"] is None

    # And the summary (READ_REPORTS) counts them per segment and per score
    summary = (await viewer.data(SUMMARY))["rfmSummary"]
    assert summary["customers"] == 5 and summary["computedAt"] == scored["computedAt"]
    assert summary["recency"] == summary["frequency"] == [1, 1, 1, 1, 1]
    assert {s["name"]: s["customers"] for s in summary["segments"]}["Champions"] == 2


async def test_refusals(gql: GraphQLClient, tokens: dict[str, str]) -> None:
    # A viewer may not recompute; a blank key is a user error naming the field
    refused = await gql.post(RECOMPUTE, {"key": "k"}, token=tokens["viewer"])
    assert error_codes(refused) == ["FORBIDDEN"]
    assert error_codes(await gql.post(SUMMARY, token=tokens["cashier"])) == ["FORBIDDEN"]
    blank = (await gql.data(RECOMPUTE, {"key": "  "}))["recomputeRfm"]
    assert blank["userErrors"] == [{"field": "idempotencyKey", "code": "INVALID"}]
    assert blank["run"] is None
