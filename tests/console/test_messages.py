"""The console's Messages page in Chromium, as a marketer uses it: a template edited with the
shortcode palette while the live preview renders it for a real customer, saved as a new
version; a template mistake shown on its field; a test send and its rate limit; the delivery
log and its filters; the notification settings. Every sub-page passes axe and is
photographed (messages-*.png)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.customers.services import create_customer
from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, NewMessage, Purpose
from notifications.delivery.queueing import queue_message
from notifications.delivery.sending import Channels, deliver
from tests.console.conftest import OpenConsole
from tests.support.api import GraphQLClient, running_server
from tests.support.console import (
    DESKTOP,
    PHONE,
    SentOperations,
    assert_accessible,
    screenshots,
    session_script,
)
from tests.support.loyalty import CREATE_CUSTOMER, CREDIT

REMINDER = {
    "name": "Points reminder",
    "channel": "EMAIL",
    "fallbackLocale": "en-US",
    "translations": [
        {"locale": "en-US", "subject": "Hi [first_name]", "textBody": "You have [points] points"},
        {
            "locale": "it-IT",
            "subject": "Ciao [first_name]",
            "textBody": "Hai [points] punti",
            "htmlBody": "<p>Hai <b>[points]</b> punti</p>",
        },
    ],
}
TEMPLATE = """query($id: ID!) { messageTemplate(id: $id) { currentVersion
  versions { version translations { locale textBody } } } }"""
CREATE_TEMPLATE = """mutation($input: CreateMessageTemplateInput!) {
  createMessageTemplate(input: $input) { template { id } userErrors { field message } } }"""
LIMITS = "{ messagingLimits { channels { channel cap { maxMessages period unit } } } }"
BUILTINS = "{ builtInNotifications { kind enabled emailTemplateId } }"
RECIPIENTS = "{ noticeRecipients { nodes { email shop kinds } } }"


async def _customer(gql: GraphQLClient, first: str, last: str, locale: str, points: int) -> str:
    fields = {
        "firstName": first,
        "lastName": last,
        "locale": locale,
        "email": f"{first.lower()}@example.com",
        "idempotencyKey": uuid4().hex,
    }
    created = await gql.data(CREATE_CUSTOMER, {"input": fields})
    cid: str = created["createCustomer"]["customer"]["id"]
    await gql.data(CREDIT, {"id": cid, "points": points, "key": f"start-{cid}"})
    return cid


async def _template(marketer: GraphQLClient, values: dict[str, Any] = REMINDER) -> str:
    created = await marketer.data(
        CREATE_TEMPLATE, {"input": {**values, "idempotencyKey": uuid4().hex}}
    )
    assert created["createMessageTemplate"]["userErrors"] == []
    tid: str = created["createMessageTemplate"]["template"]["id"]
    return tid


async def _fits_a_phone(page: Page) -> None:
    """At 390 px the page does not scroll sideways (wide tables scroll inside their box)."""
    await page.set_viewport_size(PHONE)
    overflowing = await page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1
                           && !e.parentElement?.closest('.table-scroll'))
            .map((e) => `${e.tagName}.${e.className}`)
            .slice(0, 8)"""
    )
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    await page.set_viewport_size(DESKTOP)
    assert width <= PHONE["width"] and not overflowing, overflowing


async def _pick_customer(page: Page, label: str, search: str, name: str) -> None:
    await page.get_by_label(label).fill(search)
    await page.get_by_role("button", name=name).click()


def _text_body(page: Page, locale: str) -> Any:
    return page.get_by_label(f"Text body ({locale})", exact=True)


async def test_a_marketer_edits_a_template_and_sees_the_preview_change(
    open_console: OpenConsole, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    # Given Giulia (Italian, 2,500 points) and a reminder in English and Italian
    await _customer(gql, "Giulia", "Rossi", "it-IT", 2500)
    tid = await _template(marketer)
    page = await open_console(Role.MARKETER, f"messages/templates/{tid}")
    await expect(page.get_by_role("heading", name="Edit template: Points reminder")).to_be_visible()
    # When the marketer previews it for Giulia, in her own locale
    await _pick_customer(page, "Preview for customer", "Giul", "Giulia Rossi")
    preview = page.get_by_test_id("preview-output")
    await expect(preview.get_by_test_id("preview-text")).to_have_text("Hai 2.500 punti")
    # And edits the Italian body: types at its end, then inserts [first_name] from the palette
    await page.get_by_role("button", name="it-IT", exact=True).click()
    body = _text_body(page, "it-IT")
    await body.click()
    await body.press("End")
    await body.press_sequentially(", ")
    await expect(page.get_by_text("Inserts at the cursor in Text body (it-IT)")).to_be_visible()
    await page.get_by_role("button", name="Insert [first_name]").click()
    await expect(body).to_have_value("Hai [points] punti, [first_name]")
    await expect(body).to_be_focused()
    # Then the preview shows the new text rendered with her name and her real balance
    await expect(preview.get_by_test_id("preview-text")).to_have_text("Hai 2.500 punti, Giulia")
    await expect(preview.get_by_text("Ciao Giulia")).to_be_visible()
    # And in English when that locale is chosen (numbers formatted for en-US)
    await page.get_by_label("Locale", exact=True).select_option("en-US")
    await expect(preview.get_by_test_id("preview-text")).to_have_text("You have 2,500 points")
    await page.get_by_label("Locale", exact=True).select_option("")
    await expect(preview.get_by_test_id("preview-text")).to_have_text("Hai 2.500 punti, Giulia")
    await assert_accessible(page)
    await screenshots(page, "messages-editor")
    await _fits_a_phone(page)
    # When it is saved, then it is version 2 with the new body (read back through the API)
    await page.get_by_role("button", name="Save new version").click()
    await expect(page.get_by_role("status").filter(has_text="Saved as version 2.")).to_be_visible()
    saved = (await marketer.data(TEMPLATE, {"id": tid}))["messageTemplate"]
    assert saved["currentVersion"] == 2
    latest = {t["locale"]: t["textBody"] for t in saved["versions"][0]["translations"]}
    assert latest == {
        "en-US": "You have [points] points",
        "it-IT": "Hai [points] punti, [first_name]",
    }


async def test_a_template_mistake_shows_on_its_field_and_nothing_is_saved(
    open_console: OpenConsole, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    await _customer(gql, "Giulia", "Rossi", "it-IT", 2500)
    tid = await _template(marketer)
    page = await open_console(Role.MARKETER, f"messages/templates/{tid}")
    await _pick_customer(page, "Preview for customer", "Giulia", "Giulia Rossi")
    await expect(page.get_by_test_id("preview-text")).to_have_text("Hai 2.500 punti")
    # When the English body gets an if that is never closed (bad Jinja) on line 2
    body = _text_body(page, "en-US")
    await body.fill("You have [points] points\n{% if points > 1000 %}Well done!")
    # Then the live preview names it on the field, with its line, and the page goes on
    await expect(body).to_have_attribute("aria-invalid", "true")
    field_error = page.locator(".part-field").filter(has=body).locator(".error")
    await expect(field_error).to_contain_text("Line 2")
    await expect(field_error).to_contain_text("(SYNTAX)")
    await expect(page.get_by_role("alert").filter(has_text="It does not render")).to_be_visible()
    await expect(page.get_by_role("button", name="en-US (fallback) (has problems)")).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, "messages-editor-error")
    await _fits_a_phone(page)
    # And a save is refused on the same field; the template stays at version 1
    await page.get_by_role("button", name="Save new version").click()
    await expect(field_error).to_contain_text("(SYNTAX)")
    assert (await marketer.data(TEMPLATE, {"id": tid}))["messageTemplate"]["currentVersion"] == 1
    # When a shortcode her message lacks is used (previewed in English), the render's problem
    # shows on the field too
    await page.get_by_label("Locale", exact=True).select_option("en-US")
    await body.fill("Your code: [voucher_code]")
    await expect(field_error).to_contain_text("(UNDEFINED)")
    # When it is fixed, the error goes and the preview renders again
    await body.fill("You have [points] points{% if points > 1000 %}, well done!{% endif %}")
    await expect(page.get_by_test_id("preview-text")).to_have_text(
        "You have 2,500 points, well done!"
    )
    await expect(body).not_to_have_attribute("aria-invalid", "true")


async def test_a_new_template_is_written_with_the_palette_and_listed(
    open_console: OpenConsole, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    page = await open_console(Role.MARKETER, "messages")
    await expect(page.get_by_role("heading", name="Templates")).to_be_visible()
    await expect(page.get_by_text("No templates yet.")).to_be_visible()
    await page.get_by_role("link", name="New template").click()
    await page.get_by_label("Name", exact=True).fill("Expiry SMS")
    await page.get_by_label("Channel", exact=True).select_option("SMS")
    text = page.get_by_label("Text (en-US)", exact=True)
    await text.fill("Hi ")
    await page.get_by_role("button", name="Insert [first_name]").click()
    await text.press_sequentially(": ")
    await page.get_by_role("button", name="Insert [points_expiring]").click()
    await expect(text).to_have_value("Hi [first_name]: [points_expiring]")
    await page.get_by_role("button", name="Create template").click()
    await expect(page.get_by_text("Template created (version 1).")).to_be_visible()
    await expect(page.get_by_role("heading", name="Edit template: Expiry SMS")).to_be_visible()
    listed = await marketer.data(
        "{ messageTemplates { nodes { id name channel currentVersion } } }"
    )
    (template,) = listed["messageTemplates"]["nodes"]
    assert (template["name"], template["channel"], template["currentVersion"]) == (
        "Expiry SMS",
        "SMS",
        1,
    )
    assert page.url.endswith(f"/console/messages/templates/{template['id']}")
    await page.get_by_role("link", name="Back to templates").click()
    row = page.get_by_role("row").filter(has_text="Expiry SMS")
    await expect(row).to_contain_text("SMS")
    await expect(row).to_contain_text("Marketing")
    await assert_accessible(page)
    await screenshots(page, "messages-templates")
    await _fits_a_phone(page)


async def _sandbox_log(engine: AsyncEngine, queued: int = 0) -> dict[str, int]:
    """Ann: an email captured by the sandbox and an SMS suppressed (no SMS consent); Ben: an
    email captured; then `queued` more emails to Ben, still queued."""
    ids = {}
    for ref, name in (("ann", "Ann"), ("ben", "Ben")):
        values = {"external_ref": ref, "first_name": name, "last_name": "Example",
                  "email": f"{ref}@example.com", "consent_email": True,
                  "phone": "+393331234567"}  # fmt: skip
        ids[ref] = (await create_customer(UnitOfWork(engine), values, None)).item.id
    made = [
        ("ann-1", Channel.EMAIL, "ann@example.com", ids["ann"]),
        ("ann-2", Channel.SMS, "+393331234567", ids["ann"]),
        ("ben-1", Channel.EMAIL, "ben@example.com", ids["ben"]),
    ]
    for key, channel, to, customer in made:
        content = (
            {"subject": f"You earned points, {key}", "text": "120 points"}
            if channel is Channel.EMAIL
            else {"text": f"You earned 120 points ({key})"}
        )
        new = NewMessage(key, channel, Purpose.TRANSACTIONAL, to, content, customer_id=customer)
        made_now = await queue_message(UnitOfWork(engine), new)
        await deliver(UnitOfWork(engine), made_now.message.id, Channels())
    for n in range(queued):
        content = {"subject": f"Reminder {n + 1}", "text": "Come back"}
        new = NewMessage(f"ben-q{n}", Channel.EMAIL, Purpose.MARKETING, "ben@example.com",
                         content, customer_id=ids["ben"])  # fmt: skip
        await queue_message(UnitOfWork(engine), new)
    return ids


async def test_the_delivery_log_lists_messages_and_its_filters_work(
    open_console: OpenConsole, clean_db: AsyncEngine, tokens: dict[str, str]
) -> None:
    await _sandbox_log(clean_db)
    page = await open_console(Role.MARKETER, "messages/log")
    await expect(page.get_by_role("heading", name="Delivery log")).to_be_visible()
    rows = page.locator("table.log-table tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.first).to_contain_text("You earned points, ben-1")
    totals = page.get_by_role("region", name="Messages per status")
    await expect(totals).to_contain_text("3 messages")
    await expect(totals.get_by_role("button", name="Captured (sandbox) 2")).to_be_visible()
    await expect(totals.get_by_role("button", name="Suppressed 1")).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, "messages-log")
    await _fits_a_phone(page)
    # The channel filter: only Ann's SMS, suppressed for want of consent
    await page.get_by_label("Channel", exact=True).select_option("SMS")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Suppressed")
    await expect(rows.first).to_contain_text("No consent to this channel")
    await expect(totals).to_contain_text("1 message")
    # The customer filter (picked by name) with the status filter: Ben's captured email
    await page.get_by_label("Channel", exact=True).select_option("")
    await _pick_customer(page, "Customer", "Ben", "Ben Example")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("ben@example.com")
    await page.get_by_label("Status", exact=True).select_option("SUPPRESSED")
    await expect(page.get_by_text("No message matches these filters.")).to_be_visible()
    # The period: nothing was made tomorrow; everything today
    await page.get_by_role("button", name="Clear filters").click()
    await expect(rows).to_have_count(3)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    await page.get_by_label("From").fill(tomorrow)
    await expect(page.get_by_text("No message matches these filters.")).to_be_visible()
    await page.get_by_label("From").fill(date.today().isoformat())
    await page.get_by_label("To (included)").fill(date.today().isoformat())
    await expect(rows).to_have_count(3)
    # A row opens to its whole content
    await rows.first.locator("summary").click()
    await expect(rows.first.get_by_text("120 points")).to_be_visible()


async def test_the_delivery_log_goes_page_by_page(
    open_console: OpenConsole, clean_db: AsyncEngine, tokens: dict[str, str]
) -> None:
    await _sandbox_log(clean_db, queued=22)
    page = await open_console(Role.MARKETER, "messages/log")
    rows = page.locator("table.log-table tbody tr")
    await expect(rows).to_have_count(20)
    await expect(rows.first).to_contain_text("Reminder 22")
    await expect(page.get_by_role("region", name="Messages per status")).to_contain_text(
        "25 messages"
    )
    await page.get_by_role("button", name="Older").click()
    await expect(page.get_by_text("Page 2")).to_be_visible()
    await expect(rows).to_have_count(5)
    await expect(rows.last).to_contain_text("You earned points, ann-1")
    await expect(page.get_by_role("button", name="Older")).to_be_disabled()
    await page.get_by_role("button", name="Newer").click()
    await expect(rows.first).to_contain_text("Reminder 22")
    # A filter starts again from the first page
    await page.get_by_role("button", name="Older").click()
    await page.get_by_label("Status", exact=True).select_option("QUEUED")
    await expect(page.get_by_text("Page 1")).to_be_visible()
    await expect(rows).to_have_count(20)


async def test_settings_change_a_messaging_limit_and_switch_a_notification_on(
    open_console: OpenConsole, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    tid = await _template(marketer)
    page = await open_console(Role.MARKETER, "messages/settings")
    await expect(page.get_by_role("heading", name="Messaging limits")).to_be_visible()
    # When the SMS cap is set to 0 a week, the server's refusal shows on that field
    sms = page.get_by_role("group", name="SMS and MMS")
    await sms.get_by_label("Frequency cap").check()
    await sms.get_by_label("At most (messages)").fill("0")
    await sms.get_by_label("In any").fill("7")
    await page.get_by_role("button", name="Save limits").click()
    at_most = sms.get_by_label("At most (messages)")
    await expect(at_most).to_have_attribute("aria-invalid", "true")
    await expect(sms.locator(".error")).to_contain_text("1")
    # And with 3 a week, and program-wide quiet hours 21:00 to 09:00, it is saved
    await at_most.fill("3")
    quiet = page.get_by_role("group", name="Quiet hours (every channel)")
    await quiet.get_by_label("On", exact=True).check()
    await quiet.get_by_label("From").fill("21:00")
    await quiet.get_by_label("Until").fill("09:00")
    await page.get_by_role("button", name="Save limits").click()
    await expect(page.get_by_text("Messaging limits saved.")).to_be_visible()
    limits = (await marketer.data(LIMITS))["messagingLimits"]["channels"]
    caps = {c["channel"]: c["cap"] for c in limits}
    assert caps == {"EMAIL": None, "SMS": {"maxMessages": 3, "period": 7, "unit": "DAYS"}}
    # A built-in notification switched on with its email template
    earned = page.get_by_role("form", name="Points earned")
    await earned.get_by_label("On", exact=True).check()
    await earned.get_by_label("Email template").select_option(tid)
    await earned.get_by_role("button", name="Save points earned").click()
    await expect(earned.get_by_text("Saved: on.")).to_be_visible()
    found = (await marketer.data(BUILTINS))["builtInNotifications"]
    assert {"kind": "POINTS_EARNED", "enabled": True, "emailTemplateId": tid} in found
    # A staff recipient added for large adjustments, and the threshold set
    await page.get_by_label("Notice manual adjustments of at least (points)").fill("500")
    await page.get_by_role("button", name="Save adjustment threshold").click()
    await expect(page.get_by_text("Adjustments of 500 points or more are noticed.")).to_be_visible()
    await page.locator("#add-email").fill("manager@shop.example")
    await page.get_by_role("button", name="Add recipient").click()
    recipient = page.get_by_role("row").filter(has_text="manager@shop.example")
    await expect(recipient).to_contain_text("Large adjustments")
    await expect(recipient).to_contain_text("Every shop")
    await assert_accessible(page)
    await screenshots(page, "messages-settings")
    await _fits_a_phone(page)
    # Moved to a shop with one more kind of notice, then removed
    await page.get_by_role("button", name="Edit manager@shop.example").click()
    edit = page.locator("form.recipient-form").first
    await edit.get_by_label("Shop").fill("milano")
    await edit.get_by_label("Gift run finished").check()
    await edit.get_by_role("button", name="Save recipient").click()
    await expect(recipient).to_contain_text("milano")
    await expect(recipient).to_contain_text("Large adjustments, Gift run finished")
    listed = await marketer.data(RECIPIENTS)
    assert listed["noticeRecipients"]["nodes"] == [
        {"email": "manager@shop.example", "shop": "milano",
         "kinds": ["LARGE_ADJUSTMENT", "GIFT_RUN_FINISHED"]}
    ]  # fmt: skip
    await page.get_by_role("button", name="Remove manager@shop.example…").click()
    await page.get_by_role("button", name="Remove manager@shop.example", exact=True).click()
    await expect(page.get_by_text("Nobody receives staff notices yet.")).to_be_visible()
    assert (await marketer.data(RECIPIENTS))["noticeRecipients"]["nodes"] == []


@contextlib.asynccontextmanager
async def _limited_console(
    browser: Browser, database_url: str, token: str
) -> AsyncIterator[tuple[Page, SentOperations]]:
    """A marketer's console on a server of its own that allows two test messages an hour."""
    sent = SentOperations()
    async with running_server(database_url, rate_limit_test_messages="2/hour") as url:
        context = await browser.new_context(viewport=DESKTOP, base_url=url)
        try:
            await context.add_init_script(
                session_script(token, Role.MARKETER, "marketer@example.com")
            )
            page = await context.new_page()
            page.on(
                "request",
                lambda request: (
                    sent.record(request.post_data)
                    if request.url.endswith("/graphql") and request.method == "POST"
                    else None
                ),
            )
            page.set_default_timeout(10_000)
            yield page, sent
        finally:
            await context.close()
    assert not sent.outside_contract, sent.outside_contract


async def test_a_test_send_reaches_the_marketer_and_its_limit_is_shown_clearly(
    browser: Browser, database_url: str, gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    marketer = gql.as_(tokens["marketer"])
    await _customer(gql, "Giulia", "Rossi", "it-IT", 2500)
    tid = await _template(marketer)
    async with _limited_console(browser, database_url, tokens["marketer"]) as (page, _):
        await page.goto(f"/console/messages/templates/{tid}")
        await _pick_customer(page, "Preview for customer", "Giulia", "Giulia Rossi")
        test_send = page.get_by_role("region", name="Send a test")
        await expect(test_send).to_contain_text("with Giulia Rossi's data")
        # A phone for an email template is refused on the field (an attempt all the same)
        to = test_send.get_by_label("Your email address")
        await to.fill("+39 333 765 4321")
        await test_send.get_by_role("button", name="Send test").click()
        await expect(to).to_have_attribute("aria-invalid", "true")
        # Then to her own address: captured by the sandbox (no SMTP here)
        await to.fill("marta@shop.example")
        await test_send.get_by_role("button", name="Send test").click()
        await expect(test_send.get_by_role("status")).to_contain_text(
            "Test sent to marta@shop.example: Captured (sandbox)"
        )
        await assert_accessible(page)
        await screenshots(page, "messages-test-send")
        await _fits_a_phone(page)
        # And a third attempt is past the limit: said plainly, nothing sent
        await test_send.get_by_role("button", name="Send test").click()
        refusal = test_send.get_by_role("alert").filter(has_text="Test message limit reached")
        await expect(refusal).to_contain_text("try again in")
        await expect(refusal).to_contain_text("Nothing was sent.")
        await screenshots(page, "messages-test-send-limited")
    log = await gql.data("{ messages(filter: {isTest: true}) { edges { node { recipient } } } }")
    assert [e["node"]["recipient"] for e in log["messages"]["edges"]] == ["marta@shop.example"]


async def test_roles_without_notifications_see_no_messages_page(
    open_console: OpenConsole,
) -> None:
    page = await open_console(Role.VIEWER, "messages")
    await expect(page.locator(".brand")).to_be_visible()
    await expect(page.get_by_role("link", name="Messages")).to_have_count(0)
    await expect(page.get_by_role("heading", name="Messages")).to_have_count(0)
