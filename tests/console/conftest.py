"""Fixtures of the browser tests: one Chromium for the session, a fresh page per test on the
session's real server, signed in as a given role, whose GraphQL requests must all be
operations of the frontend contract. When a test fails, each of its pages leaves a
screenshot under test-artifacts/console/failed/ and prints what its browser logged (console
messages, page errors, failed requests and answers of 400 or more), so a failure in CI can
be read from the run's output."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from domain.access.permissions import Role
from tests.support.console import (
    ARTIFACTS,
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


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, Any, Any]:
    """Keep whether the test's call failed, for open_console's teardown."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


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
    browser: Browser, server_url: str, tokens: dict[str, str], request: pytest.FixtureRequest
) -> AsyncIterator[OpenConsole]:
    """open_console(role, path="") opens /console/<path> signed in as `role` (None: signed
    out). After the test, every request the pages sent must be a contract operation."""
    sent = SentOperations()
    contexts: list[Any] = []
    pages: list[tuple[Page, list[str]]] = []

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
        pages.append((page, _browser_log(page)))
        page.set_default_timeout(UI_TIMEOUT_MS)
        await page.goto(f"/console/{path}")
        return page

    yield open_
    if request.node.stash.get(_CALL_FAILED, False):
        await _leave_traces(request.node.name, pages)
    for context in contexts:
        await context.close()
    assert not sent.outside_contract, (
        "the console sent operations that are not in frontend-contract/operations/:\n"
        + "\n\n".join(sent.outside_contract)
    )


def _browser_log(page: Page) -> list[str]:
    """What the page's browser reports from now on, one line each."""
    log: list[str] = []
    page.on("console", lambda message: log.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: log.append(f"page error: {error}"))
    page.on(
        "requestfailed",
        lambda failed: log.append(f"request failed: {failed.method} {failed.url} {failed.failure}"),
    )
    page.on(
        "response",
        lambda response: (
            log.append(f"answer {response.status}: {response.request.method} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    return log


async def _leave_traces(test: str, pages: list[tuple[Page, list[str]]]) -> None:
    """A screenshot of each page still open, and its browser's log printed (pytest shows a
    failed test's output)."""
    folder = ARTIFACTS / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", test)
    for i, (page, log) in enumerate(pages):
        shot = folder / f"{stem}-{i}.png"
        if not page.is_closed():
            try:
                await page.screenshot(path=str(shot), full_page=True)
            except Exception as error:  # a crashed page: its log still says why
                log.append(f"no screenshot: {error}")
        print(f"--- page {i} of {test} ({page.url}), screenshot {shot}:")
        print("\n".join(log) or "(the browser logged nothing)")
