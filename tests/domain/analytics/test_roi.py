"""The ROI report on docs/reports.md's worked example: every figure as the docs work it out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.roi import Costs, RoiRow, Sales, roi_report
from domain.errors import DomainError
from domain.ledger.rollups import roll_up_now
from domain.reports.periods import Period
from domain.uow import UnitOfWork
from tests.schema.test_bi_sql_docs import documented, run
from tests.support.reports import Row, new_customer, write_entries
from tests.support.roi_seed import MAY, at, seed_roi_example

README = Path(__file__).resolve().parents[3] / "README.md"


async def test_the_worked_example(clean_db: AsyncEngine) -> None:
    await seed_roi_example(clean_db)

    roi = await roi_report(UnitOfWork(clean_db), MAY)

    assert roi.rows == [
        RoiRow("A", "POS", Sales(12_000, 3, 2, 1), Costs(0, 500, 0, 0, 60)),
        RoiRow("A", "WEB", Sales(5_000, 1, 1, 0), Costs(150, 0, 0, 0, 0)),
        RoiRow("B", "POS", Sales(3_000, 1, 1, 0), Costs(0, 0, 80, 120, 0)),
        RoiRow("C", "", Sales(), Costs(0, 200, 0, 0, 0)),
    ]
    total = roi.total
    assert total.sales == Sales(20_000, 5, 3, 2)
    assert (total.sales.average_order_minor, total.sales.purchase_frequency) == (
        4_000,
        Decimal("1.67"),
    )
    assert total.sales.repeat_rate == Decimal("0.6667")
    assert total.costs.total_minor == 150 + 700 + 80 + 120 + 60
    assert roi.new_members == 2  # Bob and Dee
    assert (roi.bonus_points, roi.bonus_value_minor) == (200 + 100 + 50, 105)
    assert (roi.liability_change_points, roi.liability_change_minor) == (-350, -105)
    assert (roi.expired_points, roi.breakage_minor) == (20, 6)
    # Ann: 90.00 in the year before 1 Mar, a member all 31 days of May; Bob: 20.00 before
    # 20 May, a member its last 12 days: (9,000 x 31 + 2,000 x 12) / 365 = 830.1 -> 830
    assert (roi.baselined_members, roi.baselined_revenue_minor, roi.baseline_minor) == (
        2,
        15_000 + 3_000,
        830,
    )
    assert roi.incremental_revenue_minor == 17_170 and roi.cost_minor == 1_215
    assert roi.roi == Decimal("13.1317")  # (17,170 - 1,215) / 1,215
    # And the README quotes the same figures
    readme = README.read_text()
    assert "incremental revenue 180.00 - 8.30 = 171.70, cost 11.10 given\non orders" in readme
    assert "ROI (171.70 - 12.15) / 12.15 = **13.1317**" in readme


@pytest.mark.parametrize("rolled", [False, True], ids=["tail", "rolled up"])
async def test_the_ledger_figures_are_the_same_from_the_rollups(
    clean_db: AsyncEngine, rolled: bool
) -> None:
    # Given the example plus, in May, a gift of 40 and an expiry of 5, both reversed (a
    # reversal moves the liability but takes no bonus or expiry away: credits and EXPIRY
    # entries are counted as written)
    await seed_roi_example(clean_db)
    eve = await new_customer(clean_db, "eve")
    await write_entries(
        clean_db,
        eve,
        [
            Row("GIFT", 40, at(5, 10, 9)),
            Row("EXPIRY", -5, at(5, 11, 9)),
            Row("REVERSAL", 5, at(5, 12, 10), reverses=1),
            Row("REVERSAL", -40, at(5, 31, 23), reverses=0),
        ],
    )
    if rolled:
        await roll_up_now(UnitOfWork(clean_db))
    # Then the ROI's ledger figures are the example's, the liability net of both pairs,
    # for the month and for a period whose ends cut hours
    roi = await roi_report(UnitOfWork(clean_db), MAY)
    assert (roi.bonus_points, roi.liability_change_points, roi.expired_points) == (
        390,
        -350,
        25,
    )
    cut = await roi_report(UnitOfWork(clean_db), Period(at(5, 10, 9), at(5, 31, 23)))
    assert (cut.bonus_points, cut.expired_points) == (
        await documented_ledger_figures(clean_db, cut.since, cut.until)
    )


async def documented_ledger_figures(engine: AsyncEngine, since: object, until: object) -> Any:
    """Bonus and expired points by the plain scan (docs/reports.md, "roi-points")."""
    rows = await run(engine, documented()["roi-points"], since=since, until=until)
    return (rows[0]["bonus_points"], rows[0]["expired_points"])


async def test_a_period_needs_both_bounds() -> None:
    with pytest.raises(DomainError) as refused:
        await roi_report(UnitOfWork(None), Period(None, at(5, 1)))  # type: ignore[arg-type]
    assert [p.field for p in refused.value.problems] == ["since"]
