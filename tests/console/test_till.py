"""The till in Chromium, driven from the keyboard as a cashier works: scan a card, build the
cart, use a voucher and points, record the sale, read the receipt, refund it; and what the
ledger holds afterwards, read back through the API."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, Route, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from tests.console.conftest import OpenConsole
from tests.support.api import GraphQLClient
from tests.support.console import (
    DESKTOP,
    OPERATIONS_DIR,
    PHONE,
    assert_accessible,
    screenshots,
)
from tests.support.ledger import assert_ledger_sound

CARD = "2900000099999"


async def run(gql: GraphQLClient, name: str, variables: dict[str, Any] | None = None) -> Any:
    """The data of the contract operation `name` (admin/CreateCustomer)."""
    return await gql.data((OPERATIONS_DIR / f"{name}.graphql").read_text(), variables)


async def write(gql: GraphQLClient, name: str, variables: dict[str, Any]) -> Any:
    """The payload of the contract mutation `name`, which must carry no userErrors."""
    (payload,) = (await run(gql, name, variables)).values()
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def ann_with_points(gql: GraphQLClient) -> str:
    """Ann Lee, card CARD, 1,000 points: a Bronze member (10% off BEANS for Bronze)."""
    badge = await write(
        gql,
        "admin/CreateBadge",
        {"input": {"title": "Bronze", "minPoints": 100, "idempotencyKey": "bronze"}},
    )
    rule = {
        "name": "Bronze: 10% off beans",
        "effect": "PERCENT",
        "percentBp": 1000,
        "scope": "SKUS",
        "skus": ["BEANS"],
        "condition": "ANY_BADGE",
        "badgeIds": [badge["badge"]["id"]],
        "idempotencyKey": "bronze-beans",
    }
    await write(gql, "admin/CreatePriceRule", {"input": rule})
    ann = {"cardCode": CARD, "firstName": "Ann", "lastName": "Lee", "idempotencyKey": "ann"}
    customer_id: str = (await write(gql, "admin/CreateCustomer", {"input": ann}))["customer"]["id"]
    credit = {"customerId": customer_id, "points": 1000, "note": "welcome", "idempotencyKey": "w"}
    await write(gql, "admin/AdjustPoints", {"input": credit})
    return customer_id


async def five_off_voucher(gql: GraphQLClient) -> tuple[str, str]:
    """A single-use 5.00 voucher: its batch id and code."""
    batch = {
        "name": "Five off",
        "count": 1,
        "kind": "FIXED_AMOUNT",
        "valueMinor": 500,
        "maxUses": 1,
        "idempotencyKey": "five-off",
    }
    batch_id = (await write(gql, "admin/CreateVoucherBatch", {"input": batch}))["batch"]["id"]
    code = (await voucher_of(gql, batch_id))["code"]
    return batch_id, code


async def voucher_of(gql: GraphQLClient, batch_id: str) -> dict[str, Any]:
    found = await run(gql, "admin/Vouchers", {"filter": {"batchId": batch_id}})
    (edge,) = found["vouchers"]["edges"]
    node: dict[str, Any] = edge["node"]
    return node


async def ledger_of(gql: GraphQLClient, customer_id: str) -> list[tuple[str, int]]:
    """(kind, points) of the customer's entries, oldest first."""
    found = await run(
        gql, "admin/LedgerMovements", {"first": 50, "filter": {"customerId": customer_id}}
    )
    entries = [edge["node"]["entry"] for edge in found["ledgerMovements"]["edges"]]
    return [(e["kind"], e["points"]) for e in reversed(entries)]


async def look(page: Page, name: str) -> None:
    """The page as it is now: no serious accessibility violation, no sideways scrolling at
    phone width, and its screenshots (till-<name>-desktop.png, till-<name>-phone.png)."""
    await assert_accessible(page)
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    await page.set_viewport_size(DESKTOP)
    assert width <= PHONE["width"], f"the page scrolls sideways at phone width ({width}px)"
    await screenshots(page, f"till-{name}")


async def type_line(page: Page, sku: str, quantity: str | None, price: str) -> None:
    """A line typed into the entry form: SKU, [Tab, quantity,] Enter or Tab, price, Enter."""
    await page.keyboard.type(sku)
    if quantity is None:
        # As a barcode scanner does: the SKU then Enter, which goes on to the price.
        await page.keyboard.press("Enter")
    else:
        await page.keyboard.press("Tab")
        await page.keyboard.type(quantity)
        await page.keyboard.press("Tab")
    await expect(page.get_by_label("Unit price")).to_be_focused()
    await page.keyboard.type(price)
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Product (SKU)")).to_be_focused()


async def test_cashier_completes_a_sale_with_points_and_a_voucher_then_refunds_it(
    open_console: OpenConsole, gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given Ann (card, 1,000 points, Bronze: 10% off beans) and a single-use 5.00 voucher
    customer_id = await ann_with_points(gql)
    batch_id, code = await five_off_voucher(gql)

    # When a cashier opens the till, then the card field has the keyboard
    page = await open_console(Role.CASHIER, "till")
    card = page.get_by_label("Card code")
    await expect(card).to_be_focused()
    await expect(page.get_by_role("heading", name="Till", level=1)).to_be_visible()
    await look(page, "empty")

    # When a card nobody holds is scanned, then the till says so and keeps the field ready
    await page.keyboard.type("NO-SUCH-CARD")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("No customer holds the card “NO-SUCH-CARD”")).to_be_visible()
    await expect(card).to_be_focused()
    await look(page, "unknown-card")
    # And Escape clears the field and the message
    await page.keyboard.press("Escape")
    await expect(card).to_have_value("")
    await expect(page.get_by_text("No customer holds the card")).to_have_count(0)

    # When Ann's card is scanned (typed, then Enter), then her points and badge show
    await page.keyboard.type(CARD)
    await page.keyboard.press("Enter")
    who = page.locator(".till-who")
    await expect(who.get_by_text("Ann Lee")).to_be_visible()
    await expect(who.locator(".till-badge")).to_have_text(["Bronze"])
    await expect(who.locator("dd").first).to_have_text("1,000")

    # When she buys 2 BEANS at 12.50 and a MUG at 8.00 (scanned: SKU then Enter)
    await expect(page.get_by_label("Product (SKU)")).to_be_focused()
    await type_line(page, "BEANS", "2", "12.50")
    await type_line(page, "MUG", None, "8.00")

    # Then the beans are at her member price (11.25) and the total is 30.50
    rows = page.locator("table.till-lines tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("€11.25")
    await expect(rows.nth(0)).to_contain_text("€22.50")
    await expect(rows.nth(1)).to_contain_text("€8.00")
    await expect(page.locator(".till-cart-sums .till-total")).to_contain_text("€30.50")

    # When the cashier goes to the voucher (F8) and types the code, then it is checked live
    await page.keyboard.press("F8")
    voucher_field = page.get_by_label("Voucher code")
    await expect(voucher_field).to_be_focused()
    await page.keyboard.type(code)
    await expect(page.get_by_text("Takes €5.00 off")).to_be_visible()
    await look(page, "cart")

    # When Enter uses it, then it is on the sale and the points field offers the most points
    await page.keyboard.press("Enter")
    await expect(page.locator(".till-used")).to_contain_text("\N{MINUS SIGN}€5.00")
    points = page.get_by_label("Points to use")
    await expect(points).to_be_focused()
    await expect(points).to_have_value("1000")
    await expect(page.get_by_text("Pays €10.00")).to_be_visible()
    await look(page, "payment")

    # When Enter pays with them, then 15.50 is left to pay and the keyboard is on Record
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Paid with 1,000 points (€10.00).")).to_be_visible()
    record = page.locator("#till-record")
    await expect(record).to_be_focused()
    await expect(page.locator(".till-payment .till-due")).to_contain_text("€15.50")

    # When Enter records the sale, then the receipt prints points used and earned
    await page.keyboard.press("Enter")
    receipt = page.locator(".till-receipt")
    await expect(receipt.get_by_role("heading", name="Receipt")).to_be_visible()
    points_box = receipt.locator(".receipt-points")
    await expect(points_box.locator("div").nth(0)).to_have_text("Points used1,000")
    await expect(points_box.locator("div").nth(1)).to_have_text("Points earned15")
    await expect(points_box.locator("div").nth(2)).to_have_text("Balance now15")
    await expect(receipt).to_contain_text(f"Voucher {code}")
    await expect(receipt.locator(".till-due")).to_contain_text("€15.50")
    # And the card field is ready for the next customer
    await expect(card).to_be_focused()
    await look(page, "receipt")
    # And printing prints the receipt alone, from its button
    await page.emulate_media(media="print")
    await expect(receipt.locator(".receipt")).to_be_visible()
    await expect(page.locator(".till-customer")).to_be_hidden()
    await expect(receipt.get_by_role("button", name="Print receipt")).to_be_hidden()
    await page.emulate_media(media="screen")
    await page.evaluate("() => { window.printed = 0; window.print = () => window.printed++; }")
    await receipt.get_by_role("button", name="Print receipt").focus()
    await page.keyboard.press("Enter")
    assert await page.evaluate("() => window.printed") == 1
    order_id = (await receipt.locator(".receipt-meta .till-code").text_content()) or ""
    assert order_id.startswith("TILL-")

    # Then the ledger holds exactly one spend and one earn, and the voucher was used once
    assert await ledger_of(gql, customer_id) == [
        ("MANUAL", 1000),
        ("REDEMPTION", -1000),
        ("PURCHASE", 15),
    ]
    voucher = await voucher_of(gql, batch_id)
    assert (voucher["uses"], voucher["status"]) == (1, "USED_UP")
    assert [r["orderId"] for r in voucher["redemptions"]["nodes"]] == [order_id]

    # When the cashier refunds the whole sale from the receipt (Enter on the order number)
    await receipt.get_by_role("button", name="Refund this sale…").focus()
    await page.keyboard.press("Enter")
    order_field = page.get_by_label("Order number")
    await expect(order_field).to_be_focused()
    await expect(order_field).to_have_value(order_id)
    await expect(page.get_by_label("Everything not refunded yet")).to_be_checked()
    await page.keyboard.press("Enter")

    # Then the earned points go back and the points paid come back
    refunded = page.locator(".till-refunded")
    await expect(refunded).to_contain_text("refunded")
    await expect(refunded.locator("div", has_text="Earned points taken back")).to_contain_text("15")
    await expect(refunded.locator("div", has_text="Given back as points")).to_contain_text(
        "1,000 points (€10.00)"
    )
    await expect(refunded.locator("div", has_text="Balance now")).to_contain_text("1,000")
    await look(page, "refund")
    assert await ledger_of(gql, customer_id) == [
        ("MANUAL", 1000),
        ("REDEMPTION", -1000),
        ("PURCHASE", 15),
        ("REDEMPTION_REFUND", 1000),
        ("REFUND", -15),
    ]
    await assert_ledger_sound(engine)


async def test_a_sale_cancelled_gives_back_its_points_and_its_voucher(
    open_console: OpenConsole, gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given Ann (1,000 points) and a single-use 5.00 voucher, used with 500 points on a sale
    customer_id = await ann_with_points(gql)
    batch_id, code = await five_off_voucher(gql)
    page = await open_console(Role.CASHIER, "till")
    await expect(page.get_by_label("Card code")).to_be_focused()
    await page.keyboard.type(CARD)
    await page.keyboard.press("Enter")
    await expect(page.locator(".till-who").get_by_text("Ann Lee")).to_be_visible()
    await expect(page.get_by_label("Product (SKU)")).to_be_focused()
    await type_line(page, "MUG", "3", "8.00")
    await page.keyboard.press("F8")
    await page.keyboard.type(code)
    await expect(page.get_by_text("Takes €5.00 off")).to_be_visible()
    await page.keyboard.press("Enter")
    points = page.get_by_label("Points to use")
    await expect(points).to_be_focused()
    await points.fill("500")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Paid with 500 points (€5.00).")).to_be_visible()
    assert (await voucher_of(gql, batch_id))["uses"] == 1

    # When the card payment fails and the cashier cancels the sale from the keyboard (Tab
    # from Record, Enter), then the till says what comes back: the points and the voucher
    await expect(page.locator("#till-record")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Cancel the sale…")).to_be_focused()
    await page.keyboard.press("Enter")
    confirm = page.get_by_role("group", name="Cancel the sale?")
    await expect(confirm).to_contain_text("The 500 points paid come back to the customer.")
    await expect(confirm).to_contain_text(f"The voucher {code} is given back")
    await expect(confirm.get_by_role("button", name="Cancel the sale")).to_be_focused()
    await look(page, "cancel")
    await page.keyboard.press("Enter")

    # Then the till is ready for the next sale, the points are back, and the code is usable
    await expect(page.get_by_label("Card code")).to_be_focused()
    voucher = await voucher_of(gql, batch_id)
    assert (voucher["uses"], voucher["status"]) == (0, "ACTIVE")
    assert [bool(r["cancelledAt"]) for r in voucher["redemptions"]["nodes"]] == [True]
    assert await ledger_of(gql, customer_id) == [
        ("MANUAL", 1000),
        ("REDEMPTION", -500),
        ("REVERSAL", 500),
    ]
    # And the back office shows the code active again, its last use given back
    office = await open_console(Role.ADMIN, "program/vouchers")
    await office.get_by_role("button", name="Show the codes of Five off").focus()
    await office.keyboard.press("Enter")
    row = office.locator("tr", has_text=code)
    await expect(row).to_contain_text("Active")
    await expect(row).to_contain_text("€5.00 off, given back")
    await assert_ledger_sound(engine)


async def test_held_points_captured_and_a_sale_whose_answer_is_lost_is_recorded_once(
    open_console: OpenConsole, gql: GraphQLClient, engine: AsyncEngine
) -> None:
    # Given Ann with 1,000 points, and a network that loses the answer of the first
    # recordPurchase (the server records the sale; the till never hears back)
    customer_id = await ann_with_points(gql)
    page = await open_console(Role.CASHIER, "till")
    lost: list[str] = []

    async def lose_first_record(route: Route) -> None:
        if "mutation RecordPurchase" in (route.request.post_data or "") and not lost:
            await route.fetch()
            lost.append(route.request.url)
            await route.abort("connectionreset")
            return
        await route.continue_()

    await page.route("**/graphql", lose_first_record)

    # When the cashier scans the card, sells 2 scarves at 10.00 and holds 500 points for
    # the card payment
    await expect(page.get_by_label("Card code")).to_be_focused()
    await page.keyboard.type(CARD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Product (SKU)")).to_be_focused()
    await type_line(page, "SCARF", "2", "10.00")
    await page.keyboard.press("F8")
    await expect(page.get_by_label("Voucher code")).to_be_focused()
    await page.keyboard.press("Enter")  # no voucher: on to the points
    points = page.get_by_label("Points to use")
    await expect(points).to_be_focused()
    await page.keyboard.type("500")
    await expect(page.get_by_text("Pays €5.00")).to_be_visible()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")  # past "Pay with points", on to "Hold for card payment"
    await expect(page.get_by_role("button", name="Hold for card payment")).to_be_focused()
    await page.keyboard.press("Enter")

    # Then the points are held (no longer spendable) and the keyboard is on Capture
    await expect(page.get_by_text("500 points (€5.00) held until")).to_be_visible()
    spendable = page.locator(".till-points div", has_text="Spendable")
    await expect(spendable).to_contain_text("500")
    await expect(page.get_by_role("button", name="Record sale")).to_be_disabled()
    await look(page, "hold")

    # When the card payment went through and the cashier captures the points
    await expect(page.get_by_role("button", name="Capture points")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("500 points (€5.00) captured")).to_be_visible()

    # When recording the sale loses its answer, then the till says so and offers a retry
    record = page.locator("#till-record")
    await expect(record).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Try recording again")).to_be_visible()
    assert len(lost) == 1

    # When the cashier records again (the keyboard is still on the button), then the
    # receipt shows the one sale
    await expect(record).to_be_focused()
    await page.keyboard.press("Enter")
    points_box = page.locator(".receipt-points")
    await expect(points_box.locator("div").nth(0)).to_have_text("Points used500")
    await expect(points_box.locator("div").nth(1)).to_have_text("Points earned15")

    # And the ledger holds one spend and one earn: the retry recorded nothing twice
    assert await ledger_of(gql, customer_id) == [
        ("MANUAL", 1000),
        ("REDEMPTION", -500),
        ("PURCHASE", 15),
    ]

    # When one scarf comes back (Some lines: 1 SCARF), refunded from the keyboard
    await page.locator(".till-receipt").get_by_role("button", name="Refund this sale…").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Order number")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Everything not refunded yet")).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_label("Some lines")).to_be_checked()
    await page.keyboard.press("Tab")
    quantity = page.get_by_label("Quantity of SCARF to refund")
    await expect(quantity).to_be_focused()
    await page.keyboard.type("1")
    await page.keyboard.press("Enter")

    # Then half the points used come back (250, 2.50) and the points the scarf earned go:
    # the other scarf earns on 10.00 less the 2.50 still paid in points, 7 of the 15
    refunded = page.locator(".till-refunded")
    await expect(refunded.locator("div", has_text="Lines refunded")).to_contain_text("€10.00")
    await expect(refunded.locator("div", has_text="Given back as points")).to_contain_text(
        "250 points (€2.50)"
    )
    await expect(refunded.locator("div", has_text="Earned points taken back")).to_contain_text("8")
    await expect(refunded.locator("div", has_text="Balance now")).to_contain_text("757")
    await look(page, "refund-lines")
    assert (await ledger_of(gql, customer_id))[3:] == [("REDEMPTION_REFUND", 250), ("REFUND", -8)]
    await assert_ledger_sound(engine)
