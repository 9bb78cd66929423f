"""The ROI rollups' invariant, as a named check (domain/analytics/invariants.py lists it):
every day and month the rollups hold or the rows have activity on, and every registration
day, that no row above the watermarks touches, holds what the rows give now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.analytics import buyer_sets, roi_rollups
from domain.analytics.roi_figures import BUYERS, day_of
from domain.checkout.bi_sql import POINTS_PAID
from domain.customers.sql import CUSTOMERS
from domain.purchases.bi_sql import MADE_ORDER_TIMES
from domain.vouchers.bi_sql import VOUCHER_DISCOUNTS

_WATERMARK = text("SELECT rolled_to FROM analytics_rollup_state WHERE stream = :stream")

_DAYS = text(f"""
    SELECT COALESCE(array_agg(DISTINCT day), '{{}}') FROM (
        SELECT day FROM roi_days UNION SELECT day FROM roi_buyer_days
        UNION SELECT {day_of("occurred_at")} FROM ({MADE_ORDER_TIMES}) o
        UNION SELECT {day_of("created_at")} FROM ({POINTS_PAID}) x
        UNION SELECT {day_of("created_at")} FROM ({VOUCHER_DISCOUNTS}) v) d""")

_REGISTRATION_DAYS = text(f"""
    SELECT COALESCE(array_agg(DISTINCT day), '{{}}') FROM (
        SELECT registered_on AS day FROM roi_registration_days
        UNION SELECT {day_of("created_at")} FROM ({CUSTOMERS}) c) d""")


async def roi_rollups_equal_rows(conn: AsyncConnection) -> list[str]:
    """roi_days, roi_buyer_days, roi_buyer_months and roi_registration_days equal what the
    rows give for every clean day (no value above a watermark touches it) and every month
    of clean days; buyer sets compared as sets."""
    marks = {}
    for stream in roi_rollups.STREAMS:
        mark = (await conn.execute(_WATERMARK, {"stream": stream.key})).scalar()
        marks[stream] = int(mark or 0)
    dirty = (await conn.execute(roi_rollups.TOUCHED, roi_rollups.tail_bounds(marks))).one()
    dirty_days, dirty_registrations = set(dirty.order_days), set(dirty.registration_days)
    days = sorted(set((await conn.execute(_DAYS)).scalar_one()) - dirty_days)
    found: list[str] = []
    ranges = roi_rollups.day_ranges(days)
    expected = (await conn.execute(roi_rollups.FIGURES, ranges)).all()
    kept = await _rows(conn, "roi_days", "day", days)
    found += _differences("roi_days", _keyed(expected, 3), _keyed(kept, 3))
    sets = roi_rollups.day_sets((await conn.execute(text(BUYERS), ranges)).all())
    set_rows = [(s["day"], s["shop"], s["channel"], s["buyers"], s["multi"]) for s in sets]
    kept_sets = await _rows(conn, "roi_buyer_days", "day", days)
    found += _differences("roi_buyer_days", _sets(set_rows), _sets(kept_sets))
    dirty_months = {d.replace(day=1) for d in dirty_days}
    clean = [r for r in set_rows if r[0].replace(day=1) not in dirty_months]
    months = [
        (m["month"], m["shop"], m["channel"], m["buyers"], m["multi"])
        for m in roi_rollups.month_sets(clean)
    ]
    month_starts = sorted({d.replace(day=1) for d in days} - dirty_months)
    kept_months = await _rows(conn, "roi_buyer_months", "month", month_starts)
    found += _differences("roi_buyer_months", _sets(months), _sets(kept_months))
    registered = sorted(
        set((await conn.execute(_REGISTRATION_DAYS)).scalar_one()) - dirty_registrations
    )
    expected_registrations = (
        await conn.execute(roi_rollups.REGISTRATIONS, roi_rollups.day_ranges(registered))
    ).all()
    kept_registrations = await _rows(conn, "roi_registration_days", "registered_on", registered)
    found += _differences(
        "roi_registration_days",
        _keyed(expected_registrations, 1),
        _keyed(kept_registrations, 1),
    )
    return found


async def _rows(conn: AsyncConnection, table: str, column: str, days: list[date]) -> list[Any]:
    # `table` and `column` are this module's constants, never input.
    query = text(f"SELECT * FROM {table} WHERE {column} = ANY(CAST(:days AS date[]))")
    return list((await conn.execute(query, {"days": days})).all())


def _keyed(rows: Iterable[Any], width: int) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {tuple(r)[:width]: tuple(r)[width:] for r in rows}


def _sets(rows: Iterable[Any]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {
        tuple(r)[:3]: (sorted(buyer_sets.load(r[3])), sorted(buyer_sets.load(r[4]))) for r in rows
    }


def _differences(
    table: str,
    expected: dict[tuple[Any, ...], tuple[Any, ...]],
    kept: dict[tuple[Any, ...], tuple[Any, ...]],
) -> list[str]:
    return [
        f"{table} {' '.join(map(str, key))}: rows give {expected.get(key)}, "
        f"the rollup holds {kept.get(key)}"
        for key in sorted(set(expected) | set(kept), key=str)
        if expected.get(key) != kept.get(key)
    ]
