"""The reports page, read by a viewer over a program made through the API: the totals, the
flow chart (and its table), the movements a page at a time, filtered, and downloaded as CSV
with the same filter."""

from __future__ import annotations

import csv
import io
import re

from playwright.async_api import Locator, Page, expect

from domain.access.permissions import Role
from tests.console.conftest import OpenConsole
from tests.support.api import GraphQLClient
from tests.support.console import assert_accessible, screenshots
from tests.support.console_data import (
    adjust,
    assert_no_page_scroll_at_phone_width,
    new_customer,
    purchase,
)


async def _program(gql: GraphQLClient) -> None:
    """Ann buys a 250.00 jacket (+250); Bob wins twelve contest rounds (+5 each) and loses 20
    for a damaged card; Chloe gets a welcome bonus (+200): 15 movements, newest last."""
    ann = await new_customer(gql, "ann", "Ann", lastName="Archer")
    bob = await new_customer(gql, "bob", "Bob", lastName="Baker")
    chloe = await new_customer(gql, "chloe", "Chloe", lastName="Clark")
    assert await purchase(gql, ann, "A-1", 25000) == 250
    for round_ in range(1, 13):
        await adjust(gql, bob, 5, f"Contest round {round_}")
    await adjust(gql, bob, -20, "damaged card")
    await adjust(gql, chloe, 200, "welcome")


def _figure(page: Page, label: str) -> Locator:
    return page.locator(".figure").filter(has=page.locator("dt", has_text=label)).locator("dd")


def _rows(page: Page) -> Locator:
    return page.get_by_role("region", name="Movements").locator("tbody tr")


async def test_a_viewer_reads_the_totals_the_flow_and_pages_through_the_movements(
    gql: GraphQLClient, open_console: OpenConsole
) -> None:
    # Given the program, and a viewer on the reports (the last 30 days by default)
    await _program(gql)
    page = await open_console(Role.VIEWER, "reports")
    await expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()

    # Then the totals: 250 + 60 + 200 = 510 earned, 20 debited by hand, 490 net, in 15
    # operations
    await expect(_figure(page, "Earned")).to_have_text("510")
    await expect(_figure(page, "Other (manual debits)")).to_have_text("-20")
    await expect(_figure(page, "Net change")).to_have_text("+490")
    await expect(_figure(page, "Operations")).to_have_text("15")
    await expect(_figure(page, "Total balance at the end")).to_have_text("490")

    # And the flow is drawn as a chart whose figures a screen reader reads as a table; shown
    # as a table, today's row holds everything
    flow = page.get_by_role("region", name="Points flow")
    chart = flow.get_by_role("img", name="Points flow per day over 30 days")
    await expect(chart).to_be_visible()
    await expect(chart).to_have_attribute("aria-label", re.compile("510 points earned"))
    await flow.get_by_role("button", name="Show as table").click()
    table = flow.get_by_role("region", name="Points flow, as a table")
    await expect(table.locator("tbody tr")).to_have_count(30)
    today = table.locator("tbody tr").last
    await expect(today.locator("td").nth(0)).to_have_text("510")
    await expect(today.locator("td").nth(5)).to_have_text("490")
    await flow.get_by_role("button", name="Show as chart").click()
    await expect(flow.locator("canvas")).to_be_visible()

    # And the liability and the customers per category: 3 customers in Base, 490 points
    await expect(_figure(page, "Outstanding points")).to_have_text("490")
    # (and over time: nothing owed until today, 490 points worth 4.90 at today's end)
    owed = page.get_by_role("region", name="Liability over time")
    await owed.get_by_role("button", name="Show as table").click()
    days = owed.locator("tbody tr")
    await expect(days).to_have_count(30)
    await expect(days.first.locator("td")).to_have_text(["0", re.compile(r"0[.,]00")])
    await expect(days.last.locator("td")).to_have_text(["490", re.compile(r"4[.,]90")])
    categories = page.get_by_role("region", name="Customers per category")
    await categories.get_by_role("button", name="Show as table").click()
    await expect(categories.locator("tbody tr")).to_have_text(["Base (default)3490"])

    # And the movements, newest first, 25 a page: all 15, Chloe's welcome on top
    await expect(_rows(page)).to_have_count(15)
    await expect(_rows(page).first).to_contain_text("Chloe Clark")
    await expect(_rows(page).first).to_contain_text("welcome")
    await expect(page.get_by_role("button", name="Next page")).to_be_disabled()

    # When they show 10 a page, then the first page holds 10, the next the 5 oldest (Ann's
    # purchase last), and going back shows the first again
    await page.get_by_label("Rows per page").select_option("10")
    await expect(_rows(page)).to_have_count(10)
    await expect(page.get_by_role("button", name="Previous page")).to_be_disabled()
    await page.get_by_role("button", name="Next page").click()
    await expect(page.get_by_text("Page 2", exact=True)).to_be_visible()
    await expect(_rows(page)).to_have_count(5)
    await expect(_rows(page).last).to_contain_text("Ann Archer")
    await expect(_rows(page).last).to_contain_text("+250")
    await expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    await page.get_by_role("button", name="Previous page").click()
    await expect(_rows(page)).to_have_count(10)
    await expect(_rows(page).first).to_contain_text("welcome")

    await assert_accessible(page)
    await screenshots(page, "reports-overview")
    await assert_no_page_scroll_at_phone_width(page)


async def test_the_movements_filtered_and_their_csv_hold_the_same_rows(
    gql: GraphQLClient, open_console: OpenConsole
) -> None:
    # Given the program, and a viewer on the reports
    await _program(gql)
    page = await open_console(Role.VIEWER, "reports")
    await expect(_rows(page)).to_have_count(15)

    # When they pick Bob, credits of at least 1 point, with "round 1" in the reason
    await page.get_by_label("Customer", exact=True).fill("bob")
    await page.get_by_role("button", name="Find").click()
    await page.get_by_role("button", name="Bob Baker").click()
    await page.get_by_label("Least points").fill("1")
    await page.get_by_label("Reason contains").fill("ROUND 1")
    await page.get_by_role("button", name="Apply filters").click()

    # Then the table shows rounds 12, 11, 10 and 1 (newest first), Bob's only
    await expect(_rows(page)).to_have_count(4)
    notes = [await row.locator("td").nth(5).inner_text() for row in await _rows(page).all()]
    assert notes == ["Contest round 12", "Contest round 11", "Contest round 10", "Contest round 1"]
    await expect(page.get_by_text("filtered to Bob Baker")).to_be_visible()

    # When they download the CSV, then it holds the same four rows, with the same filter
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="Download CSV").click()
    download = await waiting.value
    assert download.suggested_filename.startswith("ledger-movements-")
    path = await download.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [(r["note"], r["points"], r["customer_external_ref"], r["kind"]) for r in rows] == [
        ("Contest round 12", "5", "bob", "MANUAL"),
        ("Contest round 11", "5", "bob", "MANUAL"),
        ("Contest round 10", "5", "bob", "MANUAL"),
        ("Contest round 1", "5", "bob", "MANUAL"),
    ]
    await expect(page.get_by_role("status").filter(has_text="Downloaded")).to_be_visible()

    # When the least is more than the most, then the form says so and keeps the table
    await page.get_by_label("Most points").fill("0")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page.get_by_text("The most cannot be less than the least.")).to_be_visible()
    await expect(_rows(page)).to_have_count(4)

    # When the filters are cleared, then all 15 movements come back
    await page.get_by_role("button", name="Clear").click()
    await expect(_rows(page)).to_have_count(15)

    await assert_accessible(page)
    await screenshots(page, "reports-movements")
    await assert_no_page_scroll_at_phone_width(page)
