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
