"""Notice recipients and the large-adjustment threshold over HTTP, on real PostgreSQL:
added per shop or program-wide (idempotent on the key), changed, removed, listed; bad input
refused with user errors naming the field; only MANAGE_NOTIFICATIONS (admin, manager,
marketer) may touch them."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import GraphQLClient, error_codes
from tests.support.refusals import TOP_LEVEL, assert_refused, counts

RECIPIENT = "id email shop kinds"
ADD = f"""mutation($input: AddNoticeRecipientInput!) {{ addNoticeRecipient(input: $input) {{
  recipient {{ {RECIPIENT} }} replayed userErrors {{ field code message }} }} }}"""
UPDATE = f"""mutation($input: UpdateNoticeRecipientInput!) {{
  updateNoticeRecipient(input: $input) {{
    recipient {{ {RECIPIENT} }} userErrors {{ field code message }} }} }}"""
REMOVE = """mutation($input: RemoveNoticeRecipientInput!) {
  removeNoticeRecipient(input: $input) { removedId userErrors { field code message } } }"""
THRESHOLD = """mutation($input: SetLargeAdjustmentThresholdInput!) {
  setLargeAdjustmentThreshold(input: $input) {
    settings { largeAdjustmentPoints actor } userErrors { field code message } } }"""
LIST = f"""query($first: Int, $after: String, $shop: String) {{
  noticeRecipients(first: $first, after: $after, shop: $shop) {{
    nodes {{ {RECIPIENT} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
SETTINGS = "{ noticeSettings { largeAdjustmentPoints actor updatedAt } }"

CENTRO = {
    "email": " Maria@Centro.Example ",
    "shop": "centro",
    "kinds": ["LARGE_ADJUSTMENT", "PROMOTION_STARTED"],
    "idempotencyKey": "centro-maria",
}


async def add(gql: GraphQLClient, values: dict[str, Any]) -> Any:
    return (await gql.data(ADD, {"input": values}))["addNoticeRecipient"]


async def test_given_recipients_when_added_changed_and_removed_then_the_list_shows_it(
    gql: GraphQLClient,
) -> None:
    # Given a store manager of "centro" and head office (program-wide, every kind)
    maria = await add(gql, CENTRO)
    assert maria["userErrors"] == [] and maria["replayed"] is False
    assert maria["recipient"]["email"] == "maria@centro.example"  # trimmed, lower case
    assert maria["recipient"]["kinds"] == ["PROMOTION_STARTED", "LARGE_ADJUSTMENT"]
    kinds = ["EXPIRY_RUN_FINISHED", "GIFT_RUN_FINISHED", "LARGE_ADJUSTMENT", "PROMOTION_STARTED"]
    hq = await add(gql, {"email": "hq@shop.example", "kinds": kinds, "idempotencyKey": "hq"})
    assert hq["recipient"]["shop"] is None
    # When the manager also gets gift runs, and moves to the shop "mare"
    mid = maria["recipient"]["id"]
    changed = (
        await gql.data(
            UPDATE, {"input": {"id": mid, "kinds": ["GIFT_RUN_FINISHED"], "shop": " mare "}}
        )
    )["updateNoticeRecipient"]
    assert changed["userErrors"] == []
    assert changed["recipient"] == {
        "id": mid, "email": "maria@centro.example", "shop": "mare", "kinds": ["GIFT_RUN_FINISHED"],
    }  # fmt: skip
    # Then the list has both, in the order added, a page at a time, and by shop
    first = (await gql.data(LIST, {"first": 1}))["noticeRecipients"]
    assert [n["id"] for n in first["nodes"]] == [mid]
    rest = (await gql.data(LIST, {"after": first["pageInfo"]["endCursor"]}))["noticeRecipients"]
    assert [n["email"] for n in rest["nodes"]] == ["hq@shop.example"]
    by_shop = (await gql.data(LIST, {"shop": "mare"}))["noticeRecipients"]["nodes"]
    assert [n["id"] for n in by_shop] == [mid]
    # And made program-wide, then removed, it is gone
    wide = await gql.data(UPDATE, {"input": {"id": mid, "programWide": True}})
    assert wide["updateNoticeRecipient"]["recipient"]["shop"] is None
    removed = (await gql.data(REMOVE, {"input": {"id": mid}}))["removeNoticeRecipient"]
    assert removed == {"removedId": mid, "userErrors": []}
    listed = (await gql.data(LIST))["noticeRecipients"]["nodes"]
    assert [n["email"] for n in listed] == ["hq@shop.example"]
    again = (await gql.data(REMOVE, {"input": {"id": mid}}))["removeNoticeRecipient"]
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [("id", "NOT_FOUND")]


async def test_an_address_is_once_per_shop_and_once_program_wide(gql: GraphQLClient) -> None:
    await add(gql, CENTRO)
    # The same address for another shop, and program-wide, is fine
    other = await add(gql, {**CENTRO, "shop": "mare", "idempotencyKey": "mare-maria"})
    wide = await add(gql, {**CENTRO, "shop": None, "idempotencyKey": "wide-maria"})
    assert other["userErrors"] == [] and wide["userErrors"] == []
    # Twice for one shop (in any case), or twice program-wide, is a DUPLICATE on email
    for shop in ("centro", None):
        again = {**CENTRO, "email": "MARIA@centro.example", "shop": shop, "idempotencyKey": "x"}
        payload = await add(gql, again)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("email", "DUPLICATE")]
    # And moving one onto an address its shop already has is refused the same way
    moved = (await gql.data(UPDATE, {"input": {"id": other["recipient"]["id"], "shop": "centro"}}))[
        "updateNoticeRecipient"
    ]
    assert [(e["field"], e["code"]) for e in moved["userErrors"]] == [("email", "DUPLICATE")]


async def test_the_same_key_adds_once_even_thirty_times_at_once(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # When thirty requests with the same key arrive together
    payloads = await asyncio.gather(*(add(gql, CENTRO) for _ in range(30)))
    # Then one recipient was added, and every answer names it (29 of them replayed)
    assert len({p["recipient"]["id"] for p in payloads}) == 1
    assert sorted(p["replayed"] for p in payloads) == [False] + [True] * 29
    assert (await counts(engine, ("notice_recipients",)))["notice_recipients"] == 1
    # And the key with other settings is a conflict, writing nothing
    await assert_refused(
        gql, engine, ADD, {**CENTRO, "kinds": ["GIFT_RUN_FINISHED"]},
        "idempotencyKey", "IDEMPOTENCY_CONFLICT",
    )  # fmt: skip


async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    for email in ("not-an-address", "a@b", "ann@example.com, bob@example.com", "a b@x.it"):
        await assert_refused(gql, engine, ADD, {**CENTRO, "email": email}, "email", "INVALID")
    await assert_refused(gql, engine, ADD, {**CENTRO, "kinds": []}, "kinds", "REQUIRED")
    await assert_refused(gql, engine, ADD, {**CENTRO, "shop": "x" * 101}, "shop", "OUT_OF_RANGE")
    await assert_refused(gql, engine, ADD, {**CENTRO, "idempotencyKey": " "}, "idempotencyKey",
                         "REQUIRED")  # fmt: skip
    # An unknown kind never reaches the resolver: GraphQL refuses it, naming the input path
    body = await assert_refused(
        gql, engine, ADD, {**CENTRO, "kinds": ["BIRTHDAY"]}, None, TOP_LEVEL
    )
    assert body["errors"][0]["extensions"]["field"] == "input.kinds.0"
    # The threshold is at least 1 point
    for points in (0, -5):
        await assert_refused(gql, engine, THRESHOLD, {"points": points}, "points", "OUT_OF_RANGE")
    await assert_refused(gql, engine, THRESHOLD, {"points": 1_000_000_001}, "points",
                         "OUT_OF_RANGE")  # fmt: skip
    # Changes: an unknown recipient, a malformed id, a shop and programWide at once
    await assert_refused(gql, engine, UPDATE, {"id": "999"}, "id", "NOT_FOUND")
    await assert_refused(gql, engine, UPDATE, {"id": "x"}, "id", "INVALID")
    made = (await add(gql, CENTRO))["recipient"]["id"]
    both = {"id": made, "shop": "mare", "programWide": True}
    await assert_refused(gql, engine, UPDATE, both, "shop", "INVALID")
    await assert_refused(gql, engine, UPDATE, {"id": made, "shop": " "}, "shop", "REQUIRED")
    await assert_refused(gql, engine, UPDATE, {"id": made, "kinds": []}, "kinds", "REQUIRED")
    await assert_refused(gql, engine, UPDATE, {"id": made, "email": "x"}, "email", "INVALID")


async def test_the_threshold_is_set_and_read(gql: GraphQLClient) -> None:
    # Given nothing set, the default is 1,000 points
    assert (await gql.data(SETTINGS))["noticeSettings"] == {
        "largeAdjustmentPoints": 1000, "actor": None, "updatedAt": None,
    }  # fmt: skip
    # When a manager sets 5,000 points, then it is read back with who set it
    payload = await gql.data(THRESHOLD, {"input": {"points": 5000}})
    settings = payload["setLargeAdjustmentThreshold"]["settings"]
    assert settings["largeAdjustmentPoints"] == 5000 and settings["actor"].endswith(":admin")
    read = (await gql.data(SETTINGS))["noticeSettings"]
    assert read["largeAdjustmentPoints"] == 5000 and read["updatedAt"] is not None


async def test_given_roles_when_notices_are_touched_then_only_notification_managers_may(
    gql: GraphQLClient, tokens: dict[str, str], engine: AsyncEngine
) -> None:
    made = (await add(gql, CENTRO))["recipient"]["id"]
    operations: list[tuple[str, dict[str, Any] | None]] = [
        (ADD, {"input": {**CENTRO, "idempotencyKey": "other", "shop": "mare"}}),
        (UPDATE, {"input": {"id": made, "kinds": ["GIFT_RUN_FINISHED"]}}),
        (REMOVE, {"input": {"id": made}}),
        (THRESHOLD, {"input": {"points": 7}}),
        (LIST, None),
        (SETTINGS, None),
    ]
    before = await counts(engine)
    for role in ("cashier", "viewer"):
        caller = gql.as_(tokens[role])
        for query, variables in operations:
            assert error_codes(await caller.post(query, variables)) == ["FORBIDDEN"], (role, query)
    assert error_codes(await gql.as_(None).post(SETTINGS)) == ["UNAUTHENTICATED"]
    assert await counts(engine) == before
    async with engine.connect() as conn:
        kinds = (await conn.execute(text("SELECT kinds FROM notice_recipients"))).scalar_one()
    assert kinds == ["PROMOTION_STARTED", "LARGE_ADJUSTMENT"]
    # And a marketer and a manager may
    for role in ("marketer", "manager"):
        caller = gql.as_(tokens[role])
        added = await add(caller, {**CENTRO, "idempotencyKey": role, "shop": role})
        assert added["userErrors"] == [], role
        assert (await caller.data(LIST))["noticeRecipients"]["nodes"]
