"""What expires soon: the points of a customer's open lots that reach their expiry date
within a window (the lots' dates come from the validity rule, domain.ledger.validity)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text

from domain.errors import ErrorCode, Problems
from domain.uow import UnitOfWork

MAX_WINDOW_DAYS = 3_660


@dataclass(frozen=True)
class ExpiringPoints:
    """Points of a customer's open lots that expire on `date` (UTC), at `expires_at`."""

    date: date
    expires_at: datetime
    points: int


_EXPIRING = text("""
    SELECT customer_id, CAST(expires_at AT TIME ZONE 'UTC' AS date) AS day,
           min(expires_at) AS expires_at, sum(remaining) AS points
      FROM point_lots
     WHERE customer_id = ANY(:ids) AND remaining > 0
       AND expires_at <= now() + make_interval(days => :days)
     GROUP BY customer_id, day
     ORDER BY customer_id, day
""")


def check_window(problems: Problems, within_days: int) -> None:
    if not 0 <= within_days <= MAX_WINDOW_DAYS:
        problems.add("withinDays", ErrorCode.OUT_OF_RANGE, f"0 to {MAX_WINDOW_DAYS} days.")


async def expiring_soon(
    uow: UnitOfWork, customer_ids: list[int], within_days: int
) -> dict[int, list[ExpiringPoints]]:
    """For each customer, the points of their open lots that expire within `within_days`
    days from now (those already past their date and not yet expired included), grouped by
    expiry date, soonest first: one query for all the customers."""
    rows = await uow.execute(_EXPIRING, {"ids": customer_ids, "days": within_days})
    found: dict[int, list[ExpiringPoints]] = {cid: [] for cid in customer_ids}
    for row in rows:
        found[row.customer_id].append(ExpiringPoints(row.day, row.expires_at, int(row.points)))
    return found


@dataclass(frozen=True)
class ExpiringOn:
    """A customer's points in open lots that expire on one date (UTC), at `expires_at`."""

    customer_id: int
    points: int
    expires_at: datetime


# Keyset over customers: each call continues after the last customer of the previous one,
# so a run over a million customers reads each open lot about once. The day's bounds are
# a range on expires_at (the same UTC date as `expiring_soon` gives a lot).
_EXPIRING_ON = text("""
    SELECT customer_id, sum(remaining) AS points, min(expires_at) AS expires_at
      FROM point_lots
     WHERE remaining > 0 AND customer_id > :after
       AND expires_at >= CAST(:day AS date) AT TIME ZONE 'UTC'
       AND expires_at < (CAST(:day AS date) + 1) AT TIME ZONE 'UTC'
     GROUP BY customer_id
     ORDER BY customer_id
     LIMIT :limit
""")


_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")


async def expiring_on(
    uow: UnitOfWork, day: date, after_customer_id: int, limit: int
) -> list[ExpiringOn]:
    """The next `limit` customers (in id order, after `after_customer_id`) with points in
    open lots expiring on `day` (UTC), with those points: one query, in the open unit of
    work (whose later statements are planned for their own parameters too)."""
    # The best plan depends on the parameters: a day with few lots reads them by date, a
    # day with many walks the open lots in customer order from `after`. A prepared
    # statement's generic plan (chosen after five runs) reads the whole day every batch:
    # 100 times slower over 300,000 customers, so plan each run for its own values.
    await uow.execute(_CUSTOM_PLANS)
    rows = await uow.execute(_EXPIRING_ON, {"day": day, "after": after_customer_id, "limit": limit})
    return [ExpiringOn(r.customer_id, int(r.points), r.expires_at) for r in rows]
