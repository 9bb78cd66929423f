"""The Integrations page's Imports, used by an admin with the keyboard: a small customers
file uploaded and imported (its job DONE with its counts and a full progress bar), a bad
one REJECTED with its problem lines and its report to download, and a dry run CHECKED
without writing anything. Readable at phone width; a cashier has no such page."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.async_api import Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from tests.console.conftest import OpenConsole
from tests.support.console import assert_accessible, screenshots
from tests.support.console_data import assert_no_page_scroll_at_phone_width
from tests.support.imports import BAD_CUSTOMERS, GOOD_CUSTOMERS, PURCHASES


async def customers(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM customers"))).scalar_one())


async def start(page: Page, path: Path, dry_run: bool = False) -> None:
    form = page.get_by_role("form", name="Import a file")
    await form.get_by_label("CSV file").set_input_files(str(path))
    dry = form.get_by_label("Check only (dry run)")
    if dry_run:
        await dry.focus()
        await page.keyboard.press("Space")
    await form.get_by_role("button", name="Start").focus()
    await page.keyboard.press("Enter")
    await expect(form.get_by_text(f"of {path.name}.")).to_be_visible()


async def test_an_admin_imports_a_good_file_and_sees_a_bad_one_rejected(
    open_console: OpenConsole, tmp_path: Path, clean_db: AsyncEngine
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CUSTOMERS, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CUSTOMERS, encoding="utf-8")
    page = await open_console(Role.ADMIN, "integrations")
    await (
        page.get_by_role("navigation", name="Integrations")
        .get_by_role("link", name="Imports")
        .click()
    )
    await expect(page.get_by_text("No import yet.")).to_be_visible()

    # A dry run of the good file: CHECKED, nothing written
    await start(page, good, dry_run=True)
    checked = page.get_by_role("listitem").filter(has_text="dry run")
    await expect(checked.get_by_text("Checked: all rows good")).to_be_visible(timeout=30_000)
    await expect(checked.get_by_text("All 3 rows are good. Nothing was written.")).to_be_visible()
    assert await customers(clean_db) == 0

    # The good file imported: DONE, with its counts and a full bar
    await start(page, good)
    done = page.get_by_role("listitem").filter(has_text="good.csv").filter(has_text="Done")
    await expect(done).to_have_count(1, timeout=30_000)
    await expect(
        done.get_by_text("3 rows: 3 customers created, 2 opening balances (125 points).")
    ).to_be_visible()
    bar = done.get_by_role("progressbar", name="Progress of good.csv")
    await expect(bar).to_have_attribute("aria-valuenow", "100")
    assert await customers(clean_db) == 3

    # The bad file: REJECTED, its problems by line, its report downloadable
    await start(page, bad)
    rejected = page.get_by_role("listitem").filter(has_text="bad.csv")
    await expect(rejected.get_by_text("Rejected")).to_be_visible(timeout=30_000)
    await expect(rejected.get_by_text("3 bad rows of 4. Nothing was imported.")).to_be_visible()
    lines = rejected.get_by_role("row")
    await expect(lines).to_have_count(4)
    await expect(lines.nth(1)).to_contain_text("2email")
    await expect(lines.nth(3)).to_contain_text("external_refDUPLICATE")
    async with page.expect_download() as download_info:
        await rejected.get_by_role("button", name="Download the report (CSV)").click()
    download = await download_info.value
    report = (await download.path()).read_text("utf-8")
    assert report.splitlines()[0] == "line,column,code,reason"
    assert [row.split(",")[0] for row in report.splitlines()[1:]] == ["2", "4", "5"]
    assert await customers(clean_db) == 3

    # Their past orders, imported earning: the earn box shows for purchases only
    orders = tmp_path / "orders.csv"
    orders.write_text(PURCHASES, encoding="utf-8")
    form = page.get_by_role("form", name="Import a file")
    await expect(form.get_by_label("Earn points")).to_have_count(0)
    await form.get_by_label("Kind").select_option("PURCHASES")
    await form.get_by_label("Earn points").check()
    await start(page, orders)
    earned = page.get_by_role("listitem").filter(has_text="orders.csv").filter(has_text="Done")
    await expect(earned).to_have_count(1, timeout=30_000)
    await expect(earned.get_by_text("Historical purchases · earning")).to_be_visible()
    await expect(
        earned.get_by_text(
            re.compile(
                r"3 lines: 2 purchases created, 0 already in Tessera, [1-9][0-9,]* points earned\."
            )
        )
    ).to_be_visible()

    # An import done with a line not loaded (J-3 erased while the file loaded, as
    # tests/domain/imports/test_purchase_imports.py makes one) shows it as a rejected one does
    gone = {"line": 3, "column": "customer_ref", "code": "NOT_FOUND",
            "reason": "Not loaded: the customer was erased."}  # fmt: skip
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "UPDATE import_jobs SET rows_done = 2, rows_rejected = 1, purchases_created = 1, "
                "problems = CAST(:gone AS jsonb) WHERE file_name = 'orders.csv'"
            ),
            {"gone": json.dumps([gone])},
        )
    await page.reload()
    partly = page.get_by_role("listitem").filter(has_text="orders.csv")
    await expect(partly.get_by_text("1 not loaded: their customer was erased")).to_be_visible()
    await expect(partly.get_by_text("1 row not loaded")).to_be_visible()
    await expect(partly.get_by_role("row").nth(1)).to_contain_text("3customer_refNOT_FOUND")

    await assert_accessible(page)
    await screenshots(page, "integrations-imports")
    await assert_no_page_scroll_at_phone_width(page)


async def test_a_bad_mapping_is_shown_on_its_field(
    open_console: OpenConsole, tmp_path: Path, clean_db: AsyncEngine
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CUSTOMERS, encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns: {shoe_size: Shoe}\n", encoding="utf-8")
    page = await open_console(Role.MANAGER, "integrations/imports")
    form = page.get_by_role("form", name="Import a file")
    await form.get_by_role("button", name="Start").click()
    await expect(form.get_by_text("Choose the CSV file to import.")).to_be_visible()
    await form.get_by_label("CSV file").set_input_files(str(good))
    await form.get_by_label("Mapping file (optional)").set_input_files(str(mapping))
    await form.get_by_role("button", name="Start").click()
    await expect(form.get_by_text("unknown column 'shoe_size'")).to_be_visible()
    assert await customers(clean_db) == 0
