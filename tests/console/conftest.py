"""Fixtures of the browser tests: one Chromium for the session, a fresh page per test on the
session's real server, signed in as a given role, whose GraphQL requests must all be
operations of the frontend contract."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from domain.access.permissions import Role
from tests.support.console import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    SentOperations,
    require_browser,
    session_script,
)

# What a page action and an assertion wait for: a page that answers within it passes. The
# same for both (Playwright's assertions default to 5 s): under CI's load, two cores
# shared by the server, PostgreSQL and Chromium, a till's priceCart once took over 5 s.
UI_TIMEOUT_MS = 10_000
expect.set_options(timeout=UI_TIMEOUT_MS)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    require_browser()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


OpenConsole = Callable[..., Awaitable[Page]]


@pytest.fixture
async def open_console(
    browser: Browser, server_url: str, tokens: dict[str, str]
) -> AsyncIterator[OpenConsole]:
    """open_console(role, path="") opens /console/<path> signed in as `role` (None: signed
    out). After the test, every request the pages sent must be a contract operation."""
    sent = SentOperations()
    contexts: list[Any] = []

    async def open_(role: Role | None, path: str = "") -> Page:
        context = await browser.new_context(viewport=DESKTOP, base_url=server_url)
        contexts.append(context)
        if role is not None:
            await context.add_init_script(
                session_script(tokens[role.value], role, f"{role.value}@example.com")
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
        page.set_default_timeout(UI_TIMEOUT_MS)
        await page.goto(f"/console/{path}")
        return page

    yield open_
    for context in contexts:
        await context.close()
    assert not sent.outside_contract, (
        "the console sent operations that are not in frontend-contract/operations/:\n"
        + "\n\n".join(sent.outside_contract)
    )
