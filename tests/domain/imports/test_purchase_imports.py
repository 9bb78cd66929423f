"""Bulk imports of historical purchases: order lines checked whole before anything is
written, each order loaded once (never split between transactions) whatever runs are
repeated or cut short, history only or earning as recordPurchase would, the ledger sound
after, and the BI reports counting the imported sales."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.analytics.products import ProductGrouping, ProductSales, top_products
from domain.customers.services import create_customer, update_customer
from domain.data_requests.services import erase_customer
from domain.imports import purchase_loading
from domain.imports.formats import ColumnMapping, ImportKind, read_mapping
from domain.imports.services import Outcome, import_file
from domain.ledger.validity import update_expiry_rule
from domain.purchases.earning import Line, OverrideMode, PurchaseStatus
from domain.purchases.earning_rules import OverrideChanges, update_earning_rules
from domain.purchases.refunds import refund_purchase
from domain.purchases.services import PurchaseReport, record_purchase
from domain.reports.periods import Period
from domain.uow import UnitOfWork
from tests.support.ledger import assert_ledger_sound

HEADER = (
    "order_id,customer_ref,occurred_at,status,shop,channel,sku,quantity,unit_price,"
    "product_line,discounted"
)
MARCH = Period(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))
# Two orders of C1 (the first with its lines apart in the file) and one of C2 in the shop
# "web": 2 x 12.50 + 1 x 4.29 = 29.29; 3.99; 3 x 8.00 = 24.00.
GOOD = (
    HEADER,
    "O1,C1,2025-03-01T10:30:00+01:00,,,,BEANS,2,12.50,coffee,",
    "O2,C2,2025-03-02,PAID,web,WEB,MUG,3,8,kitchen,yes",
    "O3,C1,2025-03-05T09:00:00Z,COMPLETED,,POS,BEANS,1,3.99,coffee,no",
    "O1,C1,2025-03-01T10:30:00+01:00,,,,CUP,1,4.29,kitchen,",
)


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def run_import(
    engine: AsyncEngine, path: Path, mapping: ColumnMapping | None = None, **options: Any
) -> Outcome:
    return await import_file(
        UnitOfWork(engine),
        ImportKind.PURCHASES,
        path,
        mapping or ColumnMapping(),
        "test",
        **options,
    )


async def rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(text(sql))]


async def customers(engine: AsyncEngine, *refs: str) -> dict[str, int]:
    uow = UnitOfWork(engine)
    return {ref: (await create_customer(uow, {"external_ref": ref}, None)).item.id for ref in refs}


async def written(engine: AsyncEngine) -> tuple[int, int, int, int]:
    """(purchases, lines, entries, events since the customers were made)."""
    [found] = await rows(
        engine,
        "SELECT (SELECT count(*) FROM purchases), (SELECT count(*) FROM purchase_lines), "
        "(SELECT count(*) FROM ledger_entries), "
        "(SELECT count(*) FROM domain_events WHERE type <> 'CustomerRegistered')",
    )
    return found


async def test_history_only_writes_the_orders_without_points_and_never_awards_them_later(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given two customers and a file of three orders, one of two lines apart in the file
    ids = await customers(clean_db, "C1", "C2")
    # When it is imported one line a chunk (an order's lines still load together)
    outcome = await run_import(clean_db, write(tmp_path, "sales.csv", *GOOD), chunk_rows=1)
    # Then the orders are there as made sales, awarded with no points, in file order
    assert outcome.problems == [] and outcome.job is not None
    job = outcome.job
    assert (job.status, job.rows_done, job.purchases_created, job.purchases_skipped) == (
        "DONE",
        4,
        3,
        0,
    )
    assert job.points_earned == 0
    found = await rows(
        clean_db,
        "SELECT shop, order_id, customer_id, channel, status, total_minor, occurred_at, "
        "points_earned, awarded_at IS NOT NULL, made_seq IS NOT NULL FROM purchases ORDER BY id",
    )
    assert found == [
        ("default", "O1", ids["C1"], "POS", "COMPLETED", 2_929, at(1, 9, 30), 0, True, True),
        ("web", "O2", ids["C2"], "WEB", "PAID", 2_400, at(2), 0, True, True),
        ("default", "O3", ids["C1"], "POS", "COMPLETED", 399, at(5, 9), 0, True, True),
    ]
    assert await rows(
        clean_db,
        "SELECT p.order_id, l.line_no, l.sku, l.quantity, l.unit_price_minor, l.discounted, "
        "l.product_line FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id "
        "ORDER BY p.id, l.line_no",
    ) == [
        ("O1", 1, "BEANS", 2, 1_250, False, "coffee"),
        ("O1", 2, "CUP", 1, 429, False, "kitchen"),
        ("O2", 1, "MUG", 3, 800, True, "kitchen"),
        ("O3", 1, "BEANS", 1, 399, False, "coffee"),
    ]
    # And no ledger entry, no event
    assert await written(clean_db) == (3, 4, 0, 0)
    # When the shop later reports the same order through the API
    report = PurchaseReport(
        "O1", PurchaseStatus.COMPLETED, [Line("BEANS", 2, 1_250)], customer_id=str(ids["C1"])
    )
    again = await record_purchase(UnitOfWork(clean_db), report, "till")
    # Then it awards nothing: the order was history
    assert again.replayed and again.points_awarded == 0
    assert (await written(clean_db))[2] == 0
    # And the BI reports count the imported sales in their period
    sales = await top_products(UnitOfWork(clean_db), MARCH, ProductGrouping.SKU, 3)
    assert sales == [
        ProductSales("BEANS", 2_899, 3, 1),
        ProductSales("MUG", 2_400, 3, 1),
        ProductSales("CUP", 429, 1, 1),
    ]
    await assert_ledger_sound(clean_db)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


async def test_earning_gives_what_record_purchase_gives_and_refunds_take_it_back(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given a rule with a SKU override and points valid 30 days, and the customers
    ids = await customers(clean_db, "C1", "C2", "TWIN")
    uow = UnitOfWork(clean_db)
    await update_earning_rules(
        uow, {}, OverrideChanges([("MUG", OverrideMode.FIXED_PER_UNIT, 7)], [])
    )
    await update_expiry_rule(uow, 30, None)
    # When the file is imported earning
    outcome = await run_import(clean_db, write(tmp_path, "sales.csv", *GOOD), earn=True)
    # Then each order earned what recordPurchase gives the same lines now (a twin customer
    # reporting them)
    expected = {}
    for order, lines in {
        "O1": [Line("BEANS", 2, 1_250, False, "coffee"), Line("CUP", 1, 429, False, "kitchen")],
        "O2": [Line("MUG", 3, 800, True, "kitchen")],
        "O3": [Line("BEANS", 1, 399, False, "coffee")],
    }.items():
        twin = PurchaseReport(
            f"T-{order}", PurchaseStatus.COMPLETED, lines, customer_id=str(ids["TWIN"])
        )
        expected[order] = (await record_purchase(uow, twin, "till")).points_awarded
    assert expected == {"O1": 29, "O2": 21, "O3": 3}
    assert outcome.job is not None and outcome.job.points_earned == 53
    assert await rows(
        clean_db,
        "SELECT p.order_id, p.points_earned, e.points, e.kind, e.balance_after, "
        "e.idempotency_key = 'purchase:' || p.id, l.expires_at > now() + interval '30 days' "
        "FROM purchases p JOIN ledger_entries e ON e.source_ref = p.shop || '/' || p.order_id "
        "JOIN point_lots l ON l.entry_id = e.id WHERE p.customer_id <> "
        f"{ids['TWIN']} ORDER BY p.id",
    ) == [
        ("O1", 29, 29, "PURCHASE", 29, True, True),
        ("O2", 21, 21, "PURCHASE", 21, True, True),
        ("O3", 3, 3, "PURCHASE", 32, True, True),
    ]
    # And no PointsEarned event for the imported sales (the twin's own are there)
    assert await rows(
        clean_db,
        f"SELECT count(*) FROM domain_events WHERE customer_id IN ({ids['C1']}, {ids['C2']}) "
        "AND type <> 'CustomerRegistered'",
    ) == [(0,)]
    await assert_ledger_sound(clean_db)
    # When O1 is refunded whole
    refund = await refund_purchase(uow, "O1", "default", None, "r-1", "till")
    # Then its 29 points are taken back exactly
    assert (refund.points_due, refund.points_taken) == (29, 29)
    assert await rows(
        clean_db, f"SELECT balance FROM point_accounts WHERE customer_id = {ids['C1']}"
    ) == [(3,)]
    await assert_ledger_sound(clean_db)


async def test_bad_rows_are_reported_with_their_lines_and_nothing_is_written(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    await customers(clean_db, "C1")
    future = (date.today() + timedelta(days=400)).isoformat()
    path = write(
        tmp_path,
        "bad.csv",
        HEADER,
        "G1,C1,2025-03-01,,,,A,1,1.00,,",
        "B1,NOPE,2025-03-01,,,,A,1,1.00,,",  # 3: unknown customer
        "G1,C1,2025-03-02,,,,B,1,1.00,,",  # 4: another time than line 2's
        "B2,C1,2025-03-01,,,,A,1,1.005,,",  # 5: three decimals
        f"B3,C1,{future},,,,A,1,1.00,,",  # 6: in the future
        "B4,C1,2025-03-01,,,,A\x00,1,1.00,,",  # 7: a NUL byte
        "B5,C1,2025-03-01,,,,A,0,1.00,,",  # 8: quantity 0
        "B6,C1,2025-03-01T10:00:00,CREATED,,MAIL,A,1,1.00,,maybe",  # 9
    )
    dry = await run_import(clean_db, path, dry_run=True)
    outcome = await run_import(clean_db, path)
    found = [(p.line, p.column, p.code) for p in outcome.problems]
    assert [(p.line, p.column, p.code) for p in dry.problems] == found
    assert found == [
        (3, "customer_ref", "NOT_FOUND"),
        (4, "occurred_at", "INVALID"),
        (5, "unit_price", "INVALID"),
        (6, "occurred_at", "OUT_OF_RANGE"),
        (7, "sku", "INVALID"),
        (8, "quantity", "OUT_OF_RANGE"),
        (9, "occurred_at", "INVALID"),
        (9, "status", "INVALID"),
        (9, "channel", "INVALID"),
        (9, "discounted", "INVALID"),
    ]
    assert outcome.problems[1].reason.startswith("Line 2 of order G1 has occurred_at 2025-03-01")
    assert outcome.job is not None and outcome.job.status == "REJECTED"
    assert dry.job is None
    assert await written(clean_db) == (0, 0, 0, 0)
    assert await rows(clean_db, "SELECT count(*) FROM import_rows") == [(0,)]
    assert await rows(clean_db, "SELECT count(*) FROM import_jobs WHERE status <> 'REJECTED'") == [
        (0,)
    ]


def many_orders(tmp_path: Path, orders: int) -> Path:
    """Orders of 1 to 3 lines (order i has i % 3 + 1), each line 1 x 1.00 + its number."""
    lines = [HEADER]
    for i in range(1, orders + 1):
        for n in range(i % 3 + 1):
            lines.append(f"M{i},C{i % 4},2025-03-01,,,,S{n},1,{1 + n}.00,,")
    return write(tmp_path, "many.csv", *lines)


async def test_a_dry_run_writes_nothing_and_a_second_run_changes_nothing(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    await customers(clean_db, "C0", "C1", "C2", "C3")
    path = many_orders(tmp_path, 12)
    dry = await run_import(clean_db, path, dry_run=True, earn=True)
    assert dry.job is None and dry.rows == 24 and dry.problems == []
    assert await written(clean_db) == (0, 0, 0, 0)
    assert await rows(clean_db, "SELECT count(*) FROM import_jobs") == [(0,)]
    first = await run_import(clean_db, path, earn=True, chunk_rows=5)
    before = await written(clean_db)
    again = await run_import(clean_db, path, earn=True, chunk_rows=5)
    history = await run_import(clean_db, path, chunk_rows=5)  # another import: all skipped
    assert again.already_done and again.job is not None and first.job is not None
    assert again.job.id == first.job.id
    assert history.job is not None and history.job.purchases_skipped == 12
    assert await written(clean_db) == before == (12, 24, 12, 0)
    await assert_ledger_sound(clean_db)


async def test_a_run_cut_between_chunks_resumes_without_splitting_an_order(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given 30 orders (60 lines) loaded about 7 lines a chunk, and a run stopped after its
    # second chunk
    await customers(clean_db, "C0", "C1", "C2", "C3")
    path = many_orders(tmp_path, 30)

    class Stop(Exception):
        pass

    def stop_after_two(phase: str, done: int, total: int | None) -> None:
        if phase == "loading" and done >= 14:
            raise Stop

    with pytest.raises(Stop):
        await run_import(clean_db, path, earn=True, chunk_rows=7, progress=stop_after_two)
    # Then whole orders were loaded, each with all its lines
    loaded = await rows(
        clean_db,
        "SELECT p.order_id, count(*) FROM purchases p JOIN purchase_lines l "
        "ON l.purchase_id = p.id GROUP BY p.order_id",
    )
    assert 0 < len(loaded) < 30
    assert all(n == int(order[1:]) % 3 + 1 for order, n in loaded)
    # When the same file is run again, it finishes: every order once, earning once
    outcome = await run_import(clean_db, path, earn=True, chunk_rows=7)
    assert outcome.job is not None and outcome.job.status == "DONE"
    assert outcome.job.rows_done == 60 and outcome.job.purchases_created == 30
    assert await written(clean_db) == (30, 60, 30, 0)
    assert await rows(clean_db, "SELECT sum(balance) FROM point_accounts") == [
        (sum(sum(1 + n for n in range(i % 3 + 1)) for i in range(1, 31)),)
    ]
    await assert_ledger_sound(clean_db)


async def test_an_order_already_recorded_through_the_api_is_left_as_it_is(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    ids = await customers(clean_db, "C1", "C2")
    report = PurchaseReport(
        "O1", PurchaseStatus.PAID, [Line("BEANS", 1, 1_000)], customer_id=str(ids["C1"])
    )
    await record_purchase(UnitOfWork(clean_db), report, "till")
    outcome = await run_import(clean_db, write(tmp_path, "sales.csv", *GOOD), earn=True)
    assert outcome.job is not None
    assert (outcome.job.purchases_created, outcome.job.purchases_skipped) == (2, 1)
    assert await rows(
        clean_db,
        "SELECT p.status, p.total_minor, p.points_earned, count(l.*) FROM purchases p "
        "JOIN purchase_lines l ON l.purchase_id = p.id WHERE p.order_id = 'O1' "
        "GROUP BY p.id",
    ) == [("PAID", 1_000, 10, 1)]
    assert await rows(
        clean_db, f"SELECT balance FROM point_accounts WHERE customer_id = {ids['C1']}"
    ) == [(10 + 3,)]
    await assert_ledger_sound(clean_db)


async def test_a_mapping_reads_a_woocommerce_order_lines_export(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    mapping_file = Path(__file__).parents[3] / "docs/import-mappings/woocommerce-order-lines.yaml"
    mapping = read_mapping(mapping_file.read_text(encoding="utf-8"), ImportKind.PURCHASES)
    ids = await customers(clean_db, "anna")
    path = write(
        tmp_path,
        "orders.csv",
        "Order Number,Order Date,Order Status,Customer Username,Billing Email,SKU,"
        "Item Name,Quantity,Item Cost,Order Total Amount",
        "1041,2025-03-01T10:30:00+01:00,,anna,anna@example.com,BEANS,Beans,2,12.50,29.29",
        "1041,2025-03-01T10:30:00+01:00,,anna,anna@example.com,CUP,Cup,1,4.29,29.29",
    )
    outcome = await run_import(clean_db, path, mapping)
    assert outcome.problems == [] and outcome.job is not None
    assert await rows(clean_db, "SELECT order_id, customer_id, total_minor FROM purchases") == [
        ("1041", ids["anna"], 2_929)
    ]


async def test_earnings_that_would_cross_the_ceiling_are_not_posted(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given C1 with 30 points below the ceiling (an opening balance)
    ids = await customers(clean_db, "C1", "C2")
    opening = write(tmp_path, "open.csv", "external_ref,points", "C1,999999970")
    await import_file(UnitOfWork(clean_db), ImportKind.BALANCES, opening, ColumnMapping(), "t")
    # When its orders O1 (29 points) and O3 (3) are imported earning
    outcome = await run_import(clean_db, write(tmp_path, "sales.csv", *GOOD), earn=True)
    # Then O1 earned, O3 (over the ceiling) is written earning nothing, C2's O2 earned
    assert outcome.job is not None and outcome.job.points_earned == 29 + 24
    assert await rows(clean_db, "SELECT order_id, points_earned FROM purchases ORDER BY id") == [
        ("O1", 29),
        ("O2", 24),
        ("O3", 0),
    ]
    assert await rows(
        clean_db, f"SELECT balance FROM point_accounts WHERE customer_id = {ids['C1']}"
    ) == [(999_999_999,)]
    await assert_ledger_sound(clean_db)


@pytest.mark.parametrize("went", ["erased", "renamed"])
async def test_orders_of_a_customer_gone_while_loading_are_reported_not_dropped(
    clean_db: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, went: str
) -> None:
    # Given a file of orders checked while both its customers were there
    ids = await customers(clean_db, "C1", "C2")
    real = purchase_loading.LoadOrders.handle

    async def c1_goes_first(self: purchase_loading.LoadOrders, uow: UnitOfWork) -> Any:
        # When C1 is erased, or their reference changes, after checking, before loading
        if went == "erased":
            await erase_customer(UnitOfWork(clean_db), PARTS, ids["C1"], "dpo", "e1")
        else:
            await update_customer(UnitOfWork(clean_db), str(ids["C1"]), {"external_ref": "X1"})
        monkeypatch.setattr(purchase_loading.LoadOrders, "handle", real)
        return await real(self, uow)

    monkeypatch.setattr(purchase_loading.LoadOrders, "handle", c1_goes_first)
    outcome = await run_import(clean_db, write(tmp_path, "sales.csv", *GOOD), earn=True)
    # Then C2's order is loaded and C1's three lines are not, each reported by its line
    job = outcome.job
    assert job is not None and job.status == "DONE"
    assert (job.rows_done, job.rows_rejected, job.purchases_created) == (1, 3, 1)
    assert [(p["line"], p["column"], p["code"]) for p in job.problems] == [
        (2, "customer_ref", "NOT_FOUND"),
        (4, "customer_ref", "NOT_FOUND"),
        (5, "customer_ref", "NOT_FOUND"),
    ]
    assert "erased, or their external_ref changed" in job.problems[0]["reason"]
    assert await rows(clean_db, "SELECT order_id, customer_id FROM purchases") == [
        ("O2", ids["C2"])
    ]
    await assert_ledger_sound(clean_db)
