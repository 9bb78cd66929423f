"""The customer area (/console/me), opened as a customer app would link to it, with the
shop's JWT in the fragment: the token leaves the address bar at once, the customer sees their
own balance and history (never another customer's), claims a reward and turns emails on."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.console.conftest import OpenConsole
from tests.support.api import GraphQLClient, customer_token
from tests.support.console import assert_accessible, screenshots
from tests.support.console_data import (
    adjust,
    assert_no_page_scroll_at_phone_width,
    new_badge,
    new_customer,
    new_reward,
    operation,
    purchase,
)

TOKEN_KEY = "tessera.customer-token"


async def _program(gql: GraphQLClient) -> dict[str, str]:
    """Ann buys a 120.00 jacket (+120) and gets a welcome bonus (+100): 220 points; Bob gets
    a bonus of his own (+999). The catalogue: a 100-point mug and a 5,000-point weekend; the
    badges Bronze (100-499) and Silver (from 500)."""
    ann = await new_customer(gql, "ann", "Ann", email="ann@example.com")
    bob = await new_customer(gql, "bob", "Bob", email="bob@example.com")
    assert await purchase(gql, ann, "A-1", 12000) == 120
    await adjust(gql, ann, 100, "welcome bonus")
    await adjust(gql, bob, 999, "Bob's private bonus")
    await new_reward(gql, "Coffee mug", 100, "MUG")
    await new_reward(gql, "Weekend away", 5000, "TRIP")
    await new_badge(gql, "Bronze", 100, 499)
    await new_badge(gql, "Silver", 500, None)
    return {"ann": ann, "bob": bob}


async def _never_shows_bob(page: Page) -> None:
    text = await page.locator("body").inner_text()
    assert "Bob" not in text and "999" not in text and "bob@example.com" not in text


async def test_a_customer_opens_the_link_sees_their_points_claims_a_reward_and_turns_emails_on(
    gql: GraphQLClient, open_console: OpenConsole
) -> None:
    # Given the program, and Ann's app opening the customer area with her token
    customers = await _program(gql)
    token = customer_token("ann")
    page = await open_console(None, f"me#token={token}")

    # Then the token is gone from the address bar (kept in the tab's sessionStorage) and she
    # sees her name, her 220 points and her latest activity, newest first
    await expect(page.get_by_role("heading", name="Hi Ann", level=1)).to_be_visible()
    assert token not in page.url and "token" not in page.url
    assert page.url.endswith("/console/me")
    assert await page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") == token
    await expect(page.get_by_test_id("balance")).to_have_text("220 points")
    latest = page.get_by_role("region", name="Latest activity").get_by_role("listitem")
    await expect(latest).to_have_count(2)
    await expect(latest.first).to_contain_text("welcome bonus")
    await expect(latest.first).to_contain_text("+100")
    await expect(latest.last).to_contain_text("Earned on a purchase")
    await expect(page.get_by_role("region", name="Badges")).to_contain_text("Bronze")
    await expect(page.get_by_role("region", name="Badges")).to_contain_text("Silver, 280 more")
    await _never_shows_bob(page)
    await assert_accessible(page)
    await screenshots(page, "me-home")
    await assert_no_page_scroll_at_phone_width(page)

    # When she opens her history, then both movements show with the balance each left
    nav = page.get_by_role("navigation", name="Your account")
    await nav.get_by_role("link", name="History").click()
    history = page.get_by_role("list", name="Your points, newest first").get_by_role("listitem")
    await expect(history).to_have_count(2)
    await expect(history.first).to_contain_text("balance 220")
    await expect(history.last).to_contain_text("balance 120")
    await _never_shows_bob(page)

    # When she claims the mug (confirming the trade), then she gets its voucher code, 120
    # points are left to spend, and the voucher is in her wallet
    await nav.get_by_role("link", name="Rewards").click()
    mug = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Coffee mug"))
    weekend = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Weekend away")
    )
    await expect(weekend).to_contain_text("4,780 more points to go")
    await expect(weekend.get_by_role("button")).to_have_count(0)
    await mug.get_by_role("button", name="Claim Coffee mug").click()
    await mug.get_by_role("button", name="Yes, claim it").click()
    claimed = mug.get_by_role("status")
    await expect(claimed).to_contain_text("Claimed!")
    code = await mug.locator(".me-code").inner_text()
    assert code.strip()
    await expect(page.get_by_text("You have 120 points to spend.")).to_be_visible()
    wallet = page.get_by_role("region", name="Your vouchers")
    await expect(wallet).to_contain_text(code)
    await expect(wallet).to_contain_text("Free gift (MUG)")
    await _never_shows_bob(page)
    await assert_accessible(page)
    await screenshots(page, "me-rewards")
    await assert_no_page_scroll_at_phone_width(page)

    # And the server agrees: Ann has 120 points, Bob still 999
    balances = await gql.data(
        "query($id: ID!) { customer(id: $id) { points { balance } } }", {"id": customers["ann"]}
    )
    assert balances["customer"]["points"]["balance"] == 120

    # When she turns emails on, then it is saved, and the change is listed as hers
    await nav.get_by_role("link", name="Preferences").click()
    emails = page.get_by_role("switch", name="Emails")
    await expect(emails).not_to_be_checked()
    await emails.check()
    await expect(page.get_by_role("status").filter(has_text="Emails turned on.")).to_be_visible()
    await expect(emails).to_be_checked()
    await expect(page.get_by_role("region", name="Latest changes")).to_contain_text(
        "Emails turned on by you"
    )
    mine = await gql.as_(token).data(operation("customer-area/MyConsent"), {})
    assert (mine["me"]["consentEmail"], mine["me"]["consentSms"]) == (True, False)
    await _never_shows_bob(page)
    await assert_accessible(page)
    await screenshots(page, "me-preferences")

    # And on a reload the stored token keeps her signed in, still without it in the address
    await page.reload()
    await expect(page.get_by_role("switch", name="Emails")).to_be_checked()
    assert "token" not in page.url


async def test_without_a_valid_token_the_area_asks_for_one_and_shows_nothing(
    gql: GraphQLClient, open_console: OpenConsole
) -> None:
    # Given the program, and the customer area opened without a token
    await _program(gql)
    page = await open_console(None, "me")
    await expect(page.get_by_role("heading", name="Your points and rewards")).to_be_visible()

    # When something that is not a token is pasted, then the field says so
    field = page.get_by_label("Sign-in token")
    await field.fill("ann")
    await page.get_by_role("button", name="Open my account").click()
    await expect(page.get_by_text("This is not a sign-in token")).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, "me-sign-in")

    # When an expired token is pasted, then the server refuses it and the area asks again,
    # saying why, with nothing of Ann's shown and nothing kept
    await field.fill(customer_token("ann", lifetime_s=-60))
    await page.get_by_role("button", name="Open my account").click()
    await expect(page.get_by_text("Your sign-in has ended or is not valid.")).to_be_visible()
    await expect(page.get_by_label("Sign-in token")).to_be_visible()
    assert await page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
    assert "220" not in await page.locator("body").inner_text()

    # When Bob's valid token is pasted, then Bob's area opens, with none of Ann's data
    await page.get_by_label("Sign-in token").fill(customer_token("bob"))
    await page.get_by_role("button", name="Open my account").click()
    await expect(page.get_by_role("heading", name="Hi Bob", level=1)).to_be_visible()
    await expect(page.get_by_test_id("balance")).to_have_text("999 points")
    text = await page.locator("body").inner_text()
    assert "Ann" not in text and "welcome bonus" not in text and "ann@example.com" not in text

    # When he signs out, then the token is forgotten
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You signed out.")).to_be_visible()
    assert await page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
