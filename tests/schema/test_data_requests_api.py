"""A customer's data requests through the API: the export holds every part of a customer
with activity everywhere; the erasure leaves none of their personal data anywhere in the
database, keeps their balance and every invariant, cancels what was pending, refuses later
writes, answers a replay with the first erasure; only admins and managers may do either."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.gifts.runs import run_gift_schedules
from domain.metadata import metadata
from domain.uow import UnitOfWork
from funnels.engine.tables import funnel_enrollments
from notifications.delivery.tables import messages
from tests.notifications.notices.support import last_event_id, pending_events, react, recipient
from tests.support.api import GraphQLClient, customer_token, error_codes
from tests.support.ledger import assert_ledger_sound
from tests.support.loyalty import customer_with, one_code, points_of

EMAIL = "ada.zorkowska@zorkowska-mail.eu"
PHONE = "+393401234567"
FIRST, LAST = "Adalinde", "Zorkowska"
REF = "ext-ada-4711"
CARD = "CARD-ADA-0042"
PERSONAL = (EMAIL, PHONE, FIRST, LAST, REF, CARD)

CREATE = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id } userErrors { field code message } } }"""
ADJUST = """mutation($id: ID!, $points: Int!, $key: String!) {
  adjustPoints(input: {customerId: $id, points: $points, note: "welcome", idempotencyKey: $key}) {
    userErrors { code } } }"""
PURCHASE = """mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { purchase { id pointsEarned } userErrors { field code } } }"""
REDEEM = """mutation($input: RedeemPointsInput!) {
  redeemPoints(input: $input) { redemption { id } userErrors { field code } } }"""
HOLD = """mutation($input: HoldPointsInput!) {
  holdPoints(input: $input) { userErrors { field code } } }"""
ASSIGN = """mutation($code: String!, $id: ID!) {
  assignVoucher(input: {code: $code, customerId: $id}) { userErrors { code } } }"""
BADGE = """mutation { createBadge(input: {title: "Member", minPoints: 1, idempotencyKey: "b1"}) {
  userErrors { code } } }"""
REWARD = """mutation($input: CreateRewardInput!) { createReward(input: $input) {
  reward { id } userErrors { code } } }"""
CLAIM = """mutation($input: ClaimRewardInput!) { claimReward(input: $input) {
  claim { id } userErrors { field code } } }"""
RFM = """mutation { recomputeRfm(input: {idempotencyKey: "rfm-1"}) { userErrors { code } } }"""
EXPORT = """mutation($id: ID!) { exportCustomerData(input: {customerId: $id}) {
  data userErrors { field code } } }"""
ERASE = """mutation($id: ID!, $key: String!) {
  eraseCustomer(input: {customerId: $id, idempotencyKey: $key}) {
    erasure { customerId erasedAt erasedBy } replayed userErrors { field code } } }"""
POINTS = "query($id: ID!) { customer(id: $id) { points { balance held } } }"
GIFTS = """mutation($input: CreateGiftScheduleInput!) { createGiftSchedule(input: $input) {
  schedule { nextRunAt } userErrors { field code } } }"""
CART = [{"sku": "A", "quantity": 2, "unitPriceMinor": 2500}]

# Each part's tables the active customer has rows in (the others are exported empty).
FILLED = {
    "customers": {"customers", "consent_changes"},
    "ledger": {"point_accounts", "ledger_entries", "point_lots", "lot_allocations"},
    "purchases": {"purchases", "purchase_lines"},
    "checkout": {"holds", "redemptions"},
    "vouchers": {"vouchers"},
    "rewards": {"reward_claims"},
    "badges": {"customer_badges", "badge_changes"},
    "cards": {"cards"},
    "analytics": {"rfm_scores"},
    "notifications": {"messages"},
    "staff_notices": {"staff_notices"},
    "funnels": {"funnel_enrollments"},
    "events": {"domain_events"},
    "data_requests": {"data_requests"},
}


async def active_customer(gql: GraphQLClient, engine: AsyncEngine) -> str:
    """A customer with a profile, consent, a card, points (a large adjustment, noticed to
    staff by name), a purchase, a redemption, a hold, a voucher, a claimed reward (by their
    own app), a badge, RFM scores, a message pending and one sent, and an active funnel
    enrollment."""
    assert (await gql.data(BADGE))["createBadge"]["userErrors"] == []
    profile = {
        "idempotencyKey": "c-1",
        "externalRef": REF,
        "cardCode": CARD,
        "email": EMAIL,
        "phone": PHONE,
        "firstName": FIRST,
        "lastName": LAST,
        "birthDate": "1990-04-01",
        "consentEmail": True,
        "consentSms": True,
        "attributes": {"nickname": f"{FIRST}-{LAST}"},
    }
    created = (await gql.data(CREATE, {"input": profile}))["createCustomer"]
    assert created["userErrors"] == []
    cid: str = created["customer"]["id"]
    await recipient(engine, "hq@shop.example", "LARGE_ADJUSTMENT")
    start = await last_event_id(engine)
    assert (await gql.data(ADJUST, {"id": cid, "points": 2000, "key": "a-1"}))["adjustPoints"][
        "userErrors"
    ] == []
    assert await react(engine, await pending_events(engine, start))  # a notice names them
    lines = [{"sku": "A", "quantity": 1, "unitPriceMinor": 3000}]
    bought = await gql.data(
        PURCHASE, {"input": {"customerId": cid, "orderId": "O-1", "status": "PAID", "lines": lines}}
    )
    assert bought["recordPurchase"]["userErrors"] == []
    till = {"customerId": cid, "cart": CART}
    redeemed = await gql.data(
        REDEEM, {"input": {**till, "orderId": "O-2", "points": 100, "idempotencyKey": "r-1"}}
    )
    assert redeemed["redeemPoints"]["userErrors"] == []
    held = await gql.data(
        HOLD, {"input": {**till, "orderId": "O-3", "points": 50, "idempotencyKey": "h-1"}}
    )
    assert held["holdPoints"]["userErrors"] == []
    code = await one_code(gql)
    assert (await gql.data(ASSIGN, {"code": code, "id": cid}))["assignVoucher"]["userErrors"] == []
    mug = {
        "name": "Mug",
        "kind": "FREE_PRODUCT",
        "costPoints": 300,
        "voucher": {"kind": "GIFT_ITEM", "giftSku": "MUG", "validityDays": 60},
        "idempotencyKey": "rw-1",
    }
    rid = (await gql.data(REWARD, {"input": mug}))["createReward"]["reward"]["id"]
    app = gql.as_(customer_token(REF))
    claimed = await app.data(CLAIM, {"input": {"rewardId": rid, "idempotencyKey": "cl-1"}})
    assert claimed["claimReward"]["userErrors"] == []
    assert (await gql.data(RFM))["recomputeRfm"]["userErrors"] == []
    await messages_and_enrollment(engine, int(cid))
    return cid


async def messages_and_enrollment(engine: AsyncEngine, cid: int) -> None:
    """A message queued and one sent to the customer, and an enrollment waiting in a funnel
    (written as the notifications and the funnel engine write them)."""
    now = datetime.now(UTC)
    content = {"subject": f"Hello {FIRST}", "text": f"Dear {FIRST} {LAST}, 1850 points"}
    async with engine.begin() as conn:
        for status, key in (("QUEUED", "m-1"), ("SENT", "m-2")):
            await conn.execute(
                insert(messages).values(
                    customer_id=cid,
                    channel="EMAIL",
                    purpose="MARKETING",
                    dedupe_key=key,
                    recipient=EMAIL,
                    content=content,
                    status=status,
                    last_error=f"450 mailbox {EMAIL} busy" if status == "SENT" else None,
                )
            )
        await conn.execute(
            insert(funnel_enrollments).values(
                funnel_id=1,
                version=1,
                customer_id=cid,
                entry_no=1,
                status="ACTIVE",
                step_id="wait",
                due_at=now + timedelta(days=3),
                waiting=True,
                context={"greeting": f"Hi {FIRST}"},
                entered_at=now,
            )
        )


async def rows_naming(engine: AsyncEngine, needle: str) -> list[str]:
    """Every table whose rows, read as text, hold `needle` (case-insensitive): the whole
    database, every table in the public schema."""
    found = []
    async with engine.connect() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ).scalars()
        for table in list(tables):
            count = (
                await conn.execute(
                    text(f'SELECT count(*) FROM "{table}" t WHERE CAST(t AS text) ILIKE :n'),
                    {"n": f"%{needle}%"},
                )
            ).scalar_one()
            if count:
                found.append(table)
    return found


async def erase(gql: GraphQLClient, cid: str, key: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(ERASE, {"id": cid, "key": key}))["eraseCustomer"]
    return payload


async def test_the_export_holds_every_part_of_an_active_customer(
    gql: GraphQLClient, engine: AsyncEngine, server_url: str, tokens: dict[str, str]
) -> None:
    cid = await active_customer(gql, engine)

    payload = (await gql.data(EXPORT, {"id": cid}))["exportCustomerData"]

    assert payload["userErrors"] == []
    data = payload["data"]
    assert (data["format"], data["version"], data["customerId"]) == (
        "tessera.customer-data",
        1,
        int(cid),
    )
    assert datetime.fromisoformat(data["exportedAt"]).tzinfo is not None
    covered = {t.name for t in metadata.tables.values() if "customer_id" in t.c}
    exported = {table for part in data["areas"].values() for table in part}
    assert covered <= exported
    for area, tables in FILLED.items():
        for table in tables:
            assert data["areas"][area][table], f"{area}.{table} is empty"
    profile = data["areas"]["customers"]["customers"][0]
    assert (profile["email"], profile["phone"], profile["external_ref"]) == (EMAIL, PHONE, REF)
    assert profile["birth_date"] == "1990-04-01"
    purchase = data["areas"]["purchases"]["purchases"][0]
    assert purchase["total_minor"] == 3000  # money in minor units
    datetime.fromisoformat(purchase["occurred_at"])  # ISO times
    logged = data["areas"]["data_requests"]["data_requests"]
    assert [(r["kind"], r["actor"]) for r in logged] == [("EXPORT", data["exportedBy"])]

    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        path = f"/customers/{cid}/data.json"
        download = await http.get(path, headers={"Authorization": f"Bearer {tokens['manager']}"})
        refused = await http.get(path, headers={"Authorization": f"Bearer {tokens['cashier']}"})
        anonymous = await http.get(path)
        unknown = await http.get(
            "/customers/999999/data.json", headers={"Authorization": f"Bearer {tokens['admin']}"}
        )
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("application/json")
    assert download.json()["areas"]["customers"]["customers"][0]["email"] == EMAIL
    assert (refused.status_code, anonymous.status_code, unknown.status_code) == (403, 401, 404)
    kinds = await request_kinds(engine, cid)
    assert kinds == ["EXPORT", "EXPORT"]  # the GraphQL and the manager's download, no refusal


async def request_kinds(engine: AsyncEngine, cid: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT kind FROM data_requests WHERE customer_id = :c ORDER BY id"),
            {"c": int(cid)},
        )
        return [r.kind for r in rows]


async def test_erasure_leaves_no_personal_data_and_keeps_balances_and_invariants(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await active_customer(gql, engine)
    balance = (await gql.data(POINTS, {"id": cid}))["customer"]["points"]["balance"]
    for needle in PERSONAL:
        assert await rows_naming(engine, needle) != [], needle  # the search does see them

    erased = await erase(gql, cid, "erase-1")

    assert erased["userErrors"] == [] and erased["replayed"] is False
    assert erased["erasure"]["customerId"] == cid and erased["erasure"]["erasedBy"]
    for needle in PERSONAL:
        assert await rows_naming(engine, needle) == [], needle
    after = (await gql.data(POINTS, {"id": cid}))["customer"]["points"]
    assert after == {"balance": balance, "held": 0}  # the hold released, the balance kept
    await assert_ledger_sound(engine)  # every check of `tessera audit`, the new one included
    async with engine.connect() as conn:
        statuses = (
            await conn.execute(
                text("SELECT status FROM messages WHERE customer_id = :c ORDER BY id"),
                {"c": int(cid)},
            )
        ).scalars()
        assert list(statuses) == ["SUPPRESSED", "SENT"]
        enrollment = (
            await conn.execute(
                text("SELECT status, exit_reason FROM funnel_enrollments WHERE customer_id = :c"),
                {"c": int(cid)},
            )
        ).one()
        assert tuple(enrollment) == ("EXITED", "ERASED")
        card = (
            await conn.execute(
                text("SELECT status, code FROM cards WHERE customer_id = :c"), {"c": int(cid)}
            )
        ).one()
        assert card.status == "BLOCKED" and card.code.startswith("erased-")
        hold = (
            await conn.execute(
                text("SELECT status FROM holds WHERE customer_id = :c"), {"c": int(cid)}
            )
        ).scalar_one()
        assert hold == "RELEASED"
    assert await request_kinds(engine, cid) == ["ERASURE"]
    async with engine.connect() as conn:
        erased_events = await conn.execute(
            text(
                "SELECT payload FROM domain_events "
                "WHERE type = 'CustomerErased' AND customer_id = :c"
            ),
            {"c": int(cid)},
        )
        assert list(erased_events.scalars()) == [{}]


async def test_an_erased_customer_is_refused_with_a_typed_error(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await active_customer(gql, engine)
    await erase(gql, cid, "erase-1")

    adjusted = await gql.data(ADJUST, {"id": cid, "points": 10, "key": "late-1"})
    lines = [{"sku": "A", "quantity": 1, "unitPriceMinor": 1000}]
    bought = await gql.data(
        PURCHASE, {"input": {"customerId": cid, "orderId": "O-9", "status": "PAID", "lines": lines}}
    )
    by_card = await gql.data(
        PURCHASE, {"input": {"cardCode": CARD, "orderId": "O-10", "status": "PAID", "lines": lines}}
    )
    redeemed = await gql.data(
        REDEEM,
        {
            "input": {
                "customerId": cid,
                "cart": CART,
                "orderId": "O-11",
                "points": 10,
                "idempotencyKey": "late-2",
            }
        },
    )
    held = await gql.data(
        HOLD,
        {
            "input": {
                "customerId": cid,
                "cart": CART,
                "orderId": "O-12",
                "points": 10,
                "idempotencyKey": "late-3",
            }
        },
    )
    own_app = await gql.as_(customer_token(REF)).post("query { me { id } }")

    assert [e["code"] for e in adjusted["adjustPoints"]["userErrors"]] == ["CUSTOMER_ERASED"]
    corrected = await gql.data(ADJUST, {"id": cid, "points": -10, "key": "late-4"})
    assert corrected["adjustPoints"]["userErrors"] == []  # a correction is accounting
    assert [e["code"] for e in bought["recordPurchase"]["userErrors"]] == ["CUSTOMER_ERASED"]
    assert [e["code"] for e in by_card["recordPurchase"]["userErrors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in redeemed["redeemPoints"]["userErrors"]] == ["CUSTOMER_ERASED"]
    assert [e["code"] for e in held["holdPoints"]["userErrors"]] == ["CUSTOMER_ERASED"]
    assert own_app == {"data": {"me": None}}  # their app's tokens name nobody now
    await assert_ledger_sound(engine)


async def test_an_erased_customer_gets_no_periodic_gift(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    kept, erased = await customer_with(gql, 100), await customer_with(gql, 100)
    await erase(gql, erased, "erase-1")
    schedule = {"name": "Monthly", "cron": "0 9 1 * *", "points": 50, "description": "Thanks"}
    schedule["idempotencyKey"] = "g-1"
    created = await gql.data(GIFTS, {"input": schedule})
    first = datetime.fromisoformat(created["createGiftSchedule"]["schedule"]["nextRunAt"])

    await run_gift_schedules(UnitOfWork(engine), first + timedelta(minutes=2))

    assert (await points_of(gql, kept))["balance"] == 150
    assert (await points_of(gql, erased))["balance"] == 100
    await assert_ledger_sound(engine)


async def test_erasing_again_or_replaying_the_key_answers_the_first_erasure(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await active_customer(gql, engine)
    first = await erase(gql, cid, "erase-1")

    replayed = await erase(gql, cid, "erase-1")
    again = await erase(gql, cid, "erase-2")
    other = (await gql.data(CREATE, {"input": {"idempotencyKey": "c-2"}}))["createCustomer"]
    misused = await erase(gql, other["customer"]["id"], "erase-1")

    assert replayed["erasure"] == again["erasure"] == first["erasure"]
    assert replayed["replayed"] is again["replayed"] is True
    assert [e["code"] for e in misused["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]
    assert await request_kinds(engine, cid) == ["ERASURE"]
    # And an export afterwards holds what erasure kept, and who erased them and when
    data = (await gql.data(EXPORT, {"id": cid}))["exportCustomerData"]["data"]
    profile = data["areas"]["customers"]["customers"][0]
    assert (profile["email"], profile["external_ref"]) == (None, f"erased:{cid}")
    assert profile["erased_by"] == first["erasure"]["erasedBy"]
    assert data["areas"]["ledger"]["ledger_entries"]  # the amounts stay
    assert await request_kinds(engine, cid) == ["ERASURE", "EXPORT"]
    await assert_ledger_sound(engine)


async def test_concurrent_erasures_erase_once_and_answer_alike(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    cid = await active_customer(gql, engine)

    keys = ["same", "same", "same", "other-1", "other-2", "other-3"]
    answers = await asyncio.gather(*(erase(gql, cid, key) for key in keys))

    assert all(a["userErrors"] == [] for a in answers)
    assert len({(a["erasure"]["erasedAt"], a["erasure"]["erasedBy"]) for a in answers}) == 1
    assert sorted(a["replayed"] for a in answers) == [False, True, True, True, True, True]
    assert await request_kinds(engine, cid) == ["ERASURE"]
    for needle in PERSONAL:
        assert await rows_naming(engine, needle) == [], needle
    await assert_ledger_sound(engine)


async def test_only_admins_and_managers_handle_data_requests(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    cid = (await gql.data(CREATE, {"input": {"idempotencyKey": "c-1", "email": EMAIL}}))[
        "createCustomer"
    ]["customer"]["id"]

    for role in ("cashier", "marketer", "viewer"):
        exported = await gql.post(EXPORT, {"id": cid}, token=tokens[role])
        erased = await gql.post(ERASE, {"id": cid, "key": f"k-{role}"}, token=tokens[role])
        assert error_codes(exported) == ["FORBIDDEN"], role
        assert error_codes(erased) == ["FORBIDDEN"], role
    by_manager = await gql.data(ERASE, {"id": cid, "key": "k-manager"}, token=tokens["manager"])
    assert by_manager["eraseCustomer"]["userErrors"] == []
    unknown = await gql.data(ERASE, {"id": "999999", "key": "k-unknown"})
    assert [e["code"] for e in unknown["eraseCustomer"]["userErrors"]] == ["NOT_FOUND"]


async def test_no_customer_may_take_the_reference_an_erasure_gives(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given a customer, whose erasure would give them the reference erased:<id>
    made = (await gql.data(CREATE, {"input": {"idempotencyKey": "c-1"}}))["createCustomer"]
    cid = made["customer"]["id"]
    # When another customer is created with that reference, or one is renamed to it
    taken = await gql.data(
        CREATE, {"input": {"idempotencyKey": "c-2", "externalRef": f"erased:{cid}"}}
    )
    renamed = await gql.data(UPDATE, {"input": {"id": cid, "externalRef": f"erased:{cid}"}})
    # Then both are refused on externalRef, and the erasure later works
    for payload in (taken["createCustomer"], renamed["updateCustomer"]):
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            ("externalRef", "INVALID")
        ]
    assert (await erase(gql, cid, "erase-1"))["userErrors"] == []
