"""The expiry job: what lots past their date have left becomes an EXPIRY debit.

Set-based: a run takes the customers with due lots a batch at a time (1000 by default, in
customer order) and, per batch, one statement writes every customer's EXPIRY entry, the
lot allocations that zero those lots, the balances and lifetime_expired, and the
PointsExpired events. Each batch is a command of its own (ExpireBatch, one transaction),
complete on its own, so no transaction holds a million row locks and a run cut short is
simply finished by the next. The last batch also records the run's totals
(ExpiryRunFinished), which staff notices are made from.

Why it is exact and safe on several workers at once: a batch first locks its customers'
balance rows (in customer order, as every ledger write takes the balance row first), then
reads the lots in a new statement, which sees everything committed before the locks were
granted. A second run waiting on the same customers finds their lots already zeroed and
writes nothing; only points still in a lot (its `remaining`) are expired, so points spent
are never expired and nothing expires twice. Each entry's idempotency key is the customer
and their latest entry before it, so the same state of a customer's lots cannot be
expired by two entries.

Held points: a balance never falls below what active holds reserve. Expiry takes
min(points due, balance - held) and leaves the rest in the lots past their date: if the
hold is captured, the capture spends those points first (spending takes the soonest
expiring first); if it is released or expires, the next run expires them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text

from domain.commands import Command, run
from domain.events.payloads import event_type_sql, payload_sql
from domain.events.sql import APPEND_EVENTS
from domain.events.types import ExpiryRunFinished, PointsExpired
from domain.ledger.policy import take_back_sql
from domain.uow import UnitOfWork

ACTOR = "system:expiry"
NOTE = "Points expired"
BATCH_CUSTOMERS = 1_000

# The next batch of customers with lots past their date, their balance rows locked.
_LOCK_DUE = text("""
    WITH due AS (
        SELECT DISTINCT customer_id FROM point_lots
         WHERE remaining > 0 AND expires_at <= CAST(:now AS timestamptz)
           AND customer_id > :after
         ORDER BY customer_id LIMIT :batch)
    SELECT a.customer_id FROM point_accounts a JOIN due USING (customer_id)
     ORDER BY a.customer_id
       FOR UPDATE OF a
""")

_EXPIRED_PAYLOAD = payload_sql(
    PointsExpired, entry_id="e.id", points="-e.points", balance_after="e.balance_after"
)

# For customers whose balance rows this transaction holds: expire what their due lots
# have left (soonest expiry first, as much as the held points allow) in one statement.
_EXPIRE = text(f"""
    WITH due AS (
        SELECT l.id, l.customer_id, l.remaining,
               sum(l.remaining) OVER (PARTITION BY l.customer_id ORDER BY l.expires_at, l.id)
                   - l.remaining AS before
          FROM point_lots l
         WHERE l.customer_id = ANY(CAST(:ids AS bigint[])) AND l.remaining > 0
           AND l.expires_at <= CAST(:now AS timestamptz)),
    amounts AS (
        SELECT a.customer_id, a.balance,
               {take_back_sql("sum(d.remaining)", "a.balance", "a.held")} AS points
          FROM point_accounts a JOIN due d USING (customer_id)
         GROUP BY a.customer_id, a.balance, a.held),
    e AS (
        INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note,
                                    source_type, source_ref, actor, idempotency_key)
        SELECT m.customer_id, -m.points, m.balance - m.points, 'EXPIRY', CAST(:note AS text),
               'expiry', CAST(:as_of AS text), CAST(:actor AS text),
               'expiry:' || m.customer_id || ':'
                   || (SELECT max(x.id) FROM ledger_entries x WHERE x.customer_id = m.customer_id)
          FROM amounts m
         WHERE m.points > 0
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id, customer_id, points, balance_after),
    take AS (
        SELECT d.id AS lot_id, e.id AS entry_id, LEAST(d.remaining, -e.points - d.before) AS pts
          FROM due d JOIN e USING (customer_id)
         WHERE d.before < -e.points),
    lots AS (
        UPDATE point_lots l SET remaining = l.remaining - t.pts
          FROM take t WHERE l.id = t.lot_id),
    alloc AS (
        INSERT INTO lot_allocations (entry_id, lot_id, points)
        SELECT entry_id, lot_id, -pts FROM take),
    acc AS (
        UPDATE point_accounts a
           SET balance = a.balance + e.points,
               lifetime_expired = a.lifetime_expired - e.points,
               updated_at = now()
          FROM e WHERE a.customer_id = e.customer_id),
    ev AS (
        {APPEND_EVENTS}
        SELECT {event_type_sql(PointsExpired)}, e.customer_id, {_EXPIRED_PAYLOAD}
          FROM e)
    SELECT count(*) AS customers, COALESCE(-sum(points), 0) AS points FROM e
""")


@dataclass(frozen=True)
class ExpiryRun:
    """What a run expired: how many customers lost points, and how many points in all."""

    customers: int
    points: int


async def expire_points(
    uow: UnitOfWork, now: datetime | None = None, batch_customers: int = BATCH_CUSTOMERS
) -> ExpiryRun:
    """Expire what every lot past its date (as of `now`, by default the current time) has
    left, as one EXPIRY entry per customer and batch.

    Guarantees: only points still in a lot past its date expire (never spent ones, never
    twice); balances stay >= held (what holds reserve expires at a later run, if the hold
    does not spend it); lifetime_expired grows by what expired and lifetime_earned is left
    alone; running it again, or on two workers at once, expires nothing more. A run that
    expired anything records ExpiryRunFinished with its totals in its last batch's
    transaction (a run cut short records nothing; the run that finishes its work records
    what that run expired)."""
    as_of = now or datetime.now(UTC)
    if as_of.tzinfo is None:
        raise ValueError("the expiry clock must be timezone-aware")
    after, so_far = 0, ExpiryRun(0, 0)
    while True:
        batch = await run(uow, ExpireBatch(as_of, after, batch_customers, so_far))
        so_far = ExpiryRun(so_far.customers + batch.customers, so_far.points + batch.points)
        if batch.locked < batch_customers:
            return so_far
        after = batch.last_customer_id


@dataclass(frozen=True)
class ExpiredBatch:
    locked: int  # customers with due lots taken in this batch
    last_customer_id: int  # the last of them: the next batch starts after it
    customers: int  # of them, those who lost points
    points: int


@dataclass(frozen=True)
class ExpireBatch(Command[ExpiredBatch]):
    """One batch of the expiry job in one transaction: lock the balance rows of the next
    `batch` customers (after `after`) with lots due at `as_of`, then expire their lots. The
    last batch (fewer than `batch` customers) records the run's ExpiryRunFinished, its
    totals `so_far` plus its own, when the run expired anything."""

    as_of: datetime
    after: int
    batch: int
    so_far: ExpiryRun = ExpiryRun(0, 0)

    async def handle(self, uow: UnitOfWork) -> ExpiredBatch:
        expired = await self._expire(uow)
        if expired.locked < self.batch:
            self._record_run(uow, expired)
        return expired

    def _record_run(self, uow: UnitOfWork, last: ExpiredBatch) -> None:
        customers = self.so_far.customers + last.customers
        points = self.so_far.points + last.points
        if points > 0:
            uow.record(
                ExpiryRunFinished(
                    customer_id=None,
                    as_of=self.as_of.astimezone(UTC).isoformat(),
                    customers=customers,
                    points=points,
                )
            )

    async def _expire(self, uow: UnitOfWork) -> ExpiredBatch:
        locked = [
            int(row.customer_id)
            for row in await uow.execute(
                _LOCK_DUE, {"now": self.as_of, "after": self.after, "batch": self.batch}
            )
        ]
        if not locked:
            return ExpiredBatch(0, self.after, 0, 0)
        done = (
            await uow.execute(
                _EXPIRE,
                {
                    "ids": locked,
                    "now": self.as_of,
                    "as_of": self.as_of.isoformat(),
                    "note": NOTE,
                    "actor": ACTOR,
                },
            )
        ).one()
        return ExpiredBatch(len(locked), locked[-1], int(done.customers), int(done.points))
