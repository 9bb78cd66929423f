"""Previewing a segment: the count and the sample of customers are read in one snapshot, so
they describe the same customers whatever commits while the preview runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.segments import preview_segment
from tests.funnels.segments.people import person


class _CustomerArrivesAfterTheCount(UnitOfWork):
    """A unit of work on which, right after the preview's count statement, another
    transaction commits a new customer that matches the filter (a registration landing
    while the marketer's preview runs)."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.arrived = False

    async def execute(self, statement: Any, params: Any = None) -> Any:
        result = await super().execute(statement, params)
        if not self.arrived and "count(*)" in str(statement):
            self.arrived = True
            await person(self.engine, balance=50)
        return result


async def test_a_preview_count_agrees_with_its_customers(clean_db: AsyncEngine) -> None:
    """Rule: segmentPreview returns `count` and "the first `first` matching customers"
    (docs/segments.md, Previews and cost classes): one answer about one set of customers,
    read in one snapshot (domain.uow.read_only: REPEATABLE READ, READ ONLY), so with
    `first` above the count the list holds exactly `count` customers.

    Given one customer with 10 points, when a customer with 50 points registers while a
    preview of `{"balance": {"gte": 0}}` (first 100) runs, then the preview's list and its
    count describe the same set (the one customer of the snapshot)."""
    first = await person(clean_db, balance=10)
    uow = _CustomerArrivesAfterTheCount(clean_db)
    preview = await preview_segment(uow, {"balance": {"gte": 0}}, datetime.now(UTC), first=100)
    assert uow.arrived
    assert preview.count == len(preview.sample) == 1, (
        preview.count,
        [c.id for c in preview.sample],
    )
    assert [c.id for c in preview.sample] == [first]
