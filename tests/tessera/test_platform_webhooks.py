"""WooCommerce, Shopify and Dolibarr reporting orders and customers through their webhooks
(`/integrations/...`), with payloads shaped as the platforms document them
(tests/fixtures/integrations) signed with a test secret: orders recorded and their points
awarded once, whatever the replays and the order of the updates; a refund of one line; a
POS order not counted twice; customers found, linked or registered; a bad signature or
token refused with 401 and nothing written; a malformed payload 400, logged, nothing
written."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.integrations.connections import connect_platform
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.services import PurchaseReport, record_purchase
from domain.uow import UnitOfWork
from tests.support.api import running_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "integrations"
SECRET = "test-webhook-secret-0123456789"


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
async def http(database_url: str, clean_db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        running_server(database_url) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield client


async def connect(engine: AsyncEngine, platform: str, **options: Any) -> str | None:
    done = await connect_platform(
        UnitOfWork(engine),
        "web",
        platform,
        None if platform == "DOLIBARR" else SECRET,
        options.get("status_map", {}),
        options.get("create_customers", True),
        True,
        f"connect-{platform}",
    )
    return done.token


async def woo(
    http: httpx.AsyncClient, order: dict[str, Any], delivery: str, **headers: str
) -> httpx.Response:
    body = json.dumps(order).encode()
    return await http.post(
        "/integrations/woocommerce/web",
        content=body,
        headers={
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Delivery-ID": delivery,
            "X-WC-Webhook-Signature": sign(body),
            "Content-Type": "application/json",
            **headers,
        },
    )


async def shopify(
    http: httpx.AsyncClient, topic: str, payload: dict[str, Any], webhook_id: str
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return await http.post(
        "/integrations/shopify/web",
        content=body,
        headers={
            "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Hmac-Sha256": sign(body),
            "Content-Type": "application/json",
        },
    )


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def purchase(engine: AsyncEngine, order_id: str) -> Any:
    (found,) = await rows(
        engine,
        "SELECT p.status, p.points_earned, p.customer_id, p.channel, p.total_minor,"
        " (SELECT count(*) FROM purchases) AS n FROM purchases p WHERE order_id = :o",
        o=order_id,
    )
    return found


async def balance(engine: AsyncEngine, customer_id: int) -> int:
    (found,) = await rows(
        engine, "SELECT balance FROM point_accounts WHERE customer_id = :c", c=customer_id
    )
    return int(found.balance)


async def log(engine: AsyncEngine) -> list[tuple[str, str, int]]:
    found = await rows(
        engine, "SELECT outcome, topic, http_status FROM integration_log ORDER BY id"
    )
    return [tuple(r) for r in found]


async def test_a_woocommerce_order_is_recorded_once_whatever_the_order_of_updates(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "WOOCOMMERCE")
    order = fixture("woocommerce_order.json")
    completed = {**order, "status": "completed"}

    # Completed arrives before processing
    first = await woo(http, completed, "d-1")
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "APPLIED"
    made = await purchase(clean_db, "727")
    assert (made.status, made.channel) == ("COMPLETED", "WEB")
    # Lines after discounts: 2 x 3.00 and 12.00 (the line's total after its coupon share)
    lines = await rows(
        clean_db, "SELECT sku, quantity, unit_price_minor, product_line FROM purchase_lines"
        " ORDER BY line_no",
    )  # fmt: skip
    assert [tuple(r) for r in lines] == [
        ("WOO-SINGLE-1", 2, 300, "music"),
        ("product-22", 1, 1200, None),
    ]
    points = await balance(clean_db, made.customer_id)
    assert points == made.points_earned > 0

    # The late "processing" update and a replay of the first delivery change nothing
    late = await woo(http, order, "d-2")
    replay = await woo(http, completed, "d-1")
    assert (late.json()["outcome"], replay.json()["outcome"]) == ("APPLIED", "DUPLICATE")
    again = await purchase(clean_db, "727")
    assert (again.status, again.n) == ("COMPLETED", 1)
    assert await balance(clean_db, made.customer_id) == points
    # The customer was registered from the billing details and linked to WooCommerce's id 26
    (customer,) = await rows(
        clean_db,
        "SELECT c.email, c.first_name, l.platform_customer_id FROM customers c"
        " JOIN platform_customers l ON l.customer_id = c.id",
    )
    assert tuple(customer) == ("john.doe@example.com", "John", "26")
    assert [o for o, _, _ in await log(clean_db)] == ["APPLIED", "APPLIED", "DUPLICATE"]

    # Refunded: the points are taken back
    refunded = await woo(http, {**order, "status": "refunded"}, "d-3")
    assert refunded.json()["outcome"] == "APPLIED"
    assert await balance(clean_db, made.customer_id) == 0


async def test_a_pos_order_is_not_counted_twice(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "WOOCOMMERCE")
    ann = await create_customer(
        UnitOfWork(clean_db), {"email": "john.doe@example.com"}, None, idempotency_key="ann"
    )
    # The till recorded the order first (it was paid in part with points there)
    await record_purchase(
        UnitOfWork(clean_db),
        PurchaseReport("727", PurchaseStatus.PAID, [Line("WOO-SINGLE-1", 2, 300)],
                       customer_id=str(ann.item.id), shop="web", channel="POS"),
        "till",
    )  # fmt: skip
    points = await balance(clean_db, ann.item.id)

    answer = await woo(http, {**fixture("woocommerce_order.json"), "status": "completed"}, "d")

    assert answer.json()["outcome"] == "APPLIED"
    made = await purchase(clean_db, "727")
    assert (made.n, made.status, made.customer_id) == (1, "COMPLETED", ann.item.id)
    assert await balance(clean_db, ann.item.id) == points  # nothing awarded twice


async def test_a_bad_signature_or_an_unknown_shop_is_401_and_writes_nothing(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "WOOCOMMERCE")
    order = fixture("woocommerce_order.json")
    forged = await woo(http, order, "d", **{"X-WC-Webhook-Signature": sign(b"other")})
    unsigned = await http.post("/integrations/woocommerce/web", content=json.dumps(order))
    body = json.dumps(order).encode()
    elsewhere = await http.post(
        "/integrations/woocommerce/nowhere",
        content=body,
        headers={"X-WC-Webhook-Signature": sign(body), "X-WC-Webhook-Topic": "order.updated"},
    )
    assert [r.status_code for r in (forged, unsigned, elsewhere)] == [401, 401, 401]
    assert await rows(clean_db, "SELECT 1 FROM purchases") == []
    assert await log(clean_db) == []


async def test_a_shop_code_unescaped_to_replacement_characters_names_no_shop(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    # Given a shop code escaping a lone surrogate's UTF-8 bytes (the server unescapes them
    # to replacement characters; a NUL is refused before routing: tests/tessera/test_limits.py)
    body = b"{}"
    signed = {"X-WC-Webhook-Signature": sign(body), "X-Shopify-Hmac-Sha256": sign(body)}
    answers = [
        await http.post("/integrations/woocommerce/%ED%A0%80", content=body, headers=signed),
        await http.post("/integrations/shopify/%ED%A0%80", content=body, headers=signed),
        await http.post("/integrations/dolibarr/%ED%A0%80/token", content=body),
    ]
    # Then it names no shop: refused as unsigned, and nothing is logged
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert await log(clean_db) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda o: o.update(line_items="none"), "line_items must be a list"),
        (lambda o: o["line_items"][0].update(quantity=-1), "line_items.0.quantity"),
        (lambda o: o["line_items"][0].update(total="abc"), "line_items.0.total"),
        (lambda o: o.update(date_paid_gmt="0001-01-01T00:00:00", date_created_gmt=None),
         "occurredAt"),
        (lambda o: o.update(id=None), "id is required"),
        (lambda o: o.update(currency="XXQ"), "unknown currency"),
        (lambda o: o.update(line_items=[]), "lines"),
    ],
)  # fmt: skip
async def test_a_malformed_order_is_400_logged_and_writes_nothing(
    http: httpx.AsyncClient, clean_db: AsyncEngine, change: Any, reason: str
) -> None:
    await connect(clean_db, "WOOCOMMERCE")
    order = copy.deepcopy(fixture("woocommerce_order.json"))
    change(order)
    answer = await woo(http, order, "d")
    assert answer.status_code == 400, answer.text
    assert answer.json()["outcome"] == "REJECTED" and reason in answer.json()["reason"]
    assert await rows(clean_db, "SELECT 1 FROM purchases") == []
    assert await rows(clean_db, "SELECT 1 FROM customers") == []  # none registered either
    assert await log(clean_db) == [("REJECTED", "order.updated", 400)]


async def test_not_json_and_strange_bytes_are_400(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "WOOCOMMERCE")
    for body in (b"\xff\xfe", b"[1]", b'{"id": "\\u0000"}', b"{" * 5000, b"not json"):
        answer = await http.post(
            "/integrations/woocommerce/web",
            content=body,
            headers={"X-WC-Webhook-Signature": sign(body), "X-WC-Webhook-Topic": "order.created"},
        )
        assert answer.status_code == 400, (body[:10], answer.text)
    assert await rows(clean_db, "SELECT 1 FROM purchases") == []


async def test_shopify_order_paid_then_one_line_refunded(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "SHOPIFY")
    order = fixture("shopify_order.json")
    created = await shopify(http, "orders/create", order, "w-1")
    assert created.json()["outcome"] == "APPLIED", created.text
    made = await purchase(clean_db, "820982911946154508")
    assert (made.status, made.total_minor) == ("PAID", 189_00 + 199_00)
    earned = await balance(clean_db, made.customer_id)

    refund = await shopify(http, "refunds/create", fixture("shopify_refund.json"), "w-2")
    replay = await shopify(http, "refunds/create", fixture("shopify_refund.json"), "w-2")

    assert (refund.json()["outcome"], replay.json()["outcome"]) == ("APPLIED", "DUPLICATE")
    returned = await rows(
        clean_db, "SELECT sku, refunded_quantity FROM purchase_lines ORDER BY line_no"
    )
    assert [tuple(r) for r in returned] == [("IPOD2008BLACK", 0), ("IPOD2008BLUE", 1)]
    assert 0 < await balance(clean_db, made.customer_id) < earned
    # The same refund under another webhook id (Shopify's retry with a new id) is keyed too
    again = await shopify(http, "refunds/create", fixture("shopify_refund.json"), "w-3")
    assert again.json()["outcome"] == "APPLIED"
    assert (await rows(clean_db, "SELECT count(*) FROM refunds"))[0][0] == 1


async def test_an_unknown_customer_is_ignored_when_the_shop_does_not_register_them(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "SHOPIFY", create_customers=False)
    answer = await shopify(http, "orders/create", fixture("shopify_order.json"), "w")
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "IGNORED"
    assert await rows(clean_db, "SELECT 1 FROM purchases") == []


async def dolibarr(http: httpx.AsyncClient, token: str, payload: dict[str, Any]) -> httpx.Response:
    return await http.post(f"/integrations/dolibarr/web/{token}", json=payload)


async def test_dolibarr_customer_invoice_payment_credit_note_and_cancel(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    token = await connect(clean_db, "DOLIBARR")
    assert token
    company = await dolibarr(http, token, fixture("dolibarr_company_create.json"))
    assert company.json()["outcome"] == "APPLIED", company.text
    maria = int(company.json()["customerId"])

    validated = await dolibarr(http, token, fixture("dolibarr_bill_validate.json"))
    assert validated.json()["outcome"] == "APPLIED", validated.text
    invoice = await purchase(clean_db, "312")
    assert (invoice.status, invoice.channel, invoice.customer_id) == ("CREATED", "INVOICE", maria)
    lines = await rows(
        clean_db, "SELECT sku, quantity, unit_price_minor, product_line FROM purchase_lines"
        " ORDER BY line_no",
    )  # fmt: skip
    assert [tuple(r) for r in lines] == [
        ("CAFE-1KG", 2, 1800, "product"),
        ("line-2", 1, 650, "service"),
    ]
    paid = fixture("dolibarr_bill_validate.json") | {"triggercode": "BILL_PAYED"}
    assert (await dolibarr(http, token, paid)).json()["outcome"] == "APPLIED"
    assert (await purchase(clean_db, "312")).status == "PAID"
    earned = await balance(clean_db, maria)
    assert earned > 0
    # The same call again (Dolibarr has no delivery id: the body's digest) is a duplicate
    assert (await dolibarr(http, token, paid)).json()["outcome"] == "DUPLICATE"

    credit = await dolibarr(http, token, fixture("dolibarr_credit_note.json"))
    assert credit.json()["outcome"] == "APPLIED", credit.text
    returned = await rows(clean_db, "SELECT refunded_quantity FROM purchase_lines ORDER BY 1")
    assert sorted(r[0] for r in returned) == [0, 1]
    assert await balance(clean_db, maria) < earned

    cancel = fixture("dolibarr_bill_validate.json") | {"triggercode": "BILL_CANCEL"}
    assert (await dolibarr(http, token, cancel)).json()["outcome"] == "APPLIED"
    assert await balance(clean_db, maria) == 0


async def test_a_wrong_dolibarr_token_is_401_and_a_rotated_one_stops_working(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    from domain.integrations.connections import rotate_dolibarr_token

    token = await connect(clean_db, "DOLIBARR")
    assert token
    wrong = await dolibarr(http, token + "x", fixture("dolibarr_company_create.json"))
    assert wrong.status_code == 401
    fresh = await rotate_dolibarr_token(UnitOfWork(clean_db), "web")
    old = await dolibarr(http, token, fixture("dolibarr_company_create.json"))
    new = await dolibarr(http, fresh, fixture("dolibarr_company_create.json"))
    assert (old.status_code, new.status_code) == (401, 200)
    assert await rows(clean_db, "SELECT token_sha256 FROM platform_connections") == [
        (hashlib.sha256(fresh.encode()).hexdigest(),)
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda o: o["line_items"][0].update(quantity="1e999999"),
        lambda o: o["line_items"][0].update(quantity=1e308),
        lambda o: o["line_items"][0].update(total="1e999999999"),
        lambda o: o["line_items"][0].update(total="NaN"),
        lambda o: o["line_items"][0].update(total=True),
        lambda o: o["line_items"][0].update(sku="\ud800"),
        lambda o: o["line_items"][0].update(sku="x" * 10_000),
        lambda o: o.update(date_paid_gmt="9999-12-31T23:59:59-14:00"),
        lambda o: o.update(date_paid_gmt="0001-01-01T00:00:00+14:00"),
        lambda o: o.update(date_paid_gmt=10**20),
        lambda o: o.update(id=10**400),
        lambda o: o.update(billing={"email": "not an email"}),
        lambda o: o.update(status=["processing"]),
        lambda o: o.update(line_items=[None]),
        lambda o: o["line_items"][0].update(meta_data=5),
        lambda o: o["line_items"][0].update(meta_data={"key": "category"}),
    ],
)
async def test_strange_values_are_never_a_server_error(
    http: httpx.AsyncClient, clean_db: AsyncEngine, change: Any
) -> None:
    await connect(clean_db, "WOOCOMMERCE")
    order = copy.deepcopy(fixture("woocommerce_order.json"))
    change(order)
    answer = await woo(http, order, "d")
    assert answer.status_code in (200, 400), answer.text
    assert answer.json()["outcome"] in ("REJECTED", "IGNORED"), answer.text


async def test_thirty_concurrent_deliveries_of_one_order_award_once(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "WOOCOMMERCE")
    order = {**fixture("woocommerce_order.json"), "status": "completed"}
    answers = await asyncio.gather(
        *(woo(http, order, f"d-{n % 3}") for n in range(30))  # 3 deliveries, 10 times each
    )
    assert {a.status_code for a in answers} == {200}
    made = await purchase(clean_db, "727")
    assert made.n == 1
    assert await balance(clean_db, made.customer_id) == made.points_earned
    assert (await rows(clean_db, "SELECT count(*) FROM customers"))[0][0] == 1
    outcomes = [o for o, _, _ in await log(clean_db)]
    assert outcomes.count("APPLIED") == 3 and outcomes.count("DUPLICATE") == 27


async def test_shopify_pending_then_paid_then_cancelled(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "SHOPIFY")
    order = {**fixture("shopify_order.json"), "financial_status": "pending"}
    assert (await shopify(http, "orders/create", order, "w-1")).json()["outcome"] == "APPLIED"
    pending = await purchase(clean_db, "820982911946154508")
    assert (pending.status, pending.points_earned) == ("CREATED", 0)

    paid = await shopify(http, "orders/paid", {**order, "financial_status": "paid"}, "w-2")
    assert paid.json()["outcome"] == "APPLIED"
    made = await purchase(clean_db, "820982911946154508")
    assert made.status == "PAID" and await balance(clean_db, made.customer_id) > 0

    cancelled = await shopify(http, "orders/cancelled", order, "w-3")
    assert cancelled.json()["outcome"] == "APPLIED"
    assert await balance(clean_db, made.customer_id) == 0
    # A topic Tessera does not handle is logged and ignored
    other = await shopify(http, "products/update", {"id": 1}, "w-4")
    assert (other.status_code, other.json()["outcome"]) == (200, "IGNORED")


async def test_woocommerce_ping_and_a_shop_mapping_override(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "WOOCOMMERCE", status_map={"on-hold": "PAID"})
    body = b"webhook_id=15"
    ping = await http.post(
        "/integrations/woocommerce/web",
        content=body,
        headers={
            "X-WC-Webhook-Signature": sign(body),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert (ping.status_code, ping.json()["outcome"]) == (200, "IGNORED")
    on_hold = {**fixture("woocommerce_order.json"), "status": "on-hold"}
    assert (await woo(http, on_hold, "d")).json()["outcome"] == "APPLIED"
    assert (await purchase(clean_db, "727")).status == "PAID"  # the shop's override


def test_logs_never_show_a_dolibarr_token() -> None:
    from tessera.integrations import loggable_path

    assert (
        loggable_path("/integrations/dolibarr/erp/s3cr3t") == "/integrations/dolibarr/erp/<token>"
    )
    assert loggable_path("/integrations/shopify/web") == "/integrations/shopify/web"


async def test_an_erased_customer_is_forgotten_by_the_integrations(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    from data_protection.parts import PARTS
    from domain.data_requests.services import erase_customer

    await connect(clean_db, "WOOCOMMERCE")
    order = fixture("woocommerce_order.json")
    assert (await woo(http, order, "d-1")).json()["outcome"] == "APPLIED"
    john = (await purchase(clean_db, "727")).customer_id

    await erase_customer(UnitOfWork(clean_db), PARTS, john, "staff:admin", "erase-john")

    assert await rows(clean_db, "SELECT 1 FROM platform_customers") == []
    reasons = await rows(clean_db, "SELECT reason FROM integration_log")
    assert [r.reason for r in reasons] == [""]
    # WooCommerce's next order of that customer finds nobody: a new customer is registered
    # (the shop registers unknown ones), never the erased one
    again = await woo(http, {**order, "id": 728}, "d-2")
    assert again.json()["outcome"] == "APPLIED", again.text
    assert (await purchase(clean_db, "728")).customer_id != john


async def test_a_guest_registered_by_an_order_leaves_no_trace_of_their_email(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    from data_protection.parts import PARTS
    from domain.customers.invariants import erased_customers_hold_no_personal_data
    from domain.data_requests.services import erase_customer
    from tests.schema.test_data_requests_api import rows_naming

    email = "guest.zorro@zorkmail.eu"
    await connect(clean_db, "WOOCOMMERCE")
    order = fixture("woocommerce_order.json")
    guest = {**order, "customer_id": 0, "billing": {**order["billing"], "email": email}}
    assert (await woo(http, guest, "d-1")).json()["outcome"] == "APPLIED"
    zorro = (await purchase(clean_db, "727")).customer_id
    assert await rows_naming(clean_db, email) != []  # the key registered them by email

    await erase_customer(UnitOfWork(clean_db), PARTS, zorro, "staff:admin", "erase-zorro")

    assert await rows_naming(clean_db, email) == []
    async with clean_db.connect() as conn:
        assert await erased_customers_hold_no_personal_data(conn) == []
    # The same guest ordering again is a new customer, under the same key as before
    assert (await woo(http, {**guest, "id": 728}, "d-2")).json()["outcome"] == "APPLIED"
    assert (await purchase(clean_db, "728")).customer_id not in (None, zorro)
