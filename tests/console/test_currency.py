"""A shop selling in yen, in Chromium: the console shows and takes every amount in the
shop's currency (TESSERA_CURRENCY, read from the API's `shop` before any page), not euros."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from tests.console.test_till import CARD, type_line, write
from tests.support.api import GraphQLClient, running_server
from tests.support.console import (
    DESKTOP,
    SentOperations,
    assert_accessible,
    screenshots,
    session_script,
)


async def test_a_yen_shop_s_till_shows_and_takes_whole_yen(
    browser: Browser, database_url: str, clean_db: AsyncEngine, tokens: dict[str, str]
) -> None:
    async with (
        running_server(database_url, currency="JPY") as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        # Given a yen shop and Ann, who holds a card
        gql = GraphQLClient(http, tokens["admin"])
        ann = {"cardCode": CARD, "firstName": "Ann", "lastName": "Lee", "idempotencyKey": "ann"}
        await write(gql, "admin/CreateCustomer", {"input": ann})
        context = await browser.new_context(viewport=DESKTOP, base_url=url)
        sent = SentOperations()
        try:
            await context.add_init_script(
                session_script(tokens["cashier"], Role.CASHIER, "cashier@example.com")
            )
            page = await context.new_page()
            page.on(
                "request",
                lambda request: (
                    sent.record(request.post_data) if request.url.endswith("/graphql") else None
                ),
            )
            # When a cashier opens the till and scans Ann's card
            await page.goto("/console/till")
            await expect(page.get_by_label("Card code")).to_be_focused()
            await page.keyboard.type(CARD)
            await page.keyboard.press("Enter")
            await expect(page.locator(".till-who").get_by_text("Ann Lee")).to_be_visible()
            # Then the price field asks for whole yen, and refuses a price with decimals
            await expect(page.get_by_label("Product (SKU)")).to_be_focused()
            await expect(page.get_by_label("Unit price")).to_have_attribute("placeholder", "0")
            await page.keyboard.type("TEA")
            await page.keyboard.press("Enter")
            await page.keyboard.type("12.50")
            await page.keyboard.press("Enter")
            await expect(page.get_by_text("An amount such as 1250.")).to_be_visible()
            # When she buys 2 TEA at 1250 yen, then the line and the total are in yen
            await page.get_by_label("Unit price").fill("")
            await page.get_by_label("Product (SKU)").fill("")
            await page.get_by_label("Product (SKU)").focus()
            await type_line(page, "TEA", "2", "1250")
            rows = page.locator("table.till-lines tbody tr")
            await expect(rows).to_have_count(1)
            await expect(rows.nth(0)).to_contain_text("¥1,250")
            await expect(rows.nth(0)).to_contain_text("¥2,500")
            await expect(page.locator(".till-cart-sums .till-total")).to_contain_text("¥2,500")
            await expect(page.get_by_text("€")).to_have_count(0)
            await assert_accessible(page)
            await screenshots(page, "till-yen")
        finally:
            await context.close()
        assert not sent.outside_contract, sent.outside_contract
