"""Cohorts by registration month: how many of each month's new customers bought in each
later month (retention), and the points they earned, spent and let expire in each, read
from the cohort rollups (domain/analytics/cohort_rollups.py) plus what they do not hold yet.

Months are calendar months in UTC. Month k of a cohort is the k-th calendar month after the
one they registered in (month 0 is the registration month itself). What counts (the SQL is
in docs/reports.md, "Cohorts"): a buyer is a customer of the cohort with an order made
(PAID or COMPLETED, as RFM and segments count) that occurred in that month; points earned
are credits of PURCHASE, MANUAL, ACTION and GIFT entries, spent are REDEMPTION debits net
of REDEMPTION_REFUND credits, expired are EXPIRY debits (reversals left out: the
ledger's own reports net them). The watermarks and one statement, in one snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import text

from domain import watermarks
from domain.analytics.cohort_rollups import (
    CUSTOMERS_STREAM,
    LEDGER,
    MONTH,
    POINTS_SUMS,
    PURCHASES,
)
from domain.analytics.periods import check_bounded, whole_days
from domain.customers.sql import CUSTOMERS
from domain.errors import ErrorCode, Problems
from domain.ledger.sql import ENTRIES
from domain.purchases.bi_sql import MADE_IN_ORDER, MADE_ORDER_TIMES
from domain.reports.periods import Period
from domain.uow import UnitOfWork, read_only

MAX_MONTHS = 60

# The month of a moment (UTC, as a timestamp), and how many months `later` is after `month`.
_MONTH = "date_trunc('month', {} AT TIME ZONE 'UTC')"
_OFFSET = (
    "CAST((extract(year FROM {later}) - extract(year FROM {month})) * 12"
    " + extract(month FROM {later}) - extract(month FROM {month}) AS int)"
)
_ROLLED_COHORT = "date_trunc('month', CAST(a.registered_on AS timestamp))"
# A customer registered in the period's whole UTC days, [:lo, :hi): read from the rollups.
_IN_WHOLE_DAYS = "c.created_at >= :lo AND c.created_at < :hi"

# The customers registered in the period's whole UTC days are read from the rollups
# (cohort_registrations, cohort_activity) plus the tails above the watermarks
# (:customers_to, :ledger_to, :purchases_to, read in the same snapshot): the customers
# registered since, their entries, and their made orders of a month in which they are not
# counted yet. The customers of a day the period's ends cut (registered in the period but
# outside [:lo, :hi)) are read from their own rows (one index probe each).
_COHORTS = text(f"""
    WITH cut AS MATERIALIZED (
        SELECT id, {_MONTH.format("created_at")} AS cohort FROM ({CUSTOMERS}) c
         WHERE created_at >= :since AND created_at < :until
           AND NOT (created_at >= :lo AND created_at < :hi)),
    sizes AS (
        SELECT cohort, sum(n) AS customers
          FROM (SELECT date_trunc('month', CAST(registered_on AS timestamp)) AS cohort,
                       registered AS n
                  FROM cohort_registrations
                 WHERE registered_on >= :lo_day AND registered_on < :hi_day
                UNION ALL
                SELECT {_MONTH.format("c.created_at")}, 1 FROM ({CUSTOMERS}) c
                 WHERE c.id > :customers_to AND {_IN_WHOLE_DAYS}
                UNION ALL
                SELECT cohort, 1 FROM cut) r
         GROUP BY cohort),
    months AS (
        SELECT s.cohort, s.customers, k AS month FROM sizes s,
               generate_series(0, LEAST(:months, {
    _OFFSET.format(later=_MONTH.format("CAST(:now AS timestamptz)"), month="s.cohort")
})) k),
    rolled AS (
        SELECT {_ROLLED_COHORT} AS cohort, {
    _OFFSET.format(later="CAST(a.month AS timestamp)", month=_ROLLED_COHORT)
} AS month,
               a.buyers, a.earned, a.spent, a.expired
          FROM cohort_activity a
         WHERE a.registered_on >= :lo_day AND a.registered_on < :hi_day),
    bought AS (
        SELECT q.cohort, {_OFFSET.format(later=_MONTH.format("q.occurred_at"), month="q.cohort")}
                   AS month,
               count(DISTINCT q.customer_id) AS buyers
          FROM (SELECT c.cohort, p.customer_id, p.occurred_at
                  FROM cut c, LATERAL (SELECT * FROM ({MADE_ORDER_TIMES}) p
                                        WHERE p.customer_id = c.id OFFSET 0) p
                UNION ALL
                SELECT {_MONTH.format("c.created_at")}, p.customer_id, p.occurred_at
                  FROM ({MADE_IN_ORDER}) p JOIN ({CUSTOMERS}) c ON c.id = p.customer_id
                 WHERE p.made_seq > :purchases_to AND {_IN_WHOLE_DAYS}
                   AND NOT EXISTS (SELECT 1 FROM cohort_buyer_months b
                                    WHERE b.customer_id = p.customer_id
                                      AND b.month = {MONTH.format("p.occurred_at")})) q
         WHERE q.occurred_at >= q.cohort AT TIME ZONE 'UTC'
         GROUP BY 1, 2),
    points AS (
        SELECT e.cohort, {_OFFSET.format(later=_MONTH.format("e.created_at"), month="e.cohort")}
                   AS month,
               {POINTS_SUMS}
          FROM (SELECT c.cohort, e.points, e.kind, e.created_at
                  FROM cut c, LATERAL (SELECT * FROM ({ENTRIES}) e
                                        WHERE e.customer_id = c.id OFFSET 0) e
                UNION ALL
                SELECT {_MONTH.format("c.created_at")}, e.points, e.kind, e.created_at
                  FROM ({ENTRIES}) e JOIN ({CUSTOMERS}) c ON c.id = e.customer_id
                 WHERE e.id > :ledger_to AND {_IN_WHOLE_DAYS}) e
         WHERE e.created_at >= e.cohort AT TIME ZONE 'UTC'
         GROUP BY 1, 2),
    figures AS (
        SELECT cohort, month, CAST(sum(buyers) AS bigint) AS buyers,
               CAST(sum(earned) AS bigint) AS earned, CAST(sum(spent) AS bigint) AS spent,
               CAST(sum(expired) AS bigint) AS expired
          FROM (SELECT cohort, month, buyers, earned, spent, expired FROM rolled
                UNION ALL
                SELECT cohort, month, buyers, 0, 0, 0 FROM bought
                UNION ALL
                SELECT cohort, month, 0, earned, spent, expired FROM points) f
         GROUP BY 1, 2)
    SELECT m.cohort AT TIME ZONE 'UTC' AS cohort, CAST(m.customers AS bigint) AS customers,
           m.month, COALESCE(f.buyers, 0) AS buyers, COALESCE(f.earned, 0) AS earned,
           COALESCE(f.spent, 0) AS spent, COALESCE(f.expired, 0) AS expired
      FROM months m
      LEFT JOIN figures f ON f.cohort = m.cohort AND f.month = m.month
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
    lo, hi = whole_days(since, until)
    params = {"since": since, "until": until, "months": months, "now": now, "lo": lo, "hi": hi}
    params.update(lo_day=lo.date(), hi_day=hi.date())

    async def fetch(u: UnitOfWork) -> Sequence[Any]:
        params["customers_to"] = await watermarks.rolled_to(u, CUSTOMERS_STREAM)
        params["ledger_to"] = await watermarks.rolled_to(u, LEDGER)
        params["purchases_to"] = await watermarks.rolled_to(u, PURCHASES)
        return (await u.execute(_COHORTS, params)).all()

    rows = await read_only(uow, fetch)
    found: dict[datetime, Cohort] = {}
    for r in rows:
        cohort = found.setdefault(r.cohort, Cohort(r.cohort, int(r.customers), []))
        cohort.months.append(
            CohortMonth(int(r.month), int(r.buyers), r.earned, r.spent, r.expired, cohort.customers)
        )
    return list(found.values())
