"""The insights page, read by a viewer over docs/reports.md's ROI worked example (May 2026):
the ROI's figures, revenue and cost by shop as a chart and a table, the cohorts, the card
types, and the ROI downloaded as CSV with the same figures; and a customer's RFM scores on
their page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from playwright.async_api import Locator, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.analytics.rfm import compute_rfm
from domain.uow import UnitOfWork
from tests.console.conftest import OpenConsole
from tests.support.console import assert_accessible, screenshots
from tests.support.console_data import assert_no_page_scroll_at_phone_width
from tests.support.purchases_sql import add_purchase
from tests.support.reports import new_customer
from tests.support.roi_seed import execute, seed_roi_example

MAY = "insights?from=2026-05-01&to=2026-05-31&by=DAY"


def _figure(page: Page, label: str) -> Locator:
    return page.locator(".figure").filter(has=page.locator("dt", has_text=label)).locator("dd")


async def test_a_viewer_reads_the_roi_cohorts_and_cards_and_downloads_the_roi(
    clean_db: AsyncEngine, open_console: OpenConsole
) -> None:
    # Given May's program, and two customers holding a discount card
    people = await seed_roi_example(clean_db)
    await execute(clean_db, "INSERT INTO card_series (name, type) VALUES ('D', 'DISCOUNT')")
    for n, who in enumerate(("ann", "bob")):
        await execute(
            clean_db,
            "INSERT INTO cards (customer_id, series_id, code, type) "
            "VALUES (:c, 1, :code, 'DISCOUNT')",
            c=people[who],
            code=f"D-{n}",
        )

    # When a viewer opens the insights for May
    page = await open_console(Role.VIEWER, MAY)
    await expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()

    # Then the ROI's figures are the worked example's
    await expect(_figure(page, "ROI")).to_have_text("+1313.17%")
    await expect(_figure(page, "Program cost")).to_contain_text("12.15")
    await expect(_figure(page, "Incremental revenue")).to_contain_text("171.70")
    await expect(_figure(page, "Repeat rate")).to_have_text("66.7%")
    await expect(_figure(page, "New members")).to_have_text("2")

    # And revenue and cost by shop is a chart a screen reader reads as a table
    shops = page.get_by_role("region", name="Revenue and cost by shop")
    chart = shops.get_by_role(
        "img", name="Member revenue €200.00 against a program cost of €12.15: an ROI of +1313.17%"
    )
    await expect(chart).to_be_visible()
    await shops.get_by_role("button", name="Show as table").click()
    rows = shops.get_by_role("region", name="Revenue and cost by shop, as a table").locator(
        "tbody tr"
    )
    await expect(rows).to_have_count(5)
    await expect(rows.last.locator("th")).to_have_text("All shops · all channels")
    await expect(rows.last.locator("td").first).to_contain_text("200.00")

    # And May's cohort: Bob and Dee registered, one bought in month 0
    cohorts = page.get_by_role("region", name="Cohorts")
    await cohorts.get_by_role("button", name="Show as table").click()
    may = cohorts.locator("tbody tr").filter(has_text="May")
    await expect(may.locator("td").nth(0)).to_have_text("2")
    await expect(may.locator("td").nth(1)).to_have_text("1 (50%)")

    # And the card types: two discount card holders
    cards = page.get_by_role("region", name="Customers per card type")
    await expect(cards.get_by_role("img", name="2 with a Discount card")).to_be_visible()

    # When they download the ROI, then the CSV holds the same total
    roi = page.get_by_role("region", name="Return on investment")
    async with page.expect_download() as waiting:
        await roi.get_by_role("button", name="Download CSV").click()
    download = await waiting.value
    assert download.suggested_filename == "roi-2026-05-01-to-2026-05-31.csv"
    found = list(csv.DictReader(io.StringIO((await download.path()).read_text("utf-8"))))
    assert (found[-1]["shop"], found[-1]["cost_minor"], found[-1]["roi"]) == (
        "(all)",
        "1215",
        "13.1317",
    )

    await assert_accessible(page)
    await screenshots(page, "insights")
    await assert_no_page_scroll_at_phone_width(page)


async def test_the_customer_page_shows_the_rfm_scores(
    clean_db: AsyncEngine, open_console: OpenConsole
) -> None:
    # Given five buyers scored by the RFM job (the fifth bought most, most lately)
    now = datetime.now(UTC)
    buyers = [await new_customer(clean_db, f"b{k}") for k in range(1, 6)]
    for k, customer in enumerate(buyers, start=1):
        for n in range(k):
            await add_purchase(clean_db, customer, now - timedelta(days=(6 - k) * 10 + n), 1000 * k)
    never = await new_customer(clean_db, "never")
    await compute_rfm(UnitOfWork(clean_db), "console", "test")

    # When a viewer opens the best buyer, then the scores say Champions
    page = await open_console(Role.VIEWER, f"customers/{buyers[4]}")
    rfm = page.get_by_role("region", name="RFM scores")
    await expect(rfm).to_contain_text("Champions: recency 5, frequency 5, monetary 5")
    await expect(rfm).to_contain_text("5 orders for")
    await assert_accessible(page)

    # And a customer who never bought has none
    page = await open_console(Role.VIEWER, f"customers/{never}")
    await expect(page.get_by_role("region", name="RFM scores")).to_contain_text("No scores")

    # And the insights count the segments: Champions (the 4th and 5th buyers) lead
    page = await open_console(Role.VIEWER, "insights")
    segments = page.get_by_role("region", name="RFM segments")
    label = "5 customers scored; the largest segment is Champions with 2"
    await expect(segments.get_by_role("img", name=label)).to_be_visible()
    await segments.get_by_role("button", name="Show as table").click()
    rows = segments.get_by_role("region", name="RFM segments, as a table").locator("tbody tr")
    await expect(rows.filter(has_text="Hibernating").locator("td")).to_have_text("2")
    await assert_accessible(page)
