"""The console's Customers pages in Chromium, as staff use them: find a customer, read their
360 page, adjust points after the preview, reverse a movement, page and filter the ledger,
move the category and record consent, register a customer; a viewer sees no write control
and a request forged from their page is refused."""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import uuid4

from playwright.async_api import Route, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from notifications.delivery.models import Channel, NewMessage, Purpose
from notifications.delivery.queueing import queue_message
from notifications.delivery.sending import Channels, deliver
from tests.console.conftest import OpenConsole
from tests.funnels.engine.support import Clock, active_funnel, advance
from tests.support.api import GraphQLClient
from tests.support.console import OPERATIONS_DIR, assert_accessible, screenshots
from tests.support.loyalty import one_code


def operation(name: str) -> str:
    return (OPERATIONS_DIR / f"{name}.graphql").read_text(encoding="utf-8")


async def mutate(gql: GraphQLClient, name: str, input: dict[str, Any]) -> dict[str, Any]:
    """Run a contract mutation as admin; its payload, which must carry no userErrors."""
    data = await gql.data(operation(name), {"input": input})
    (payload,) = data.values()
    assert payload["userErrors"] == [], payload["userErrors"]
    result: dict[str, Any] = payload
    return result


async def customer(gql: GraphQLClient, first: str, last: str, **more: Any) -> str:
    input = {"firstName": first, "lastName": last, "idempotencyKey": uuid4().hex, **more}
    created = await mutate(gql, "admin/CreateCustomer", input)
    cid: str = created["customer"]["id"]
    return cid


async def credit(gql: GraphQLClient, cid: str, points: int, note: str) -> str:
    input = {"customerId": cid, "points": points, "note": note, "idempotencyKey": uuid4().hex}
    entry_id: str = (await mutate(gql, "admin/AdjustPoints", input))["entry"]["id"]
    return entry_id


LEDGER = "query($id: ID!) { customer(id: $id) { points { balance } ledger(first: 100) { nodes { kind points note reversesEntryId } } } }"  # noqa: E501


async def ledger_of(gql: GraphQLClient, cid: str) -> tuple[int, list[dict[str, Any]]]:
    found = (await gql.data(LEDGER, {"id": cid}))["customer"]
    return found["points"]["balance"], found["ledger"]["nodes"]


async def ann_with_history(gql: GraphQLClient, engine: AsyncEngine) -> str:
    """Ann Lee: 620 points, the Silver badge (Gold next), a voucher, a reward within reach, a
    funnel that moved her to Gold, an email consent, a message sent."""
    cid = await customer(
        gql, "Ann", "Lee", email="ann.lee@example.com", phone="+393401234567",
        cardCode="CARD-ANN-1", externalRef="web-ann", consentEmail=True,
    )  # fmt: skip
    await credit(gql, cid, 500, "Welcome bonus")
    await credit(gql, cid, 120, "Complaint about a late delivery")
    for title, low, high in (("Silver", 500, 1999), ("Gold", 2000, None)):
        badge = {"title": title, "minPoints": low, "maxPoints": high, "idempotencyKey": title}
        await mutate(gql, "admin/CreateBadge", badge)
    code = await one_code(gql, valueMinor=500)
    await mutate(gql, "admin/AssignVoucher", {"code": code, "customerId": cid})
    mug = {"kind": "GIFT_ITEM", "giftSku": "MUG"}
    reward = {"name": "Coffee mug", "kind": "FREE_PRODUCT", "costPoints": 900, "voucher": mug,
              "idempotencyKey": "mug"}  # fmt: skip
    await mutate(gql, "admin/CreateReward", reward)
    await mutate(gql, "admin/CreatePointCategory", {"name": "Gold", "earnMultiplier": "2",
                                                    "idempotencyKey": "gold"})  # fmt: skip
    funnel = await active_funnel(engine, {
        "name": "Spring upgrade", "entry": {"trigger": {"campaign": {}}}, "start": "gold",
        "steps": [{"id": "gold", "type": "setCategory", "category": "Gold"}],
    }, f"spring-{cid}")  # fmt: skip
    clock = Clock()
    async with UnitOfWork(engine) as uow:
        await enter_ids(uow, Door(funnel, 1, "gold", EntryRule(Reentry.ONCE)), [int(cid)], clock())
        await uow.commit()
    await advance(engine, clock)
    content = {"subject": "You have 620 points", "text": "Thank you, Ann: 620 points."}
    new = NewMessage(f"points-{cid}", Channel.EMAIL, Purpose.TRANSACTIONAL,
                     "ann.lee@example.com", content, customer_id=int(cid))  # fmt: skip
    queued = await queue_message(UnitOfWork(engine), new)
    await deliver(UnitOfWork(engine), queued.message.id, Channels())
    return cid


async def test_search_finds_a_customer_whose_page_shows_points_ledger_badges_vouchers(
    open_console: OpenConsole, gql: GraphQLClient, clean_db: AsyncEngine
) -> None:
    # Given Ann with a history, and Bob
    await ann_with_history(gql, clean_db)
    await customer(gql, "Bob", "Marsh", email="bob@example.com")
    page = await open_console(Role.MANAGER, "customers")
    await expect(page.get_by_role("link", name="Bob Marsh")).to_be_visible()

    # When the manager searches for her card code
    await page.get_by_label("Search", exact=True).fill("CARD-ANN")
    await page.get_by_role("button", name="Search").click()

    # Then only Ann is listed, with her balance
    results = page.get_by_role("region", name="Customers matching “CARD-ANN”")
    await expect(results.get_by_role("row")).to_have_count(2)  # the header and Ann
    await expect(results.get_by_role("row", name="Ann Lee")).to_contain_text("620")
    await assert_accessible(page)
    await screenshots(page, "customers-search")

    # When she opens Ann's page
    await page.get_by_role("link", name="Ann Lee").click()

    # Then it shows her points, ledger, badges, vouchers, category history, funnel, message
    await expect(page.get_by_role("heading", name="Ann Lee", level=1)).to_be_visible()
    await expect(page.get_by_test_id("balance")).to_have_text("620")
    ledger = page.get_by_role("region", name="Ledger")
    await expect(ledger.get_by_role("row")).to_have_count(3)
    await expect(ledger.get_by_role("row").nth(1)).to_contain_text("Complaint about a late")
    await expect(ledger.get_by_role("row").nth(2)).to_contain_text("Welcome bonus")
    badges = page.get_by_role("region", name="Badges")
    await expect(badges.get_by_role("listitem").filter(has_text="Silver")).to_be_visible()
    await expect(badges).to_contain_text("Gold: 1,380 points to go")
    vouchers = page.get_by_role("region", name="Vouchers")
    await expect(vouchers).to_contain_text("off")
    await expect(vouchers.get_by_role("row")).to_have_count(2)
    await expect(page.get_by_role("region", name="Rewards")).to_contain_text("280 points to go")
    category = page.get_by_role("region", name="Category")
    await expect(category.get_by_role("row", name="Base to Gold")).to_contain_text("a funnel")
    funnels = page.get_by_role("region", name="Funnels entered")
    await expect(funnels).to_contain_text("Spring upgrade")
    await expect(funnels).to_contain_text("Completed")
    messages = page.get_by_role("region", name="Messages received")
    await expect(messages).to_contain_text("You have 620 points")
    consent = page.get_by_role("region", name="Consent")
    await expect(consent.get_by_role("checkbox", name="Email")).to_be_checked()
    await expect(consent.get_by_role("row").nth(1)).to_contain_text("Given")
    await assert_accessible(page)
    await screenshots(page, "customers-360")
    # The console's navigation leads back to the list from here
    await (
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Customers").click()
    )
    await expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    await expect(page).to_have_url(re.compile(r"/console/customers$"))


async def test_a_manager_adjusts_points_with_a_note_after_seeing_the_preview(
    open_console: OpenConsole, gql: GraphQLClient
) -> None:
    # Given a customer with 600 points
    cid = await customer(gql, "Cara", "Neri")
    await credit(gql, cid, 600, "Opening balance")
    page = await open_console(Role.MANAGER, f"customers/{cid}")
    adjust = page.get_by_role("region", name="Adjust points")

    # When the manager types a debit beyond the balance, the preview refuses it
    await adjust.get_by_label("Points", exact=True).fill("-1000")
    await expect(adjust.get_by_role("alert")).to_contain_text("1000 cannot be taken")
    await expect(adjust.get_by_role("button", name="Save adjustment")).to_be_disabled()

    # When she types 50 and saves without a note
    await adjust.get_by_label("Points", exact=True).fill("50")
    await expect(adjust.get_by_test_id("projected-balance")).to_have_text("650")
    await expect(adjust).to_contain_text("Balance 600")
    await adjust.get_by_role("button", name="Save adjustment").click()
    # Then the note is asked for and nothing is written
    await expect(adjust.get_by_text("Say why: the note is kept in the ledger.")).to_be_visible()
    assert (await ledger_of(gql, cid))[0] == 600
    await assert_accessible(page)

    # When she gives the note and saves, and the answer is lost on the way back (the server
    # wrote the movement), then saves again
    await adjust.get_by_label("Note").fill("Referral of a friend")
    await screenshots(page, "customers-adjust")
    keys: list[str] = []

    async def lose_the_first_answer(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        if body.get("operationName") != "AdjustPoints":
            await route.continue_()
            return
        keys.append(body["variables"]["input"]["idempotencyKey"])
        if len(keys) == 1:
            await route.fetch()  # the server writes it...
            await route.abort("connectionreset")  # ...and the answer never arrives
        else:
            await route.continue_()

    await page.route("**/graphql", lose_the_first_answer)
    await adjust.get_by_role("button", name="Save adjustment").click()
    await expect(adjust.get_by_text("The server could not be reached.")).to_be_visible()
    await adjust.get_by_role("button", name="Save adjustment").click()

    # Then the retry carried the same key, the page says saved, the balance is 650 and the
    # ledger shows the movement once
    await expect(adjust.get_by_role("status")).to_have_text(
        "Saved: +50 points. The balance is now 650."
    )
    assert len(keys) == 2 and keys[0] == keys[1]
    await expect(page.get_by_test_id("balance")).to_have_text("650")
    ledger = page.get_by_role("region", name="Ledger")
    await expect(ledger.get_by_role("row", name="Referral of a friend")).to_have_count(1)
    await expect(adjust.get_by_label("Points", exact=True)).to_have_value("")
    balance, entries = await ledger_of(gql, cid)
    assert balance == 650
    assert [(e["kind"], e["points"]) for e in entries if e["note"] == "Referral of a friend"] == [
        ("MANUAL", 50)
    ]


async def test_a_manager_reverses_a_manual_movement_after_confirming(
    open_console: OpenConsole, gql: GraphQLClient
) -> None:
    # Given a customer credited 500, then 80 by mistake
    cid = await customer(gql, "Dario", "Fo")
    await credit(gql, cid, 500, "Opening balance")
    mistaken = await credit(gql, cid, 80, "Typed the wrong customer")
    page = await open_console(Role.MANAGER, f"customers/{cid}")
    ledger = page.get_by_role("region", name="Ledger")
    row = ledger.get_by_role("row").filter(
        has=page.get_by_role("cell", name="Typed the wrong customer")
    )

    # When the manager asks to reverse it, the dialog says what it cancels
    await row.get_by_role("button", name="Reverse").click()
    dialog = page.get_by_role("dialog", name="Reverse this movement?")
    await expect(dialog).to_contain_text("+80 points")
    await expect(dialog).to_contain_text("A reversal of \u221280 points")  # a minus sign
    await assert_accessible(page)
    await screenshots(page, "customers-reverse")
    # Confirming without a reason is refused in the dialog
    await dialog.get_by_role("button", name="Confirm reversal").click()
    await expect(dialog.get_by_text("Say why it is reversed")).to_be_visible()
    await dialog.get_by_label("Reason for the reversal").fill("Wrong customer")
    await dialog.get_by_role("button", name="Confirm reversal").click()

    # Then the result is shown, the balance is back to 500 and the movement marked reversed
    await expect(dialog).to_be_hidden()
    await expect(ledger.get_by_role("status")).to_contain_text("The balance is now 500.")
    await expect(page.get_by_test_id("balance")).to_have_text("500")
    reversal = ledger.get_by_role("row").filter(
        has=page.get_by_role("cell", name="Wrong customer", exact=True)
    )
    await expect(reversal).to_contain_text("Reversal")
    await expect(reversal).to_contain_text(f"reverses entry {mistaken}")
    await expect(reversal).to_contain_text("\u221280")
    await expect(row).to_contain_text("Reversed")
    await expect(row.get_by_role("button", name="Reverse")).to_have_count(0)
    balance, entries = await ledger_of(gql, cid)
    assert balance == 500
    newest = entries[0]
    assert (newest["kind"], newest["points"], newest["reversesEntryId"]) == (
        "REVERSAL",
        -80,
        mistaken,
    )


async def test_the_ledger_pages_and_filters(open_console: OpenConsole, gql: GraphQLClient) -> None:
    # Given 13 movements of 1 to 13 points
    cid = await customer(gql, "Elsa", "Riva")
    for n in range(1, 14):
        await credit(gql, cid, n, f"movement {n}")
    page = await open_console(Role.VIEWER, f"customers/{cid}")
    ledger = page.get_by_role("region", name="Ledger")
    rows = ledger.get_by_role("row")

    # Then the first page holds the ten newest
    await expect(rows).to_have_count(11)
    await expect(rows.nth(1)).to_contain_text("movement 13")
    await expect(rows.nth(10)).to_contain_text("movement 4")
    # When the viewer goes to the older movements, then back
    await ledger.get_by_role("button", name="Older movements").click()
    await expect(rows).to_have_count(4)
    await expect(rows.nth(1)).to_contain_text("movement 3")
    await expect(ledger.get_by_text("Page 2")).to_be_visible()
    await expect(ledger.get_by_role("button", name="Older movements")).to_be_disabled()
    await ledger.get_by_role("button", name="Newer movements").click()
    await expect(rows.nth(1)).to_contain_text("movement 13")

    # When she keeps movements of 5 to 6 points
    await ledger.get_by_label("Points from").fill("5")
    await ledger.get_by_label("Points to").fill("6")
    await ledger.get_by_role("button", name="Filter").click()
    await expect(rows).to_have_count(3)
    await expect(rows.nth(1)).to_contain_text("movement 6")
    await expect(rows.nth(2)).to_contain_text("movement 5")
    # A bound that is no number is refused on its field
    await ledger.get_by_label("Points to").fill("six")
    await ledger.get_by_role("button", name="Filter").click()
    await expect(ledger.get_by_text("A whole number of points.")).to_be_visible()
    # Cleared, every movement is back
    await ledger.get_by_role("button", name="Clear").click()
    await expect(rows).to_have_count(11)


async def test_a_manager_moves_the_category_and_records_consent(
    open_console: OpenConsole, gql: GraphQLClient
) -> None:
    # Given a customer in Base, and a Gold category
    cid = await customer(gql, "Fabio", "Conti", email="fabio@example.com", phone="+393331112222")
    await mutate(gql, "admin/CreatePointCategory", {"name": "Gold", "earnMultiplier": "2",
                                                    "idempotencyKey": "gold"})  # fmt: skip
    page = await open_console(Role.MANAGER, f"customers/{cid}")
    category = page.get_by_role("region", name="Category")

    # When the manager moves him to Gold
    await category.get_by_label("Move to").select_option(label="Gold")
    await category.get_by_role("button", name="Move").click()

    # Then the category and its history say so
    await expect(category.get_by_role("status")).to_have_text("Moved to Gold, set by hand.")
    await expect(page.locator(".customer-head")).to_contain_text("Gold")
    await expect(category.get_by_role("row", name="Base to Gold")).to_contain_text("manager")
    await expect(category).to_contain_text("Set by hand")

    # When she records his consent to SMS
    consent = page.get_by_role("region", name="Consent")
    await consent.get_by_role("checkbox", name="SMS").check()
    await consent.get_by_role("button", name="Save consent").click()

    # Then the history shows the change by staff
    await expect(consent.get_by_role("status")).to_have_text("Consent saved.")
    await expect(consent.get_by_role("row").nth(1)).to_contain_text("SMS")
    await expect(consent.get_by_role("row").nth(1)).to_contain_text("Given")
    await expect(consent.get_by_role("row").nth(1)).to_contain_text("Staff, manager")
    found = await gql.data(
        "query($id: ID!) { customer(id: $id) { consentSms category { name } } }", {"id": cid}
    )
    assert found["customer"] == {"consentSms": True, "category": {"name": "Gold"}}
    await assert_accessible(page)


async def test_a_cashier_registers_a_customer_and_lands_on_their_page(
    open_console: OpenConsole, gql: GraphQLClient
) -> None:
    # Given the cashier on the customers list (she may register, not adjust points)
    page = await open_console(Role.CASHIER, "customers")
    await page.get_by_role("button", name="New customer").click()
    form = page.get_by_role("form", name="New customer")

    # When she registers Gina with a card code taken by nobody
    await form.get_by_label("First name").fill("Gina")
    await form.get_by_label("Last name").fill("Lollo")
    await form.get_by_label("Card code").fill("CARD-GINA")
    await form.get_by_role("textbox", name="Email").fill("not-an-email")
    await form.get_by_role("button", name="Register customer").click()
    # Then a bad email is refused on its field
    await expect(form.get_by_role("textbox", name="Email")).to_have_attribute(
        "aria-invalid", "true"
    )
    await assert_accessible(page)
    await screenshots(page, "customers-new")
    await form.get_by_role("textbox", name="Email").fill("gina@example.com")
    await form.get_by_role("button", name="Register customer").click()

    # Then her page opens, with no adjustment form for a cashier
    await expect(page.get_by_role("heading", name="Gina Lollo", level=1)).to_be_visible()
    await expect(page.get_by_role("region", name="Adjust points")).to_have_count(0)
    await expect(page.get_by_role("button", name="Edit details")).to_be_visible()
    found = await gql.data(operation("admin/CustomersList"), {"filter": {"search": "CARD-GINA"}})
    assert [e["node"]["email"] for e in found["customers"]["edges"]] == ["gina@example.com"]


WRITE_BUTTONS = ("Save adjustment", "Reverse", "Edit details", "Move", "Save consent")


async def test_a_viewer_sees_no_write_buttons_and_a_forged_request_is_refused(
    open_console: OpenConsole, gql: GraphQLClient
) -> None:
    # Given a customer with a manual movement (a manager would see Reverse on it)
    cid = await customer(gql, "Hugo", "Pratt")
    await credit(gql, cid, 300, "Opening balance")
    before = await ledger_of(gql, cid)

    # When a viewer opens the customer's page
    page = await open_console(Role.VIEWER, f"customers/{cid}")
    await expect(page.get_by_test_id("balance")).to_have_text("300")
    await expect(page.get_by_role("region", name="Ledger").get_by_role("row")).to_have_count(2)

    # Then no control that writes is there
    for name in WRITE_BUTTONS:
        await expect(page.get_by_role("button", name=name)).to_have_count(0)
    await expect(page.get_by_role("region", name="Adjust points")).to_have_count(0)
    await expect(page.get_by_role("checkbox")).to_have_count(0)
    await assert_accessible(page)
    await screenshots(page, "customers-viewer")

    # When a request to adjust points is forged from the viewer's page, with their token
    body = await page.evaluate(
        """async ([query, customerId]) => {
            const token = JSON.parse(sessionStorage.getItem("tessera.session")).token;
            const response = await fetch("/graphql", {
                method: "POST",
                headers: {"content-type": "application/json", authorization: `Bearer ${token}`},
                body: JSON.stringify({operationName: "AdjustPoints", query, variables: {input: {
                    customerId, points: 1000, note: "forged", idempotencyKey: "forged-1"}}}),
            });
            return await response.json();
        }""",
        [operation("admin/AdjustPoints"), cid],
    )

    # Then the server refuses it as FORBIDDEN and nothing changed
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["data"] is None
    assert await ledger_of(gql, cid) == before
    # Nor is the list's registration offered to a viewer
    await page.goto("/console/customers")
    await expect(page.get_by_role("link", name="Hugo Pratt")).to_be_visible()
    await expect(page.get_by_role("button", name="New customer")).to_have_count(0)
