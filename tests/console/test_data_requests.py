"""A customer's data requests on their page, by an admin: their data downloaded as JSON (the
export's document), then their erasure, refused until their number is typed, after which the
page shows them erased and nameless; a cashier sees no such section."""

from __future__ import annotations

import json

from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from tests.console.conftest import OpenConsole
from tests.support.console import assert_accessible, screenshots


async def test_an_admin_downloads_a_customers_data_then_erases_them(
    open_console: OpenConsole, clean_db: AsyncEngine
) -> None:
    ann = await create_customer(
        UnitOfWork(clean_db),
        {"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"},
        None,
        idempotency_key="ann",
    )
    cid = str(ann.item.id)
    page = await open_console(Role.ADMIN, f"customers/{cid}")
    section = page.get_by_role("region", name="Data requests")
    await expect(section).to_be_visible()

    async with page.expect_download() as waiting:
        await section.get_by_role("button", name="Download their data (JSON)").click()
    download = await waiting.value
    assert download.suggested_filename == f"customer-{cid}-data.json"
    document = json.loads((await download.path()).read_text("utf-8"))
    assert "ann@example.com" in json.dumps(document)

    await section.get_by_role("button", name="Erase this customer").click()
    await expect(section.get_by_text(f"Type {cid}, the customer's number").first).to_be_visible()
    await section.get_by_label("Type their number to confirm").fill(cid)
    await section.get_by_role("button", name="Erase this customer").click()
    await expect(section.get_by_text("Their personal data was erased on")).to_be_visible()
    await expect(page.get_by_text("ann@example.com")).to_have_count(0)
    await expect(page.locator(".customer-head .badge", has_text="Erased")).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, "customer-erased")


async def test_a_cashier_sees_no_data_requests(
    open_console: OpenConsole, clean_db: AsyncEngine
) -> None:
    bob = await create_customer(UnitOfWork(clean_db), {"first_name": "Bob"}, None)
    page = await open_console(Role.CASHIER, f"customers/{bob.item.id}")
    await expect(page.get_by_role("heading", name="Bob", level=1)).to_be_visible()
    await expect(page.get_by_role("region", name="Data requests")).to_have_count(0)
