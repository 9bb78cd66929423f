"""The RFM job: every customer's recency, frequency and monetary scores (1 to 5 each),
computed set-based from their purchases in a window and kept in rfm_scores.

What counts (docs/reports.md, "RFM scores"): the orders made (PAID or COMPLETED) that
occurred in the WINDOW_DAYS before the run's moment `as_of` (as_of excluded), each net of
its refunds. A customer with at least one is scored on:

- recency: whole days from their latest such order to as_of (fewer is better);
- frequency: how many such orders;
- monetary: what they came to, net of refunds, in minor units.

A customer without one has no score (no row). Scores are quintiles: the run first takes
the 20th, 40th, 60th and 80th percentiles (percentile_disc) of each measure over every
scored customer (recency's over the days from most to fewest) and keeps them in its
rfm_runs row; each customer then scores 1 plus the number of cutoffs their value is
better than (above, for frequency and monetary; fewer days, for recency). So equal values
always get equal scores (NTILE would split a tie at random: a tie at a cutoff shares the
lower score), better is never scored lower, and every batch of customers is scored
against the same cutoffs.

A run is a few statements: the cutoffs (one scan of the window's orders), then one upsert
per batch of BATCH_IDS customer ids (each its own short transaction), then a clean-up that
removes the scores of customers no longer in the window. Runs take turns on an advisory
lock, and a run that finds a newer run started stops: the newest run's scores win, and a
retried run (the same key) goes on where it was without writing anything twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from domain.commands import Command, run
from domain.customers.sql import CUSTOMERS
from domain.errors import ErrorCode, Problems
from domain.purchases.bi_sql import MADE_PURCHASES
from domain.uow import UnitOfWork

WINDOW_DAYS = 365
BATCH_IDS = 50_000
MAX_KEY = 200

# Runs take turns on this lock (transaction-scoped, one per statement group).
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('tessera.rfm_runs'))")
_LATEST = text("SELECT max(id) FROM rfm_runs")

# Each customer's measures over the window (the relation `made`), for ids in (:after, :upto].
_MEASURES = f"""
    SELECT customer_id, count(*) AS orders,
           CAST(sum(net_minor) AS bigint) AS spend_minor,
           max(occurred_at) AS last_at,
           CAST(floor(extract(epoch FROM (CAST(:as_of AS timestamptz) - max(occurred_at)))
                      / 86400) AS bigint) AS days
      FROM ({MADE_PURCHASES}) p
     WHERE occurred_at >= :window_start AND occurred_at < :as_of AND {{where}}
     GROUP BY customer_id"""

_START = text(f"""
    WITH m AS ({_MEASURES.format(where="true")})
    INSERT INTO rfm_runs (idempotency_key, as_of, window_days, recency_cutoffs,
                          frequency_cutoffs, monetary_cutoffs, customers_scored, actor)
    SELECT :key, :as_of, :window_days,
           COALESCE(percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8])
                    WITHIN GROUP (ORDER BY days DESC), '{{}}'),
           COALESCE(percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8])
                    WITHIN GROUP (ORDER BY orders), '{{}}'),
           COALESCE(percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8])
                    WITHIN GROUP (ORDER BY spend_minor), '{{}}'),
           count(*), :actor
      FROM m
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id""")

_RUN = text("""
    SELECT id, idempotency_key, as_of, window_days, customers_scored, finished_at,
           id = (SELECT max(id) FROM rfm_runs) AS latest
      FROM rfm_runs WHERE {where}""")


def _better(value: str, op: str, cutoffs: str) -> str:
    """How many of the four cutoffs `value` is better than (0 to 4): `op` is > or <."""
    # A cutoff missing (a customer whose order was recorded after the run took its cutoffs,
    # in a window that had none) counts as not above.
    return " + ".join(
        f"COALESCE(CAST({value} {op} r.{cutoffs}[{i}] AS int), 0)" for i in range(1, 5)
    )


_SCORE_BATCH = text(f"""
    WITH r AS (SELECT * FROM rfm_runs WHERE id = :run),
    m AS ({_MEASURES.format(where="customer_id > :after AND customer_id <= :upto")})
    INSERT INTO rfm_scores AS s (customer_id, recency, frequency, monetary, orders,
                                 spend_minor, last_purchase_at, run_id, computed_at)
    SELECT m.customer_id,
           1 + {_better("m.days", "<", "recency_cutoffs")},
           1 + {_better("m.orders", ">", "frequency_cutoffs")},
           1 + {_better("m.spend_minor", ">", "monetary_cutoffs")},
           m.orders, m.spend_minor, m.last_at, r.id, r.as_of
      FROM m, r
    ON CONFLICT (customer_id) DO UPDATE
       SET recency = EXCLUDED.recency, frequency = EXCLUDED.frequency,
           monetary = EXCLUDED.monetary, orders = EXCLUDED.orders,
           spend_minor = EXCLUDED.spend_minor, last_purchase_at = EXCLUDED.last_purchase_at,
           run_id = EXCLUDED.run_id, computed_at = EXCLUDED.computed_at""")

_LAST_CUSTOMER = text(f"SELECT COALESCE(max(id), 0) FROM ({CUSTOMERS}) c")

_FINISH = text("""
    WITH gone AS (DELETE FROM rfm_scores WHERE run_id <> :run RETURNING 1)
    UPDATE rfm_runs SET finished_at = clock_timestamp()
     WHERE id = :run AND finished_at IS NULL""")


@dataclass(frozen=True)
class RfmRun:
    """A run: its moment, its window, how many customers it scored, when it finished
    (None while running, or when a newer run superseded it before it finished)."""

    id: int
    key: str
    as_of: datetime
    window_days: int
    customers: int
    finished_at: datetime | None
    superseded: bool


async def compute_rfm(
    uow: UnitOfWork,
    key: str,
    actor: str,
    now: datetime | None = None,
    batch_ids: int = BATCH_IDS,
) -> RfmRun:
    """Score every customer as of `now` (default: the current time) under the idempotency
    `key`, and remove the scores of customers without an order in the window.

    Guarantees: the same key computes once (a retry of an unfinished run finishes it; of a
    finished one, returns it); runs at once never mix their scores (the newest wins, an
    older one stops and says it was superseded); no customer is read or written one by one
    (a statement per batch of `batch_ids` customer ids)."""
    problems = Problems()
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        problems.add("idempotencyKey", ErrorCode.INVALID, f"1 to {MAX_KEY} characters.")
    as_of = (now or datetime.now(UTC)).astimezone(UTC)
    problems.raise_if_any()
    started = await run(uow, _Start(key, actor, as_of))
    if started.finished_at is not None or started.superseded:
        return started
    window_start = started.as_of - timedelta(days=started.window_days)
    async with uow:
        last = int((await uow.execute(_LAST_CUSTOMER)).scalar_one())
    after = 0
    while after < last:
        going_on = await run(uow, _ScoreBatch(started, window_start, after, after + batch_ids))
        if not going_on:
            return await _read(uow, "id = :id", started.id)
        after += batch_ids
    await run(uow, _Finish(started.id))
    return await _read(uow, "id = :id", started.id)


async def _read(uow: UnitOfWork, where: str, value: object) -> RfmRun:
    async with uow:
        found = await _find(uow, where, value)
    assert found is not None
    return found


async def _find(uow: UnitOfWork, where: str, value: object) -> RfmRun | None:
    row = (await uow.execute(text(_RUN.text.format(where=where)), {"id": value})).first()
    if row is None:
        return None
    return RfmRun(
        id=int(row.id),
        key=row.idempotency_key,
        as_of=row.as_of,
        window_days=int(row.window_days),
        customers=int(row.customers_scored),
        finished_at=row.finished_at,
        superseded=row.finished_at is None and not row.latest,
    )


@dataclass(frozen=True)
class _Start(Command[RfmRun]):
    """The run's row with its cutoffs, or the run already under the key."""

    key: str
    actor: str
    as_of: datetime

    async def handle(self, uow: UnitOfWork) -> RfmRun:
        await uow.execute(_LOCK)
        params = {
            "key": self.key,
            "actor": self.actor,
            "as_of": self.as_of,
            "window_start": self.as_of - timedelta(days=WINDOW_DAYS),
            "window_days": WINDOW_DAYS,
        }
        await uow.execute(_START, params)
        found = await _find(uow, "idempotency_key = :id", self.key)
        assert found is not None
        return found


@dataclass(frozen=True)
class _ScoreBatch(Command[bool]):
    """One batch's scores, unless a newer run started (False: stop)."""

    started: RfmRun
    window_start: datetime
    after: int
    upto: int

    async def handle(self, uow: UnitOfWork) -> bool:
        await uow.execute(_LOCK)
        if (await uow.execute(_LATEST)).scalar_one() != self.started.id:
            return False
        params = {
            "run": self.started.id,
            "as_of": self.started.as_of,
            "window_start": self.window_start,
            "after": self.after,
            "upto": self.upto,
        }
        await uow.execute(_SCORE_BATCH, params)
        return True


@dataclass(frozen=True)
class _Finish(Command[None]):
    """Remove the scores no batch of this run wrote, and mark it finished (if still the
    newest run)."""

    run_id: int

    async def handle(self, uow: UnitOfWork) -> None:
        await uow.execute(_LOCK)
        if (await uow.execute(_LATEST)).scalar_one() == self.run_id:
            await uow.execute(_FINISH, {"run": self.run_id})
