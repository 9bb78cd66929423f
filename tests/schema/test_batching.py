"""Given a list of customers with nested fields, then each nested field costs one query for
the whole list, not one per customer (dataloaders)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support.api import GraphQLClient

CREATE = """mutation($card: String!) {
  createCustomer(input: {cardCode: $card, idempotencyKey: $card}) {
  customer { id } userErrors { code } } }"""
CREDIT = """mutation($id: ID!, $key: String!, $points: Int!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "n", idempotencyKey: $key}) {
    userErrors { code } } }"""
LIST = """{ customers(first: 10) { nodes {
  id category { name } points { balance }
  ledger(first: 2) { nodes { points } pageInfo { hasNextPage } } } } }"""


@contextmanager
def statements() -> Iterator[list[str]]:
    """SQL run through SQLAlchemy in this process (the test server runs in it)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def test_given_five_customers_when_listed_with_ledgers_then_one_query_per_field(
    gql: GraphQLClient,
) -> None:
    ids = []
    for n in range(5):
        created = await gql.data(CREATE, {"card": f"BATCH-{n}"})
        ids.append(created["createCustomer"]["customer"]["id"])
        for k in range(n + 1):  # customer n has n + 1 movements of 10, 11, ...
            await gql.data(CREDIT, {"id": ids[-1], "key": f"b{n}-{k}", "points": 10 + k})

    with statements() as seen:
        listed = (await gql.data(LIST))["customers"]["nodes"]

    assert [c["points"]["balance"] for c in listed] == [10, 21, 33, 46, 60]
    assert [[e["points"] for e in c["ledger"]["nodes"]] for c in listed] == [
        [10],
        [11, 10],
        [12, 11],
        [13, 12],
        [14, 13],
    ]
    assert [c["ledger"]["pageInfo"]["hasNextPage"] for c in listed] == [
        False,
        False,
        True,
        True,
        True,
    ]
    ledger_queries = [s for s in seen if "FROM ledger_entries" in s]
    # The accounts' dataloader (the customer listing joins the balance rows for its filters)
    account_queries = [s for s in seen if "WHERE point_accounts.customer_id = ANY" in s]
    assert len(ledger_queries) == 1
    assert len(account_queries) == 1


ASSIGN = """mutation($code: String!, $id: ID!) { assignVoucher(input: {code: $code,
  customerId: $id}) { userErrors { code } } }"""
WALLETS = """{ customers(first: 10) { nodes { id vouchers(first: 1) {
  nodes { code } pageInfo { hasNextPage } } } } }"""


async def test_given_customers_with_vouchers_when_listed_then_one_voucher_query(
    gql: GraphQLClient,
) -> None:
    # Given three customers holding 0, 1 and 2 vouchers
    batch = (
        await gql.data(
            """mutation { createVoucherBatch(input: {name: "W", count: 3, kind: FIXED_AMOUNT,
               valueMinor: 500, idempotencyKey: "w"}) { batch { id } } }"""
        )
    )["createVoucherBatch"]["batch"]["id"]
    codes = [
        v["code"]
        for v in (
            await gql.data(
                "query($b: ID!) { vouchers(filter: {batchId: $b}) { nodes { code } } }",
                {"b": batch},
            )
        )["vouchers"]["nodes"]
    ]
    ids = [
        (await gql.data(CREATE, {"card": f"W-{n}"}))["createCustomer"]["customer"]["id"]
        for n in range(3)
    ]
    for code, owner in zip(codes, [ids[1], ids[2], ids[2]], strict=True):
        assert (await gql.data(ASSIGN, {"code": code, "id": owner}))["assignVoucher"] == {
            "userErrors": []
        }
    # When the list asks each customer's newest voucher
    with statements() as seen:
        listed = (await gql.data(WALLETS))["customers"]["nodes"]
    # Then each gets its own page, newest first, from one query for the whole list
    assert [len(c["vouchers"]["nodes"]) for c in listed] == [0, 1, 1]
    assert listed[2]["vouchers"]["nodes"][0]["code"] == codes[2]
    assert [c["vouchers"]["pageInfo"]["hasNextPage"] for c in listed] == [False, False, True]
    assert len([s for s in seen if "FROM vouchers" in s]) == 1


HISTORIES = """{ customers(first: 10) { nodes { id
  categoryHistory(first: 1) { nodes { to { name } } pageInfo { hasNextPage } }
  funnelEnrollments(first: 1) { nodes { funnelName } } } } }"""
NEW_CATEGORY = """mutation($name: String!) { createPointCategory(input: {name: $name,
  earnMultiplier: "1", idempotencyKey: $name}) { category { id } } }"""
MOVE = """mutation($c: ID!, $ids: [ID!]!) { setCustomerCategory(input: {categoryId: $c,
  customerIds: $ids}) { updatedCount } }"""


async def test_given_customers_moved_when_listed_with_histories_then_one_query_each(
    gql: GraphQLClient,
) -> None:
    # Given three customers: one never moved, one moved once, one moved twice
    ids = [
        (await gql.data(CREATE, {"card": f"H-{n}"}))["createCustomer"]["customer"]["id"]
        for n in range(3)
    ]
    silver, gold = [
        (await gql.data(NEW_CATEGORY, {"name": name}))["createPointCategory"]["category"]["id"]
        for name in ("Silver", "Gold")
    ]
    await gql.data(MOVE, {"c": silver, "ids": ids[1:]})
    await gql.data(MOVE, {"c": gold, "ids": ids[2:]})
    # When the list asks each customer's latest change and funnel
    with statements() as seen:
        listed = (await gql.data(HISTORIES))["customers"]["nodes"]
    # Then each gets its own page from one query for the whole list (and one for funnels)
    assert [[n["to"]["name"] for n in c["categoryHistory"]["nodes"]] for c in listed] == [
        [],
        ["Silver"],
        ["Gold"],
    ]
    assert [c["categoryHistory"]["pageInfo"]["hasNextPage"] for c in listed] == [
        False,
        False,
        True,
    ]
    assert [c["funnelEnrollments"]["nodes"] for c in listed] == [[], [], []]
    assert len([s for s in seen if "FROM domain_events" in s]) == 1
    assert len([s for s in seen if "FROM funnel_enrollments" in s]) == 1
