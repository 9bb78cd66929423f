"""The till's cards in Chromium, from the keyboard: a second card finds the customer and the
till says which card was read; a lost card is refused with its reason; the cashier opens the
customer's cards, replaces the lost one by a scanned code, prints the new card's barcode;
the new card then finds the customer with the points unchanged. The customer page lists the
cards, and the program's Card series area makes a series and downloads its cards."""

from __future__ import annotations

from playwright.async_api import Page, expect

from domain.access.permissions import Role
from tests.console.conftest import OpenConsole
from tests.console.test_till import run, write
from tests.support.api import GraphQLClient
from tests.support.console import assert_accessible

CARD = "2900000099999"
SECOND = "SECOND-CARD-7"
NEW = "2900000099982"


async def ann(gql: GraphQLClient) -> str:
    """Ann Lee, card CARD and a second card SECOND, 500 points."""
    created = await write(
        gql,
        "admin/CreateCustomer",
        {"input": {"cardCode": CARD, "firstName": "Ann", "lastName": "Lee", "idempotencyKey": "a"}},
    )
    customer_id: str = created["customer"]["id"]
    await write(
        gql,
        "pos/IssueCard",
        {"input": {"customerId": customer_id, "code": SECOND, "idempotencyKey": "second"}},
    )
    credit = {"customerId": customer_id, "points": 500, "note": "welcome", "idempotencyKey": "w"}
    await write(gql, "admin/AdjustPoints", {"input": credit})
    return customer_id


async def scan(page: Page, code: str) -> None:
    await page.keyboard.press("F2")
    await expect(page.get_by_label("Card code")).to_be_focused()
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")


async def test_the_till_reads_any_card_refuses_a_lost_one_and_replaces_it(
    open_console: OpenConsole, gql: GraphQLClient
) -> None:
    customer_id = await ann(gql)
    page = await open_console(Role.CASHIER, "till")
    await expect(page.get_by_label("Card code")).to_be_focused()

    # When the second card is scanned, then Ann shows and the till names the card read
    await scan(page, SECOND)
    who = page.locator(".till-who")
    await expect(who.get_by_text("Ann Lee")).to_be_visible()
    await expect(who).to_contain_text(f"Card read {SECOND} (points card)")
    await expect(who.locator("dd").first).to_have_text("500")

    # When the cashier opens her cards and reports the loyalty card lost, with a reason
    await who.get_by_role("button", name="Cards…").click()
    cards = page.locator(".till-cards")
    await expect(cards.get_by_role("heading", name="Ann Lee's cards")).to_be_visible()
    rows = cards.locator("tbody tr")
    await expect(rows).to_have_count(2)
    await cards.get_by_label("Reason").fill("Lost at the gym")
    await cards.get_by_role("button", name=f"Report lost: card {CARD}").click()
    await expect(cards.get_by_text(f"Card {CARD}: reported lost.")).to_be_visible()
    await expect(rows.filter(has_text=CARD)).to_contain_text("Lost since")
    await assert_accessible(page)

    # Then scanning the lost card is refused with its reason, never accepted
    await cards.get_by_role("button", name="Close").click()
    await scan(page, CARD)
    refusal = page.get_by_text(f"Card refused: Card {CARD} was reported lost")
    await expect(refusal).to_be_visible()
    await expect(refusal).to_contain_text("Lost at the gym")
    await assert_accessible(page)

    # When the cashier opens the holder's cards from the refusal and replaces the lost card
    # by a newly scanned one (keyboard: type, Enter)
    await page.get_by_role("button", name="Ann Lee's cards…").click()
    await page.get_by_role("button", name=f"Replace card {CARD}").click()
    new_code = page.get_by_label(f"New card for {CARD}")
    await expect(new_code).to_be_focused()
    await page.keyboard.type(NEW)
    await page.keyboard.press("Enter")
    cards = page.locator(".till-cards")
    await expect(cards.get_by_text(f"Card {CARD} replaced by {NEW}.")).to_be_visible()
    await expect(cards.locator("tbody tr").filter(has_text=NEW)).to_contain_text("primary")

    # And prints it: the barcode drawn from /cards/<code>.svg with the token, and Print
    await cards.get_by_role("button", name=f"Print card {NEW}").click()
    barcode = page.get_by_role("img", name=f"Barcode of card {NEW}")
    await expect(barcode).to_be_visible()
    assert await barcode.evaluate("img => img.complete && img.naturalWidth > 0")
    await expect(page.get_by_role("button", name="Print", exact=True)).to_be_enabled()
    await assert_accessible(page)

    # Then the new card finds Ann with her points; the old one is refused as replaced
    await page.get_by_role("button", name="Close").first.click()
    await scan(page, NEW)
    await expect(page.locator(".till-who")).to_contain_text(f"Card read {NEW}")
    await expect(page.locator(".till-who dd").first).to_have_text("500")
    await scan(page, CARD)
    await expect(page.get_by_text(f"Card refused: Card {CARD} was replaced")).to_be_visible()
    found = await run(gql, "pos/CustomerCards", {"id": customer_id})
    assert found["customer"]["cardCode"] == NEW


async def test_the_customer_page_lists_cards_and_the_program_makes_a_series(
    open_console: OpenConsole, gql: GraphQLClient
) -> None:
    customer_id = await ann(gql)
    page = await open_console(Role.MANAGER, f"customers/{customer_id}")
    section = page.locator("section", has=page.get_by_role("heading", name="Cards", exact=True))
    await expect(section.locator("tbody tr")).to_have_count(2)
    await expect(section).to_contain_text(CARD)
    await expect(section).to_contain_text("primary")

    page = await open_console(Role.MANAGER, "program/card-series")
    await expect(page.get_by_role("heading", name="Card series", level=2)).to_be_visible()
    form = page.get_by_role("form", name="Add a card series")
    await form.get_by_label("Name").fill("Gold card")
    await form.get_by_label("Type").select_option("DISCOUNT")
    await form.get_by_label("Prefix").fill("290")
    await form.get_by_label("Check digit").select_option("EAN13")
    await form.get_by_role("button", name="Add series").press("Enter")
    await expect(form.get_by_text("Gold card was added.")).to_be_visible()
    table = page.locator("table").first
    await expect(table.locator("tbody tr").filter(has_text="Gold card")).to_contain_text(
        "prefix 290, 13 characters, EAN-13 check digit"
    )
    await assert_accessible(page)
    async with page.expect_download() as download:
        await page.get_by_role("button", name="CSV of the cards of Gold card").click()
    assert (await download.value).suggested_filename.startswith("card-series-")
    # A bad setting is refused on its field
    await form.get_by_label("Name").fill("Short")
    await form.get_by_label("Check digit").select_option("EAN13")
    await form.get_by_label("Code length").fill("12")
    await form.get_by_role("button", name="Add series").click()
    await expect(form.get_by_text("An EAN-13 code is 13 digits")).to_be_visible()
