"""The ROI report on docs/reports.md's worked example: every figure as the docs work it out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.roi import Costs, RoiRow, Sales, roi_report
from domain.errors import DomainError
from domain.reports.periods import Period
from domain.uow import UnitOfWork
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
    assert (roi.baselined_members, roi.baselined_revenue_minor, roi.baseline_minor) == (
        2,
        15_000 + 3_000,
        4_000 + 2_000,
    )
    assert roi.incremental_revenue_minor == 12_000 and roi.cost_minor == 1_215
    assert roi.roi == Decimal("8.8765")  # (12,000 - 1,215) / 1,215
    # And the README quotes the same figures
    readme = README.read_text()
    assert (
        "180.00 - 60.00 = 120.00, cost 11.10 given on orders +\n1.05 of bonus points = 12.15"
        in readme
    )
    assert "ROI (120.00 - 12.15) / 12.15 = **8.8765**" in readme


async def test_a_period_needs_both_bounds() -> None:
    with pytest.raises(DomainError) as refused:
        await roi_report(UnitOfWork(None), Period(None, at(5, 1)))  # type: ignore[arg-type]
    assert [p.field for p in refused.value.problems] == ["since"]
