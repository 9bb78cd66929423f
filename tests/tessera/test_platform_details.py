"""Given platforms reporting orders and customers through their webhooks, then:

- an order's billing details never change the customer it is linked to (an order is not
  a change of the customer; a rejected order writes nothing, and registers nobody), while
  Dolibarr's COMPANY_MODIFY does update them;
- a Dolibarr invoice's discount lines (negative totals) lower its other lines pro rata,
  so that the purchase adds up to the invoice's total before tax; a discount above the
  invoice is 400;
- a Dolibarr invoice in another currency counts in the company's (its total_ht);
- a Shopify shop whose prices include tax has each line's tax taken off;
- strange values in a Dolibarr invoice are 400, never a server error."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.services import PurchaseReport, record_purchase
from domain.uow import UnitOfWork
from tests.tessera import test_platform_webhooks as platform
from tests.tessera.test_platform_webhooks import (
    connect,
    dolibarr,
    fixture,
    purchase,
    rows,
    shopify,
    woo,
)

http = platform.http  # the fixture: a server on the test database, and a client of it


async def _name_and_email(engine: AsyncEngine, customer_id: int) -> tuple[str, str, str]:
    (row,) = await rows(
        engine,
        "SELECT first_name, last_name, email FROM customers WHERE id = :c",
        c=customer_id,
    )
    return tuple(row)


async def test_an_orders_billing_details_never_rewrite_the_linked_customer(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "WOOCOMMERCE")
    order = fixture("woocommerce_order.json")
    assert (await woo(http, order, "d-1")).json()["outcome"] == "APPLIED"
    john = (await purchase(clean_db, "727")).customer_id
    # Order 900 was recorded at the till for Ann; WooCommerce then reports it for John
    # (its customer 26) with other billing details: rejected, and John left as he was.
    ann = await create_customer(
        UnitOfWork(clean_db), {"email": "ann@example.com"}, None, idempotency_key="ann"
    )
    till = PurchaseReport("900", PurchaseStatus.PAID, [Line("X", 1, 100)],
                          customer_id=str(ann.item.id), shop="web", channel="POS")  # fmt: skip
    await record_purchase(UnitOfWork(clean_db), till, "till")
    billing = {**order["billing"], "first_name": "Mallory", "email": "mallory@evil.example"}
    rejected = await woo(http, {**order, "id": 900, "billing": billing}, "d-2")
    assert rejected.json()["outcome"] == "REJECTED", rejected.text
    assert await _name_and_email(clean_db, john) == ("John", "Doe", "john.doe@example.com")
    # Nor is anyone registered for it: reported for a platform customer unknown here, it
    # is rejected before registering them.
    stranger = {**order, "id": 900, "customer_id": 99,
                "billing": {**billing, "email": "stranger@example.com"}}  # fmt: skip
    again = await woo(http, stranger, "d-4")
    assert again.json()["outcome"] == "REJECTED", again.text
    assert "another customer" in again.json()["reason"]
    assert (
        await rows(clean_db, "SELECT 1 FROM customers WHERE email = 'stranger@example.com'") == []
    )
    # An accepted order typed with other billing details does not change him either.
    accepted = await woo(http, {**order, "id": 901, "billing": billing}, "d-3")
    assert accepted.json()["outcome"] == "APPLIED", accepted.text
    assert (await purchase(clean_db, "901")).customer_id == john
    assert await _name_and_email(clean_db, john) == ("John", "Doe", "john.doe@example.com")


async def test_dolibarr_company_modify_updates_the_customer(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    token = await connect(clean_db, "DOLIBARR")
    assert token
    created = await dolibarr(http, token, fixture("dolibarr_company_create.json"))
    maria = int(created.json()["customerId"])
    modified = copy.deepcopy(fixture("dolibarr_company_create.json"))
    modified["triggercode"] = "COMPANY_MODIFY"
    modified["object"].update(name="Maria Bianchi", email="maria.bianchi@example.it")
    assert (await dolibarr(http, token, modified)).json()["customerId"] == str(maria)
    assert (await _name_and_email(clean_db, maria))[1:] == (
        "Maria Bianchi",
        "maria.bianchi@example.it",
    )
    # A change of the name alone (no email in the call) is applied too.
    del modified["object"]["email"]
    modified["object"]["name"] = "Maria Verdi"
    assert (await dolibarr(http, token, modified)).json()["outcome"] == "APPLIED"
    assert (await _name_and_email(clean_db, maria))[1] == "Maria Verdi"


@pytest.fixture
async def token(http: httpx.AsyncClient, clean_db: AsyncEngine) -> str:
    """The Dolibarr connection's token, Maria Rossi (the third party 57) registered."""
    made = await connect(clean_db, "DOLIBARR")
    assert made
    await dolibarr(http, made, fixture("dolibarr_company_create.json"))
    return made


def _invoice_with(*extra_lines: dict[str, Any]) -> dict[str, Any]:
    invoice: dict[str, Any] = copy.deepcopy(fixture("dolibarr_bill_validate.json"))
    invoice["object"]["lines"].extend(extra_lines)
    return invoice


DISCOUNT = {"id": "903", "fk_product": None, "desc": "Remise", "product_type": "1",
            "qty": "1", "subprice": "-10.00000000", "total_ht": "-10.00000000"}  # fmt: skip


async def test_a_dolibarr_discount_line_lowers_the_other_lines_pro_rata(
    http: httpx.AsyncClient, clean_db: AsyncEngine, token: str
) -> None:
    answer = await dolibarr(http, token, _invoice_with(DISCOUNT))
    assert answer.json()["outcome"] == "APPLIED", answer.text
    lines = await rows(
        clean_db, "SELECT sku, quantity, unit_price_minor FROM purchase_lines ORDER BY line_no"
    )
    # 36.00 + 6.50 - 10.00: the 10.00 split 8.47 / 1.53 (pro rata, largest remainder),
    # then 27.53 over 2 rounds half up to 13.77 a unit.
    assert [tuple(r) for r in lines] == [("CAFE-1KG", 2, 1377), ("line-2", 1, 497)]
    assert (await purchase(clean_db, "312")).total_minor == 3251


async def test_a_dolibarr_discount_above_the_invoice_is_400_and_writes_nothing(
    http: httpx.AsyncClient, clean_db: AsyncEngine, token: str
) -> None:
    too_much = {**DISCOUNT, "total_ht": "-50.00"}
    answer = await dolibarr(http, token, _invoice_with(too_much))
    assert answer.status_code == 400, answer.text
    assert "discount" in answer.json()["reason"]
    assert await rows(clean_db, "SELECT 1 FROM purchases") == []


async def test_a_dolibarr_invoice_in_another_currency_counts_in_the_companys(
    http: httpx.AsyncClient, clean_db: AsyncEngine, token: str
) -> None:
    invoice: dict[str, Any] = copy.deepcopy(fixture("dolibarr_bill_validate.json"))
    invoice["object"]["multicurrency_code"] = "JPY"  # the customer is invoiced in yen
    invoice["object"]["lines"][0]["multicurrency_total_ht"] = "5800.00000000"
    invoice["object"]["lines"][1]["multicurrency_total_ht"] = "1050.00000000"
    assert (await dolibarr(http, token, invoice)).json()["outcome"] == "APPLIED"
    lines = await rows(clean_db, "SELECT unit_price_minor FROM purchase_lines ORDER BY line_no")
    assert [r[0] for r in lines] == [1800, 650]  # total_ht, in euro cents


async def test_a_shopify_order_with_prices_including_tax_counts_before_tax(
    http: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await connect(clean_db, "SHOPIFY")
    order: dict[str, Any] = copy.deepcopy(fixture("shopify_order.json"))
    order["taxes_included"] = True
    first, second = order["line_items"]
    first["tax_lines"] = [{"title": "IVA", "price": "34.08", "rate": 0.22}]  # (199 - 10) incl.
    second["tax_lines"] = [{"title": "IVA", "price": "20.00", "rate": 0.1},
                           {"title": "Eco", "price": "1.50", "rate": 0.0}]  # fmt: skip
    answer = await shopify(http, "orders/create", order, "w-tax")
    assert answer.json()["outcome"] == "APPLIED", answer.text
    made = await purchase(clean_db, str(order["id"]))
    assert made.total_minor == 189_00 + 199_00 - 34_08 - 21_50
    # Without taxes_included the same tax_lines are on top of the prices: nothing comes off.
    plain = {**order, "id": 1, "taxes_included": False}
    assert (await shopify(http, "orders/create", plain, "w-plain")).status_code == 200
    assert (await purchase(clean_db, "1")).total_minor == 189_00 + 199_00
    # A tax line that is no amount is refused.
    first["tax_lines"] = [{"price": "lots"}]
    refused = await shopify(http, "orders/create", {**order, "id": 2}, "w-bad")
    assert refused.status_code == 400 and "tax_lines" in refused.json()["reason"]


@pytest.mark.parametrize(
    "change",
    [
        lambda lines: lines[0].update(qty=10**400),
        lambda lines: lines[0].update(qty="1e999999"),
        lambda lines: lines[0].update(qty=["2"]),
        lambda lines: lines[0].update(qty="1.5"),
        lambda lines: lines[0].update(total_ht="NaN"),
        lambda lines: lines[0].update(total_ht={"a": 1}),
        lambda lines: lines.append(5),
    ],
)
async def test_strange_dolibarr_lines_are_400_never_a_server_error(
    http: httpx.AsyncClient, clean_db: AsyncEngine, token: str, change: Any
) -> None:
    invoice: dict[str, Any] = copy.deepcopy(fixture("dolibarr_bill_validate.json"))
    change(invoice["object"]["lines"])
    answer = await dolibarr(http, token, invoice)
    assert answer.status_code == 400, answer.text
    assert await rows(clean_db, "SELECT 1 FROM purchases") == []


async def test_a_dolibarr_deposit_and_its_final_invoice_earn_on_the_whole_sale(
    http: httpx.AsyncClient, clean_db: AsyncEngine, token: str
) -> None:
    deposit: dict[str, Any] = copy.deepcopy(fixture("dolibarr_bill_validate.json"))
    deposit["object"].update(id="311", type="3")
    deposit["object"]["lines"] = [
        {"id": "900", "fk_product": None, "desc": "Acompte 30%", "product_type": "1",
         "qty": "1", "total_ht": "12.75000000"}
    ]  # fmt: skip
    final = _invoice_with(
        {"id": "904", "fk_product": None, "desc": "(DEPOSIT)", "product_type": "1",
         "qty": "1", "total_ht": "-12.75000000"}
    )  # fmt: skip
    for invoice in (deposit, final):
        answer = await dolibarr(http, token, invoice)
        assert answer.json()["outcome"] == "APPLIED", answer.text
    totals = [(await purchase(clean_db, order)).total_minor for order in ("311", "312")]
    assert totals == [1275, 4250 - 1275]
    # A situation invoice (5) is not read.
    situation = copy.deepcopy(fixture("dolibarr_bill_validate.json"))
    situation["object"].update(id="313", type="5")
    assert (await dolibarr(http, token, situation)).json()["outcome"] == "IGNORED"
