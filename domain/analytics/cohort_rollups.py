"""The cohorts report's rollups, kept by a job behind three watermarks (domain/watermarks.py):
customer ids (cohort_registrations: customers per UTC registration day), ledger entry ids
(cohort_activity, per registration day and activity month: points earned, spent, expired)
and the order in which purchases were made (purchases.made_seq; cohort_activity: buyers).
Writing a customer, an entry or a purchase does nothing here.

A buyer is counted once per customer and month: the job records the (customer, month)
pairs it has counted in cohort_buyer_months and adds a buyer only for a new pair. A made
purchase stays made (statuses only move forward), so a count never has to be taken back.
What a customer's registration day is, the job reads when it rolls their rows up: a
customer's created_at never changes after registration.

The report (domain/analytics/cohorts.py) reads the rollups for the registration days the
period holds whole, and adds the tails (entries and made purchases above the watermarks,
read in the same snapshot) and the customers of the days the period's ends cut."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import text

from domain import watermarks
from domain.customers.sql import CUSTOMER_IDS, CUSTOMERS
from domain.ledger.rollups import ENTRY_IDS
from domain.ledger.sql import ENTRIES
from domain.purchases.bi_sql import MADE_IN_ORDER, MADE_SEQUENCE
from domain.uow import UnitOfWork

DEFAULT_BATCH = 1_000_000

_STATE = "analytics_rollup_state"
CUSTOMERS_STREAM = watermarks.Stream(_STATE, "stream", "customers", CUSTOMER_IDS)
LEDGER = watermarks.Stream(_STATE, "stream", "ledger", ENTRY_IDS.sequence)
PURCHASES = watermarks.Stream(_STATE, "stream", "purchases", MADE_SEQUENCE)

# The month (UTC, a date) of a moment, and a customer's registration month as a moment.
MONTH = "CAST(date_trunc('month', {} AT TIME ZONE 'UTC') AS date)"
REGISTRATION_MONTH = "date_trunc('month', {}, 'UTC')"

# What an entry adds to a cohort's points (alias e): earned are credits of PURCHASE,
# MANUAL, ACTION and GIFT entries, spent REDEMPTION debits net of REDEMPTION_REFUND
# credits, expired EXPIRY debits; reversals are left out.
POINTS_SUMS = """
    CAST(COALESCE(sum(e.points) FILTER (WHERE e.points > 0
        AND e.kind IN ('PURCHASE', 'MANUAL', 'ACTION', 'GIFT')), 0) AS bigint) AS earned,
    CAST(COALESCE(-sum(e.points) FILTER (
        WHERE e.kind IN ('REDEMPTION', 'REDEMPTION_REFUND')), 0) AS bigint) AS spent,
    CAST(COALESCE(-sum(e.points) FILTER (WHERE e.kind = 'EXPIRY'), 0) AS bigint) AS expired"""

# The batch's entries (from their customer's registration month on), per registration day
# and month.
_ROLL_UP_POINTS = text(f"""
    WITH batch AS (
        SELECT CAST(c.created_at AT TIME ZONE 'UTC' AS date) AS registered_on,
               {MONTH.format("e.created_at")} AS month, count(*) AS entries, {POINTS_SUMS}
          FROM ({ENTRIES}) e JOIN ({CUSTOMERS}) c ON c.id = e.customer_id
         WHERE e.id > :from_value AND e.id <= :to_value
           AND e.created_at >= {REGISTRATION_MONTH.format("c.created_at")}
         GROUP BY 1, 2),
    added AS (
        INSERT INTO cohort_activity AS t (registered_on, month, earned, spent, expired)
        SELECT registered_on, month, earned, spent, expired FROM batch
         WHERE earned <> 0 OR spent <> 0 OR expired <> 0
        ON CONFLICT (registered_on, month) DO UPDATE
           SET earned = t.earned + excluded.earned, spent = t.spent + excluded.spent,
               expired = t.expired + excluded.expired
        RETURNING 1)
    SELECT (SELECT COALESCE(sum(entries), 0) FROM batch) AS rows,
           (SELECT count(*) FROM added) AS written""")

# The batch's made purchases (from their customer's registration month on): each
# (customer, month) not counted yet adds a buyer to its registration day and month.
_ROLL_UP_BUYERS = text(f"""
    WITH batch AS (
        SELECT p.customer_id, {MONTH.format("p.occurred_at")} AS month
          FROM ({MADE_IN_ORDER}) p JOIN ({CUSTOMERS}) c ON c.id = p.customer_id
         WHERE p.made_seq > :from_value AND p.made_seq <= :to_value
           AND p.occurred_at >= {REGISTRATION_MONTH.format("c.created_at")}),
    counted AS (
        INSERT INTO cohort_buyer_months (customer_id, month)
        SELECT DISTINCT customer_id, month FROM batch
        ON CONFLICT DO NOTHING
        RETURNING customer_id, month),
    added AS (
        INSERT INTO cohort_activity AS t (registered_on, month, buyers)
        SELECT CAST(c.created_at AT TIME ZONE 'UTC' AS date), n.month, count(*)
          FROM counted n JOIN ({CUSTOMERS}) c ON c.id = n.customer_id
         GROUP BY 1, 2
        ON CONFLICT (registered_on, month) DO UPDATE SET buyers = t.buyers + excluded.buyers
        RETURNING 1)
    SELECT (SELECT count(*) FROM batch) AS rows, (SELECT count(*) FROM added) AS written""")

# The batch's customers, per registration day.
_ROLL_UP_REGISTRATIONS = text(f"""
    WITH batch AS (
        SELECT CAST(created_at AT TIME ZONE 'UTC' AS date) AS registered_on, count(*) AS n
          FROM ({CUSTOMERS}) c WHERE id > :from_value AND id <= :to_value GROUP BY 1),
    added AS (
        INSERT INTO cohort_registrations AS t (registered_on, registered)
        SELECT registered_on, n FROM batch
        ON CONFLICT (registered_on) DO UPDATE SET registered = t.registered + excluded.registered
        RETURNING 1)
    SELECT (SELECT COALESCE(sum(n), 0) FROM batch) AS rows,
           (SELECT count(*) FROM added) AS written""")

_STATEMENTS = {
    CUSTOMERS_STREAM: _ROLL_UP_REGISTRATIONS,
    LEDGER: _ROLL_UP_POINTS,
    PURCHASES: _ROLL_UP_BUYERS,
}
STREAMS = tuple(_STATEMENTS)


@dataclass(frozen=True)
class CohortRollupRun:
    """A run's work on each stream (customers, entries and made purchases rolled up)."""

    customers: watermarks.Progress
    ledger: watermarks.Progress
    purchases: watermarks.Progress


async def roll_up_cohorts(uow: UnitOfWork, batch: int = DEFAULT_BATCH) -> CohortRollupRun:
    """Roll up every customer, entry and made purchase their pending watermarks cover, once
    the transactions that could still write below them have ended (a batch of `batch` values a
    transaction), then take the next pending watermarks. The same guarantees as the
    ledger's rollups (domain/ledger/rollups.py): each row rolled up once, whatever the
    order of commits, concurrent runs or a crash."""
    return CohortRollupRun(*[await _roll_up(uow, stream, batch) for stream in STREAMS])


async def _roll_up(uow: UnitOfWork, stream: watermarks.Stream, batch: int) -> watermarks.Progress:
    return await watermarks.roll_up(uow, stream, _STATEMENTS[stream], batch)


async def roll_up_cohorts_now(
    uow: UnitOfWork, batch: int = DEFAULT_BATCH, wait_s: float = 300.0
) -> CohortRollupRun:
    """Roll up every customer, entry and made purchase written before this call (`tessera
    rollup-ledger`, the bench, tests), waiting at most `wait_s` seconds a stream for the
    transactions in progress."""
    done = [
        await watermarks.run_until_caught_up(
            uow, stream, partial(_roll_up, uow, stream, batch), wait_s
        )
        for stream in STREAMS
    ]
    return CohortRollupRun(*done)
