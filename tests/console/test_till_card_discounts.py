"""The till in Chromium with card discounts: a customer holding a DISCOUNT card and an open
current discount (from a 150.00 sale) under a price rule; each line shows what the rule,
the card and the current discount take off it, her card page lists the open discount, the
total is what she pays, and recording the sale records each line's discounts (and uses the
discount)."""

from __future__ import annotations

import re

from playwright.async_api import expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from tests.console.conftest import OpenConsole
from tests.console.test_till import CARD, ann_with_points, look, type_line, write
from tests.support.api import GraphQLClient
from tests.support.cards import add_series, issue_card
from tests.support.ledger import assert_ledger_sound

CARDS_PAGE = "query($id: ID!) { currentDiscounts(customerId: $id) { usedAt } }"
BANDS = [{"fromMinor": 5000, "percentBp": 500}, {"fromMinor": 15000, "percentBp": 1000}]


async def test_a_priced_cart_shows_each_lines_contributions_and_records_them(
    open_console: OpenConsole, gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given Ann (Bronze: 10% off beans) with a Friends card (10%) and a Big spender card,
    # whose 150.00 sale gave her 10% off her next purchase
    customer_id = await ann_with_points(gql)
    friends = await add_series(engine, "Friends", "DISCOUNT")
    spender = await add_series(engine, "Big spender", "CURRENT_DISCOUNT")
    await write(
        gql,
        "admin/SetCardSeriesDiscount",
        {"seriesId": str(friends), "discount": {"percentBp": 1000}},
    )
    current = {"mode": "BANDS", "bands": BANDS, "validDays": 30}
    await write(
        gql, "admin/SetCardSeriesDiscount", {"seriesId": str(spender), "currentDiscount": current}
    )
    await issue_card(engine, customer_id, friends, "FR-1", "DISCOUNT")
    await issue_card(engine, customer_id, spender, "BS-1", "CURRENT_DISCOUNT")
    coat = {"sku": "COAT", "quantity": 1, "unitPriceMinor": 15000}
    last = {"orderId": "LAST", "status": "PAID", "customerId": customer_id, "lines": [coat]}
    await write(gql, "pos/RecordPurchase", {"input": last})

    # When the cashier scans her card and types 2 BEANS at 12.50 and a MUG at 8.00
    page = await open_console(Role.CASHIER, "till")
    await expect(page.get_by_label("Card code")).to_be_focused()
    await page.keyboard.type(CARD)
    await page.keyboard.press("Enter")
    await expect(page.locator(".till-who").get_by_text("Ann Lee")).to_be_visible()
    await type_line(page, "BEANS", "2", "12.50")
    await type_line(page, "MUG", None, "8.00")

    # Then each line lists what each source takes off it, and the total is what she pays:
    # beans 22.50 - 2.25 (card) - 2.02 (current), mug 8.00 - 0.80 - 0.72
    beans = page.get_by_role("list", name="Discounts on BEANS").get_by_role("listitem")
    await expect(beans).to_have_text(
        [
            "Bronze: 10% off beans (price rule) \N{MINUS SIGN}€2.50",
            "Friends (card) \N{MINUS SIGN}€2.25",
            "10% from the last sale (current discount) \N{MINUS SIGN}€2.02",
        ]
    )
    mug = page.get_by_role("list", name="Discounts on MUG").get_by_role("listitem")
    await expect(mug).to_have_text(
        [
            "Friends (card) \N{MINUS SIGN}€0.80",
            "10% from the last sale (current discount) \N{MINUS SIGN}€0.72",
        ]
    )
    rows = page.locator("table.till-lines tbody tr")
    await expect(rows.nth(0)).to_contain_text("€18.23")
    await expect(rows.nth(1)).to_contain_text("€6.48")
    sums = page.locator(".till-cart-sums")
    await expect(sums).to_contain_text("Cards and current discount")
    await expect(sums.locator(".till-total")).to_contain_text("€24.71")
    await look(page, "card-discounts")

    # And her card page, opened from the keyboard, lists the current discount the 150.00
    # sale gave, open; Escape closes it
    await page.locator(".till-who").get_by_role("button", name="Cards…").focus()
    await page.keyboard.press("Enter")
    cards = page.locator(".till-cards")
    await expect(cards.get_by_role("heading", name="Ann Lee's cards")).to_be_focused()
    discounts = cards.get_by_role("table", name="Current discounts").locator("tbody tr")
    await expect(discounts).to_have_count(1)
    await expect(discounts.first.locator("td")).to_have_text(
        ["10% off", re.compile(r"^€150\.00 on "), "BS-1", re.compile(r"^Open until ")]
    )
    await look(page, "card-page-discounts")
    await cards.get_by_label("Reason").focus()
    await page.keyboard.press("Escape")
    await expect(cards).to_have_count(0)

    # When the sale is recorded, then each line's discounts are recorded with it
    await page.locator("#till-record").click()
    receipt = page.locator(".till-receipt")
    await expect(receipt.get_by_role("heading", name="Receipt")).to_be_visible()
    await expect(receipt).to_contain_text("Cards saved")
    found = await gql.data(CARDS_PAGE, {"id": customer_id})
    assert [d["usedAt"] is not None for d in found["currentDiscounts"]] == [True]
    async with engine.connect() as conn:
        recorded = (
            await conn.execute(
                text(
                    "SELECT d.line_no, d.source_kind, d.amount_minor"
                    "  FROM purchase_line_discounts d JOIN purchases p ON p.id = d.purchase_id"
                    " WHERE p.order_id <> 'LAST' ORDER BY 1, 2"
                )
            )
        ).all()
    assert [tuple(r) for r in recorded] == [
        (1, "CARD", 225),
        (1, "CURRENT_DISCOUNT", 202),
        (1, "PRICE_RULE", 250),
        (2, "CARD", 80),
        (2, "CURRENT_DISCOUNT", 72),
    ]
    await assert_ledger_sound(engine)
