"""Voucher batches: unique hard-to-guess codes made once per key, listed, assigned to a
customer, disabled; bad settings refused with nothing written."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.vouchers.codes import ALPHABET
from tests.support.api import GraphQLClient, error_codes
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import (
    CODES,
    CREATE_BATCH,
    create_batch,
    customer_with,
    events_of,
    one_code,
)
from tests.support.refusals import counts

VOUCHER = """query($code: String!) { voucher(code: $code) {
  code kind valueMinor status uses maxUses customerId customer { id } } }"""
ASSIGN = """mutation($code: String!, $customer: ID!) {
  assignVoucher(input: {code: $code, customerId: $customer}) {
    voucher { code customerId assignedAt } userErrors { field code } } }"""
DISABLE = """mutation($input: DisableVouchersInput!) {
  disableVouchers(input: $input) { disabledCount userErrors { field code } } }"""
BATCHES = """query($first: Int, $after: String) { voucherBatches(first: $first, after: $after) {
  nodes { name count } pageInfo { hasNextPage endCursor } } }"""
FILTERED = """query($filter: VoucherFilter) { vouchers(first: 100, filter: $filter) {
  nodes { code status customerId } } }"""

CODE_CHARS = f"[{ALPHABET}]"


async def all_codes(gql: GraphQLClient, batch_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gql.data(CODES, {"batch": batch_id, "first": 100, "after": after}))[
            "vouchers"
        ]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def test_a_batch_makes_unique_codes_of_the_asked_shape_once_per_key(
    gql: GraphQLClient, engine: AsyncEngine, tokens: dict[str, str]
) -> None:
    # Given a marketer creating 250 single-use 5.00 codes prefixed SPRING-
    marketer = gql.as_(tokens["marketer"])
    created = await create_batch(
        marketer, name="Spring", count=250, prefix="spring-", idempotencyKey="spring"
    )
    assert created["userErrors"] == []
    batch = created["batch"]
    assert (batch["prefix"], batch["count"], batch["codeLength"]) == ("SPRING-", 250, 12)
    assert (batch["kind"], batch["valueMinor"], batch["maxUses"]) == ("FIXED_AMOUNT", 500, 1)
    assert batch["csvPath"] == f"/exports/voucher-batches/{batch['id']}.csv"

    # Then 250 distinct codes: the prefix and 12 unambiguous random characters, all active
    codes = await all_codes(gql, batch["id"])
    assert len({c["code"] for c in codes}) == 250
    assert all(re.fullmatch(f"SPRING-{CODE_CHARS}{{12}}", c["code"]) for c in codes)
    assert {(c["status"], c["uses"]) for c in codes} == {("ACTIVE", 0)}

    # When the same creation is retried (a timeout), then it is the same batch, not a second
    again = await create_batch(
        gql, name="Spring", count=250, prefix="spring-", idempotencyKey="spring"
    )
    assert again["replayed"] is True and again["batch"]["id"] == batch["id"]
    # And the same key with other settings is refused
    other = await create_batch(gql, name="Spring", count=251, idempotencyKey="spring")
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_CONFLICT")
    ]
    assert (await counts(engine))["vouchers"] == 250
    assert [e["count"] for e in await events_of(engine, "VoucherBatchCreated")] == [250]


async def test_a_hundred_thousand_codes_are_made_in_one_go_and_fast(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    started = time.monotonic()
    created = await create_batch(gql, name="Big", count=100_000, idempotencyKey="big")
    elapsed = time.monotonic() - started
    assert created["userErrors"] == []
    assert (await counts(engine, ("vouchers",))) == {"vouchers": 100_000}
    # A generous bound for a shared CI machine (it takes about 2 s on a 2-core one)
    assert elapsed < 30, elapsed


async def test_batches_are_listed_newest_first_a_page_at_a_time(gql: GraphQLClient) -> None:
    for name in ("A", "B", "C"):
        await create_batch(gql, name=name, count=1)
    first = (await gql.data(BATCHES, {"first": 2}))["voucherBatches"]
    assert [b["name"] for b in first["nodes"]] == ["C", "B"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await gql.data(BATCHES, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "voucherBatches"
    ]
    assert [b["name"] for b in rest["nodes"]] == ["A"]


async def test_a_code_is_assigned_to_one_customer_only(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    ann, bob = await customer_with(gql), await customer_with(gql)
    code = await one_code(gql)
    typed = f"  {code.lower()} "  # as typed at a till
    assigned = (await gql.data(ASSIGN, {"code": typed, "customer": ann}))["assignVoucher"]
    assert assigned["voucher"]["customerId"] == ann and assigned["voucher"]["assignedAt"]
    # Assigning it again to Ann changes nothing; to Bob is refused
    again = (await gql.data(ASSIGN, {"code": code, "customer": ann}))["assignVoucher"]
    assert again["userErrors"] == [] and again["voucher"] == assigned["voucher"]
    refused = (await gql.data(ASSIGN, {"code": code, "customer": bob}))["assignVoucher"]
    assert refused["userErrors"] == [{"field": "code", "code": "VOUCHER_ALREADY_ASSIGNED"}]
    found = (await gql.data(VOUCHER, {"code": typed}))["voucher"]
    assert (found["customerId"], found["customer"]) == (ann, {"id": ann})
    mine = (await gql.data(FILTERED, {"filter": {"customerId": ann}}))["vouchers"]["nodes"]
    assert [v["code"] for v in mine] == [code]
    assert len(await events_of(engine, "VoucherAssigned")) == 1


async def test_disabling_a_code_or_a_whole_batch(gql: GraphQLClient, engine: AsyncEngine) -> None:
    batch = (await create_batch(gql, name="Off", count=5))["batch"]
    codes = [c["code"] for c in await all_codes(gql, batch["id"])]
    one = (await gql.data(DISABLE, {"input": {"code": codes[0]}}))["disableVouchers"]
    assert one == {"disabledCount": 1, "userErrors": []}
    rest = (await gql.data(DISABLE, {"input": {"batchId": batch["id"]}}))["disableVouchers"]
    assert rest == {"disabledCount": 4, "userErrors": []}
    again = (await gql.data(DISABLE, {"input": {"batchId": batch["id"]}}))["disableVouchers"]
    assert again == {"disabledCount": 0, "userErrors": []}
    listed = await gql.data(FILTERED, {"filter": {"status": "DISABLED"}})
    assert len(listed["vouchers"]["nodes"]) == 5
    unknown = (await gql.data(DISABLE, {"input": {"code": "NO-SUCH"}}))["disableVouchers"]
    assert unknown["userErrors"] == [{"field": "code", "code": "NOT_FOUND"}]
    await assert_ledger_sound(engine)


def batch(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Bad",
        "count": 10,
        "kind": "FIXED_AMOUNT",
        "valueMinor": 500,
        "idempotencyKey": "bad",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


@pytest.mark.parametrize(
    ("input", "field", "code"),
    [
        (batch(count=0), "count", "OUT_OF_RANGE"),
        (batch(count=100_001), "count", "OUT_OF_RANGE"),
        (batch(count=-5), "count", "OUT_OF_RANGE"),
        (batch(name=" "), "name", "REQUIRED"),
        (batch(valueMinor=0), "valueMinor", "OUT_OF_RANGE"),
        (batch(valueMinor=-100), "valueMinor", "OUT_OF_RANGE"),
        (batch(valueMinor=...), "valueMinor", "REQUIRED"),
        (batch(percentBp=1000), "percentBp", "INVALID"),
        (batch(kind="PERCENT", valueMinor=..., percentBp=10_001), "percentBp", "OUT_OF_RANGE"),
        (batch(kind="PERCENT", valueMinor=..., percentBp=0), "percentBp", "OUT_OF_RANGE"),
        (batch(kind="GIFT_ITEM", valueMinor=..., giftSku="  "), "giftSku", "REQUIRED"),
        (batch(maxUses=0), "maxUses", "OUT_OF_RANGE"),
        (batch(minCartMinor=-1), "minCartMinor", "OUT_OF_RANGE"),
        (batch(prefix="SP RING"), "prefix", "INVALID"),
        (batch(prefix="-SPRING"), "prefix", "INVALID"),
        (batch(prefix="X" * 21), "prefix", "OUT_OF_RANGE"),
        (batch(codeLength=6), "codeLength", "OUT_OF_RANGE"),
        (batch(codeLength=33), "codeLength", "OUT_OF_RANGE"),
        (
            batch(validFrom="2030-01-02T00:00:00Z", validUntil="2030-01-01T00:00:00Z"),
            "validUntil",
            "INVALID",
        ),
        (batch(validFrom="2030-01-01T00:00:00"), "validFrom", "INVALID"),
        (batch(idempotencyKey=" "), "idempotencyKey", "REQUIRED"),
    ],
)
async def test_given_bad_batch_settings_then_refused_and_nothing_written(
    gql: GraphQLClient, engine: AsyncEngine, input: dict[str, Any], field: str, code: str
) -> None:
    before = await counts(engine)
    body = await gql.post(CREATE_BATCH, {"input": input})
    assert not body.get("errors"), body
    payload = body["data"]["createVoucherBatch"]
    assert (field, code) in [(e["field"], e["code"]) for e in payload["userErrors"]], payload
    assert payload["batch"] is None
    assert await counts(engine) == before


async def test_given_a_kind_that_does_not_exist_then_bad_user_input(gql: GraphQLClient) -> None:
    body = await gql.post(CREATE_BATCH, {"input": batch(kind="FREE_BEER")})
    assert error_codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("variables", "message_part"),
    [
        ({"filter": {"batchId": "abc"}}, "valid id"),
        ({"filter": {"status": "SOLD"}}, "SOLD"),
    ],
)
async def test_given_a_bad_voucher_filter_then_bad_user_input(
    gql: GraphQLClient, variables: dict[str, Any], message_part: str
) -> None:
    body = await gql.post(FILTERED, variables)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert message_part in body["errors"][0]["message"]
