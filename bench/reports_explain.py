"""`bench/reports.py --explain`: the plans PostgreSQL chooses for the reports' own statements
(EXPLAIN ANALYZE, BUFFERS) on the seeded ledger, printed to stderr."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.rollup_reads import rolled_to
from domain.reports.movements import MovementFilter, page_query
from domain.reports.periods import Granularity, Period
from domain.reports.totals import _FLOW_SQL, _TOTALS
from domain.uow import UnitOfWork


async def explain_reports(
    engine: AsyncEngine, month: tuple[datetime, datetime], customer: int, page: int
) -> None:
    since, until = month
    years = Period(
        datetime.fromisoformat("2024-07-01T00:00Z"), datetime.fromisoformat("2026-07-01T00:00Z")
    )
    async with UnitOfWork(engine) as uow:
        watermark = await rolled_to(uow)
    open_period = {"since": None, "until": None, "rolled_to": watermark}
    statements: list[tuple[str, str, dict[str, Any]]] = [
        ("totals, all time", _TOTALS.text, open_period),
        ("totals, a month", _TOTALS.text, {**open_period, "since": since, "until": until}),
        (
            "flow by month",
            _FLOW_SQL[Granularity.MONTH].text,
            {
                "since": years.since,
                "until": years.until,
                "last": years.until,
                "zone": "UTC",
                "rolled_to": watermark,
            },
        ),
    ]
    for name, wanted in (
        ("page: one customer", MovementFilter(customer_id=str(customer))),
        ("page: REFUND, a month", MovementFilter(since=since, until=until, kinds=("REFUND",))),
    ):
        compiled = page_query(wanted, page).compile(
            dialect=engine.dialect, compile_kwargs={"literal_binds": True}
        )
        statements.append((name, str(compiled), {}))
    async with engine.connect() as conn:
        for name, sql, params in statements:
            plan = await conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), params)
            print(f"\n--- {name} ---", file=sys.stderr)
            for (line,) in plan:
                print(line, file=sys.stderr)
