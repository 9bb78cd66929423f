"""Cohorts by registration month: how many of each month's new customers bought in each
later month (retention), and the points they earned, spent and let expire in each.

Months are calendar months in UTC. Month k of a cohort is the k-th calendar month after the
one they registered in (month 0 is the registration month itself). What counts (the SQL is
in docs/reports.md, "Cohorts"): a buyer is a customer of the cohort with an order made
(PAID or COMPLETED, as RFM and segments count) that occurred in that month; points earned
are credits of PURCHASE, MANUAL, ACTION and GIFT entries, spent are REDEMPTION debits net
of REDEMPTION_REFUND credits, expired are EXPIRY debits (reversals left out: the
ledger's own reports net them). One statement, one snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import text

from domain.analytics.periods import check_bounded
from domain.customers.sql import CUSTOMERS
from domain.errors import ErrorCode, Problems
from domain.ledger.sql import ENTRIES
from domain.purchases.bi_sql import MADE_ORDER_TIMES
from domain.reports.periods import Period
from domain.uow import UnitOfWork

MAX_MONTHS = 60

# The month of a moment (UTC), and how many months `later` is after `month`.
_MONTH = "date_trunc('month', {} AT TIME ZONE 'UTC')"
_OFFSET = (
    "CAST((extract(year FROM {later}) - extract(year FROM {month})) * 12"
    " + extract(month FROM {later}) - extract(month FROM {month}) AS int)"
)

_COHORTS = text(f"""
    WITH c AS (SELECT id, {_MONTH.format("created_at")} AS cohort FROM ({CUSTOMERS}) c
                WHERE created_at >= :since AND created_at < :until),
    sizes AS (SELECT cohort, count(*) AS customers FROM c GROUP BY cohort),
    months AS (
        SELECT s.cohort, s.customers, k AS month FROM sizes s,
               generate_series(0, LEAST(:months, {
    _OFFSET.format(later=_MONTH.format("CAST(:now AS timestamptz)"), month="s.cohort")
})) k),
    bought AS (
        SELECT c.cohort, {
    _OFFSET.format(later=_MONTH.format("p.occurred_at"), month="c.cohort")
} AS month,
               count(DISTINCT p.customer_id) AS buyers
          FROM c JOIN ({MADE_ORDER_TIMES}) p ON p.customer_id = c.id
         WHERE p.occurred_at >= c.cohort AT TIME ZONE 'UTC'
         GROUP BY 1, 2),
    points AS (
        SELECT c.cohort, {
    _OFFSET.format(later=_MONTH.format("e.created_at"), month="c.cohort")
} AS month,
               CAST(COALESCE(sum(e.points) FILTER (WHERE e.points > 0
                   AND e.kind IN ('PURCHASE', 'MANUAL', 'ACTION', 'GIFT')), 0) AS bigint)
                   AS earned,
               CAST(COALESCE(-sum(e.points) FILTER (
                   WHERE e.kind IN ('REDEMPTION', 'REDEMPTION_REFUND')), 0) AS bigint) AS spent,
               CAST(COALESCE(-sum(e.points) FILTER (WHERE e.kind = 'EXPIRY'), 0) AS bigint)
                   AS expired
          FROM c JOIN ({ENTRIES}) e ON e.customer_id = c.id
         WHERE e.created_at >= c.cohort AT TIME ZONE 'UTC'
         GROUP BY 1, 2)
    SELECT m.cohort AT TIME ZONE 'UTC' AS cohort, m.customers, m.month,
           COALESCE(b.buyers, 0) AS buyers, COALESCE(p.earned, 0) AS earned,
           COALESCE(p.spent, 0) AS spent, COALESCE(p.expired, 0) AS expired
      FROM months m
      LEFT JOIN bought b ON b.cohort = m.cohort AND b.month = m.month
      LEFT JOIN points p ON p.cohort = m.cohort AND p.month = m.month
     ORDER BY m.cohort, m.month""")


@dataclass(frozen=True)
class CohortMonth:
    """Month `month` (0: the registration month) of a cohort."""

    month: int
    buyers: int
    earned: int
    spent: int
    expired: int
    customers: int  # the cohort's size, for the rate

    @property
    def retention(self) -> Decimal:
        """buyers / customers, rounded half up to 4 decimals (0.2500 is 25%)."""
        share = Decimal(self.buyers) / Decimal(self.customers)
        return share.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cohort:
    """The customers who registered in the month starting at `starts_at` (UTC), and their
    months from registration to `months` after it or the current month, whichever first."""

    starts_at: datetime
    customers: int
    months: list[CohortMonth]


async def cohorts(uow: UnitOfWork, period: Period, months: int, now: datetime) -> list[Cohort]:
    """Every registration month that begins a customer's registration in `period` (both
    bounds required), oldest first, with months 0 to `months` (at most MAX_MONTHS; months
    after `now`'s are left out): buyers, and points earned, spent and expired. Registration
    months without a customer are left out."""
    problems = Problems()
    since, until = check_bounded(problems, period)
    if not 0 <= months <= MAX_MONTHS:
        problems.add("months", ErrorCode.OUT_OF_RANGE, f"Between 0 and {MAX_MONTHS}.")
    problems.raise_if_any()
    params = {"since": since, "until": until, "months": months, "now": now}
    async with uow:
        rows = (await uow.execute(_COHORTS, params)).all()
    found: dict[datetime, Cohort] = {}
    for r in rows:
        cohort = found.setdefault(r.cohort, Cohort(r.cohort, int(r.customers), []))
        cohort.months.append(
            CohortMonth(int(r.month), int(r.buyers), r.earned, r.spent, r.expired, cohort.customers)
        )
    return list(found.values())
