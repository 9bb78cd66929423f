"""GET /exports/voucher-batches/{id}.csv: every code of a batch with its state, streamed, for
staff with MANAGE_VOUCHERS only."""

from __future__ import annotations

import csv
import io

import pytest

from domain.vouchers.queries import EXPORT_COLUMNS
from tests.support.api import GraphQLClient, customer_token
from tests.support.loyalty import CODES, create_batch, customer_with

ASSIGN = """mutation($code: String!, $id: ID!) {
  assignVoucher(input: {code: $code, customerId: $id}) { userErrors { code } } }"""
REDEEM = """mutation($code: String!) { redeemVoucher(input: {code: $code, orderId: "X-1",
  idempotencyKey: "x-1", cart: [{sku: "A", quantity: 1, unitPriceMinor: 1000}]}) {
  userErrors { code } } }"""


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_batch_downloads_as_csv_with_each_codes_state(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    # Given a batch of three 5.00 codes: one assigned to Ann, one used
    batch = (await create_batch(gql, name="=HYPERLINK(evil)", count=3))["batch"]
    codes = [
        v["code"] for v in (await gql.data(CODES, {"batch": batch["id"]}))["vouchers"]["nodes"]
    ]
    ann = await customer_with(gql, ref="ann-42")
    await gql.data(ASSIGN, {"code": codes[0], "id": ann})
    await gql.data(REDEEM, {"code": codes[1]})

    # When a marketer downloads it
    response = await gql.http.get(batch["csvPath"], headers=auth(tokens["marketer"]))

    # Then every code is there, in order, with its state; a formula is written as text
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    by_code = {row[0]: dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert list(by_code) == codes
    first, used, fresh = (by_code[c] for c in codes)
    assert (first["batch"], first["kind"], first["value"]) == (
        "'=HYPERLINK(evil)",
        "FIXED_AMOUNT",
        "500",
    )
    assert (first["customer_external_ref"], first["status"], first["uses"]) == (
        "ann-42",
        "ACTIVE",
        "0",
    )
    assert (used["status"], used["uses"], used["max_uses"]) == ("USED_UP", "1", "1")
    assert (fresh["valid_from"], fresh["valid_until"], fresh["customer_external_ref"]) == (
        "",
        "",
        "",
    )


async def test_a_hundred_thousand_codes_stream_in_chunks(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    batch = (await create_batch(gql, name="Big", count=100_000))["batch"]
    lines, chunks = 0, 0
    async with gql.http.stream("GET", batch["csvPath"], headers=auth(tokens["admin"])) as response:
        assert response.status_code == 200
        # Streamed: no length known in advance
        assert "content-length" not in response.headers
        async for chunk in response.aiter_text():
            chunks += 1
            lines += chunk.count("\n")
    assert lines == 100_001
    assert chunks > 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("tes_not-a-token", 401),
        ("cashier", 403),
        ("viewer", 403),
        ("customer", 403),
    ],
)
async def test_only_staff_who_manage_vouchers_may_download(
    gql: GraphQLClient, tokens: dict[str, str], who: str | None, status: int
) -> None:
    batch = (await create_batch(gql, count=1))["batch"]
    token = customer_token("anyone") if who == "customer" else tokens.get(who or "", who)
    headers = auth(token) if token else {}
    response = await gql.http.get(batch["csvPath"], headers=headers)
    assert response.status_code == status
    # An error in the API's shape, not a line of codes.
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] in {"UNAUTHENTICATED", "FORBIDDEN"}


@pytest.mark.parametrize(
    "path", ["/exports/voucher-batches/999999.csv", "/exports/voucher-batches/abc.csv"]
)
async def test_an_unknown_batch_is_not_found(
    gql: GraphQLClient, tokens: dict[str, str], path: str
) -> None:
    response = await gql.http.get(path, headers=auth(tokens["admin"]))
    assert response.status_code == 404
