"""The back office's customer page reads a customer whole (admin/Customer360) and pages its
ledger with filters (admin/CustomerLedger): every staff role that sees the page reads both
without a refusal, a customer token reads neither."""

from __future__ import annotations

from typing import Any

from contract_support import customer_token, operation, run, run_mutation

from domain.access.permissions import Role
from tests.support.api import GraphQLClient, error_codes


async def _customer_with_movements(gql: GraphQLClient, points: list[int]) -> str:
    created = await run_mutation(
        gql,
        "admin/CreateCustomer",
        {"input": {"firstName": "Ann", "externalRef": "ann", "idempotencyKey": "ann"}},
    )
    cid: str = created["customer"]["id"]
    for n, value in enumerate(points):
        adjustment = {
            "customerId": cid,
            "points": value,
            "note": f"m{n}",
            "idempotencyKey": f"m{n}",
        }
        await run_mutation(gql, "admin/AdjustPoints", {"input": adjustment})
    return cid


async def _ledger(gql: GraphQLClient, cid: str, **variables: Any) -> dict[str, Any]:
    found = await run(gql, "admin/CustomerLedger", {"id": cid, "first": 2, **variables})
    ledger: dict[str, Any] = found["customer"]["ledger"]
    return ledger


async def test_every_staff_role_reads_the_customer_page(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    cid = await _customer_with_movements(gql, [100, 20])
    for role in Role:
        page = await run(gql.as_(tokens[role.value]), "admin/Customer360",
                         {"id": cid, "expiringWithinDays": 30})  # fmt: skip
        customer = page["customer"]
        assert customer["points"]["balance"] == 120, role
        assert customer["category"]["name"] == "Base"
        assert [c["name"] for c in page["pointCategories"]] == ["Base"]
        assert customer["categoryHistory"]["nodes"] == []
        assert customer["funnelEnrollments"]["nodes"] == []


async def test_the_ledger_pages_newest_first_and_filters(gql: GraphQLClient) -> None:
    cid = await _customer_with_movements(gql, [100, 20, 5, 300])

    first = await _ledger(gql, cid)
    rest = await _ledger(gql, cid, after=first["pageInfo"]["endCursor"])
    big = await _ledger(gql, cid, filter={"minPoints": 50, "kinds": ["MANUAL"]})

    assert [e["node"]["points"] for e in first["edges"]] == [300, 5]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["points"] for e in rest["edges"]] == [20, 100]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["note"] for e in big["edges"]] == ["m3", "m0"]


async def test_a_customer_token_reads_neither(gql: GraphQLClient) -> None:
    cid = await _customer_with_movements(gql, [10])
    token = customer_token("ann")

    for name, variables in (
        ("admin/Customer360", {"id": cid, "expiringWithinDays": 30}),
        ("admin/CustomerLedger", {"id": cid, "first": 10}),
    ):
        body = await gql.post(operation(name), variables, token=token)
        assert set(error_codes(body)) == {"FORBIDDEN"}, name
        assert body["data"] is None or body["data"]["customer"] is None
