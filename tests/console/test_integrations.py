"""The Integrations page, used by an admin: connecting a Dolibarr ERP (its URL with the token
shown once), which then registers a customer and has a malformed invoice refused; the
integration log showing both, filtered; the token rotated (the old URL refused from then
on); a WooCommerce connection refused without its secret. A cashier has no such page."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from playwright.async_api import Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from tests.console.conftest import OpenConsole
from tests.support.console import assert_accessible, screenshots
from tests.support.console_data import assert_no_page_scroll_at_phone_width

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "integrations"


async def _dolibarr_url(page: Page) -> str:
    url = await page.locator(".secret-url").last.text_content()
    assert url and "/integrations/dolibarr/erp/" in url
    return url


async def test_an_admin_connects_dolibarr_and_reads_the_integration_log(
    open_console: OpenConsole, server_url: str
) -> None:
    page = await open_console(Role.ADMIN, "integrations")
    await expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    await expect(page.get_by_text("No platform is connected yet.")).to_be_visible()

    # A WooCommerce connection needs its secret
    form = page.get_by_role("form", name="Connect a platform")
    await form.get_by_label("Shop").fill("web")
    await form.get_by_role("button", name="Connect").click()
    await expect(form.get_by_text("at least 16 characters").first).to_be_visible()

    # Dolibarr: no secret, a token; validation maps to PAID; unknown customers registered
    await form.get_by_label("Shop").fill("erp")
    await form.get_by_label("Platform").select_option("DOLIBARR")
    await expect(form.get_by_label("Webhook secret")).to_have_count(0)
    await form.get_by_label("Status mapping").fill("BILL_VALIDATE = PAID")
    await form.get_by_label("Register unknown customers").check()
    await form.get_by_role("button", name="Connect").click()
    await expect(page.get_by_text("erp is connected.")).to_be_visible()
    url = await _dolibarr_url(page)
    row = page.get_by_role("row").filter(has_text="/integrations/dolibarr/erp/<token>")
    await expect(row).to_contain_text("BILL_VALIDATE → PAID")

    # Dolibarr calls it: a new customer, then an invoice without lines
    company = json.loads((FIXTURES / "dolibarr_company_create.json").read_text())
    invoice = json.loads((FIXTURES / "dolibarr_bill_validate.json").read_text())
    del invoice["object"]["lines"]
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.post(url, json=company)).status_code == 200
        assert (await http.post(url, json=invoice)).status_code == 400

    # The log shows both, newest first, and filters them
    await page.get_by_role("link", name="Integration log").click()
    table = page.get_by_role("table", name="Deliveries, newest first")
    await expect(table.get_by_role("row")).to_have_count(3)
    await expect(table.get_by_role("row").nth(1)).to_contain_text("rejected")
    await expect(table.get_by_role("row").nth(1)).to_contain_text("object.lines must be a list")
    await expect(table.get_by_role("row").nth(2)).to_contain_text("applied")
    await page.get_by_label("Outcome").select_option("APPLIED")
    await expect(table.get_by_role("row")).to_have_count(2)
    await expect(table).to_contain_text("COMPANY_CREATE")
    await assert_accessible(page)
    await screenshots(page, "integrations-log")

    # A new token: shown once; the old URL is refused from then on
    await page.get_by_role("link", name="Platforms").click()
    await page.get_by_role("button", name="New token for erp").click()
    fresh = await _dolibarr_url(page)
    assert fresh != url
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.post(url, json=company)).status_code == 401
        assert (await http.post(fresh, json=company)).status_code == 200
    await assert_accessible(page)
    await screenshots(page, "integrations-platforms")
    await assert_no_page_scroll_at_phone_width(page)


async def test_a_cashier_has_no_integrations_page(open_console: OpenConsole) -> None:
    page = await open_console(Role.CASHIER, "till")
    await expect(page.get_by_role("heading", level=1).first).to_be_visible()
    await expect(page.get_by_role("link", name="Integrations")).to_have_count(0)


async def test_an_admin_subscribes_a_url_and_sends_a_delivery_again(
    open_console: OpenConsole, clean_db: AsyncEngine
) -> None:
    page = await open_console(Role.ADMIN, "integrations/webhooks")
    await expect(page.get_by_text("No subscription yet.")).to_be_visible()
    form = page.get_by_role("form", name="Subscribe a URL")
    await form.get_by_label("URL").fill("http://127.0.0.1:9/hooks")
    await form.get_by_role("button", name="Subscribe").click()
    await expect(form.get_by_text("Choose at least one event.").first).to_be_visible()
    await form.get_by_label("Points earned").check()
    await form.get_by_label("Card issued").check()
    await form.get_by_role("button", name="Subscribe").click()
    await expect(page.get_by_text("http://127.0.0.1:9/hooks is subscribed.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Points earned, Card issued")
    await expect(row).to_contain_text("On")
    await row.get_by_role("button", name="Switch off http://127.0.0.1:9/hooks").click()
    await expect(row).to_contain_text("Off")

    # A delivery the receiver refused until it gave up, sent again
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO webhook_deliveries (subscription_id, event_id, queue_key,"
                " event_type, payload, occurred_at, status, attempts, last_status_code,"
                " last_error) SELECT id, 1, 0, 'POINTS_EARNED', '{}', now(), 'FAILED', 9, 500,"
                " 'HTTP 500' FROM webhook_subscriptions"
            )
        )
    await page.reload()
    log = page.get_by_role("table", name="Webhook deliveries, newest first")
    await expect(log).to_contain_text("failed")
    await expect(log).to_contain_text("HTTP 500")
    await log.get_by_role("button", name="Send again: Points earned").click()
    await expect(log.get_by_role("button", name="Queued: Points earned")).to_be_disabled()
    await page.get_by_label("Delivery status").select_option("FAILED")
    await expect(page.get_by_text("No delivery matches these filters.")).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, "integrations-webhooks")
    await assert_no_page_scroll_at_phone_width(page)
