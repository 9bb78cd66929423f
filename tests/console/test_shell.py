"""The console's shell in Chromium: signing in with a staff user's email and password, the
pages each role sees, signing out, and a session the server ended."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from tests.console.conftest import OpenConsole
from tests.support.console import SESSION_KEY, assert_accessible, screenshots
from tests.support.staff import PASSWORD, staff_user

NAV = {
    Role.CASHIER: ["Till", "Customers"],
    Role.VIEWER: ["Customers", "Reports", "Insights"],
    Role.MARKETER: ["Customers", "Program", "Funnels", "Messages", "Reports", "Insights"],
    Role.MANAGER: [
        "Till",
        "Customers",
        "Program",
        "Messages",
        "Reports",
        "Integrations",
        "Insights",
    ],
    Role.ADMIN: [
        "Till",
        "Customers",
        "Program",
        "Funnels",
        "Messages",
        "Reports",
        "Integrations",
        "Insights",
    ],
}


async def _nav(page: Page) -> list[str]:
    await expect(
        page.get_by_role("navigation", name="Console").get_by_role("link").first
    ).to_be_visible()
    return [
        text.strip()
        for text in await page.get_by_role("navigation", name="Console")
        .get_by_role("link")
        .all_inner_texts()
    ]


async def test_a_cashier_signs_in_with_a_password_works_and_signs_out(
    open_console: OpenConsole, clean_db: AsyncEngine, server_url: str
) -> None:
    # Given a cashier's account
    await staff_user(clean_db, "cashier@shop.example", "cashier")
    page = await open_console(None, "till")
    form = page.get_by_role("form", name="Sign in")
    await expect(page.get_by_role("heading", name="Sign in to Tessera")).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, "sign-in")

    # When a wrong password is typed, then the page says so and stays signed out
    await form.get_by_label("Email").fill("cashier@shop.example")
    await form.get_by_label("Password").fill("not the password at all")
    await form.get_by_label("Password").press("Enter")
    await expect(page.get_by_role("alert").first).to_contain_text(
        "The email or the password is wrong."
    )
    assert await page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')") is None

    # When the right one is typed (keyboard only), then the till opens, and the navigation
    # holds only what a cashier may use
    await form.get_by_label("Password").fill(PASSWORD)
    await form.get_by_label("Password").press("Enter")
    await expect(page.get_by_role("navigation", name="Console")).to_be_visible()
    await expect(page).to_have_url(f"{server_url}/console/till")
    assert await _nav(page) == NAV[Role.CASHIER]
    await expect(page.get_by_text("cashier@shop.example")).to_be_visible()
    token = await page.evaluate(f"JSON.parse(sessionStorage.getItem('{SESSION_KEY}')).token")

    # When the cashier signs out, then the sign-in page says so, and the server refuses the
    # session's token from then on
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You have signed out.")).to_be_visible()
    async with httpx.AsyncClient(base_url=server_url) as http:
        refused = await http.post(
            "/graphql",
            json={"query": "query Viewer { viewer { email } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert refused.status_code == 401


async def test_each_role_sees_only_the_pages_it_may_use(open_console: OpenConsole) -> None:
    for role, pages in NAV.items():
        page = await open_console(role)
        await expect(page.get_by_role("navigation", name="Console")).to_be_visible()
        assert await _nav(page) == pages, role
        # A page the role may not use is not there: its path lands on the first page
        if "Funnels" not in pages:
            await page.goto("/console/funnels")
            await expect(page).not_to_have_url("/console/funnels")


async def test_a_session_the_server_ended_returns_to_the_sign_in_page(
    open_console: OpenConsole, clean_db: AsyncEngine, server_url: str
) -> None:
    # Given a manager signed in with a password
    await staff_user(clean_db, "manager@shop.example", "manager")
    page = await open_console(None, "customers")
    form = page.get_by_role("form", name="Sign in")
    await form.get_by_label("Email").fill("manager@shop.example")
    await form.get_by_label("Password").fill(PASSWORD)
    await form.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("navigation", name="Console")).to_be_visible()
    token = await page.evaluate(f"JSON.parse(sessionStorage.getItem('{SESSION_KEY}')).token")

    # When the session ends elsewhere (signed out from another tab)
    async with httpx.AsyncClient(base_url=server_url) as http:
        await http.post(
            "/graphql",
            json={"query": "mutation Logout { logout { signedOut } }"},
            headers={"Authorization": f"Bearer {token}"},
        )

    # Then the next request the page makes brings the sign-in page back, saying why
    await page.reload()
    await expect(page.get_by_text("Your session has ended: sign in again.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Sign in to Tessera")).to_be_visible()
