"""Re-syncing a badge's holders after the badge changed: a chunk of customers at a time,
each chunk its own short transaction, while balance writes go on.

A change of a badge's range, basis or activity commits the badge and a new generation of its
re-sync (`start_resync`, in the change's transaction); `resync_badge` then brings the
customers in step with it from the lowest customer id up, and can stop and be continued at
any point (by the mutation itself, then by a worker; see services.Handover).

Why no unlock or loss is missed or logged twice, with balances moving all along.

The balance trigger syncs its customer against the badges it reads when the balance writing
transaction commits. So a balance write that read the badge as it was before the change
could leave its customer out of step; the re-sync must see every such write, and must not
race the writes that read the changed badge. Two steps make that so:

1. Before its first chunk a re-sync waits until every transaction that was writing
   point_accounts once the change had committed has ended (`wait_for_balance_writers`: their
   RowExclusiveLock on the table, read from pg_locks, then their ends; no lock is taken, no
   write waits). Every balance write that could have read the old badge has then committed
   or rolled back, so the chunks see its points. Every later write reads the changed badge
   (its trigger's statements take their snapshots after the change committed).
2. A chunk locks its customers' point_accounts rows (FOR UPDATE, in customer id order, as
   every ledger write takes them) and only then, in a new statement, syncs them with
   sync_badges_of. A balance write on one of them is either committed before the lock is
   granted (the sync, which reads after it, sees its points and the badges its trigger
   wrote) or waits for the chunk to commit (its trigger then reads the chunk's badges and
   the changed badge). The customer's badges are written by one of the two at a time, each
   reading what the other committed, so each unlock and loss is logged once. A customer
   whose account is created after step 1 is not locked by a chunk (it may not be visible
   yet); its own trigger syncs it against the changed badge.

The customers above the highest customer id seen after step 1 (`last_customer_id`) are born
after the change and are synced by their trigger. Customers not reached yet still hold what
the old settings gave; `invariants.badges_consistent_with_balances` leaves them out until
the re-sync passes them.

Generations: each change starts a new generation from the first customer. A chunk locks the
badge's re-sync row first and goes on only if its generation is still the current one, so a
re-sync of an older change stops at its next chunk, and two runs of the same generation (a
message delivered twice, the mutation and a worker) take turns chunk by chunk instead of
doing the work twice. A change waits for a chunk in progress (the row lock), so a chunk
syncs against the settings its generation stands for."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.badges.models import BadgeCause
from domain.commands import Command, run
from domain.ledger.accounts import lock_accounts_after, wait_for_balance_writers
from domain.ledger.sql import ACCOUNTS
from domain.uow import UnitOfWork

BATCH_CUSTOMERS = 2_000  # customers per chunk (about 0.04 s when half of them change)
# Retrying a chunk PostgreSQL chose as a deadlock victim (a writer locking several accounts
# out of customer order) or a serialization failure: nothing of the chunk was written.
_RETRIED_SQLSTATES = frozenset({"40P01", "40001"})
_CHUNK_ATTEMPTS = 5

logger = logging.getLogger(__name__)


class ResyncStatus(StrEnum):
    RUNNING = "RUNNING"  # customers are still being brought in step with the change
    DONE = "DONE"  # every customer holds the badge exactly when their points say so


@dataclass(frozen=True)
class ResyncProgress:
    """Where one generation of a badge's re-sync stands."""

    badge_id: int
    generation: int
    customers_total: int  # customers with an account when it started (0 until then)
    customers_done: int
    unlocked: int  # customers who unlocked the badge because of this change, so far
    lost: int
    started_at: datetime
    finished_at: datetime | None
    # False while it waits for the balance writes in flight at the change (step 1).
    bounded: bool = True
    superseded: bool = False  # a later change of the badge started a new generation

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def status(self) -> ResyncStatus:
        return ResyncStatus.DONE if self.finished else ResyncStatus.RUNNING


async def start_resync(uow: UnitOfWork, badge_id: int) -> int:
    """In the transaction that changes the badge: a new generation of its re-sync, from the
    first customer; returns its number. An older generation's run stops at its next chunk
    (this waits for a chunk in progress, so a chunk never mixes two settings)."""
    row = (await uow.execute(_START, {"badge": badge_id})).one()
    return int(row.generation)


async def resync_badge(
    uow: UnitOfWork,
    badge_id: int,
    generation: int,
    *,
    max_customers: int | None = None,
    max_s: float | None = None,
    batch_customers: int = BATCH_CUSTOMERS,
) -> ResyncProgress | None:
    """Continue the re-sync of `generation` from where it stands until every customer is in
    step, or until at least `max_customers` more have been re-synced or `max_s` seconds
    have passed (checked between chunks; the wait for the balance writes in flight at the
    change counts, and is cut short by it). Returns its progress (None for a badge never
    changed); `superseded` when a later change took over (the counts are then those last
    seen of this generation).

    Guarantees: idempotent and safe to run several times at once or to stop anywhere (a
    killed run loses at most its uncommitted chunk, which the next run redoes); every
    customer's badge ends in step with their points, each unlock and loss logged once with
    its event; a balance write waits at most for one chunk of its customer."""
    loop = asyncio.get_running_loop()
    deadline = None if max_s is None else loop.time() + max_s
    progress = await _read(uow, badge_id)
    if progress is None:
        return None
    if progress.generation != generation:
        return replace(_nothing_seen(progress, generation), superseded=True)
    if progress.finished:
        return progress
    if not progress.bounded:
        wait_s = None if deadline is None else max(deadline - loop.time(), 0.0)
        if not await wait_for_balance_writers(uow, wait_s):
            return progress
        bounded = await run(uow, SetResyncBounds(badge_id, generation))
        progress = bounded or progress
    done = 0
    while not progress.finished:
        if max_customers is not None and done >= max_customers:
            break
        if deadline is not None and loop.time() >= deadline:
            break
        chunk = await _next_chunk(uow, badge_id, generation, batch_customers)
        if chunk is None:
            return replace(progress, superseded=True)
        done += chunk.customers_done - progress.customers_done
        progress = chunk
    return progress


async def continue_resyncs(uow: UnitOfWork, idle_s: float = 0.0) -> list[ResyncProgress]:
    """Run to their end the unfinished re-syncs that have not moved for `idle_s` seconds (a
    handover that was lost, a worker killed mid-way); their progress at the end.

    Guarantees: as resync_badge's (a re-sync another run is moving is shared with it, chunk
    by chunk, never done twice)."""
    async with uow:
        pending = [
            (int(r.badge_id), int(r.generation))
            for r in await uow.execute(_PENDING, {"idle_s": idle_s})
        ]
    done = []
    for badge_id, generation in pending:
        progress = await resync_badge(uow, badge_id, generation)
        if progress is not None:
            done.append(progress)
    return done


async def resync_progress(uow: UnitOfWork, badge_ids: list[int]) -> dict[int, ResyncProgress]:
    """The latest re-sync of each of the badges."""
    async with uow:
        rows = await uow.execute(_READ_MANY, {"badges": badge_ids})
        return {int(r.badge_id): _progress(r) for r in rows}


async def _next_chunk(
    uow: UnitOfWork, badge_id: int, generation: int, batch_customers: int
) -> ResyncProgress | None:
    """Re-sync the next chunk of customers in one transaction; the progress after it, or
    None when the generation was superseded."""
    for attempt in range(1, _CHUNK_ATTEMPTS + 1):
        try:
            return await run(uow, ResyncChunk(badge_id, generation, batch_customers))
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) not in _RETRIED_SQLSTATES:
                raise
            if attempt == _CHUNK_ATTEMPTS:
                raise
            logger.warning("badge %s re-sync chunk retried: %s", badge_id, error.orig)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class SetResyncBounds(Command[ResyncProgress | None]):
    """Fix which customers the generation re-syncs (those there now); None when it was
    superseded meanwhile."""

    badge_id: int
    generation: int

    async def handle(self, uow: UnitOfWork) -> ResyncProgress | None:
        params = {"badge": self.badge_id, "generation": self.generation}
        bounded = (await uow.execute(_SET_BOUNDS, params)).one_or_none()
        return _progress(bounded) if bounded is not None else None


@dataclass(frozen=True)
class ResyncChunk(Command[ResyncProgress | None]):
    """The next chunk of customers, locked in customer order and synced, and the progress
    after it; None when the generation was superseded."""

    badge_id: int
    generation: int
    batch_customers: int

    async def handle(self, uow: UnitOfWork) -> ResyncProgress | None:
        badge_id, batch_customers = self.badge_id, self.batch_customers
        state = (await uow.execute(_LOCK_STATE, {"badge": badge_id})).one_or_none()
        if state is None or state.generation != self.generation:
            return None
        if state.finished_at is not None:
            return _progress(state)
        if state.last_customer_id is None:  # pragma: no cover - bounded before any chunk
            raise RuntimeError(f"badge {badge_id}: re-sync chunk before its bounds were set")
        ids = await lock_accounts_after(
            uow, state.through_customer_id, state.last_customer_id, batch_customers
        )
        unlocked = lost = 0
        if ids:
            params = {"ids": ids, "badge": badge_id, "cause": BadgeCause.BADGE.value}
            synced = (await uow.execute(_SYNC, params)).one()
            unlocked, lost = int(synced.unlocked), int(synced.lost)
        through = ids[-1] if len(ids) == batch_customers else state.last_customer_id
        row = (
            await uow.execute(
                _ADVANCE,
                {
                    "badge": badge_id,
                    "through": through,
                    "done": len(ids),
                    "unlocked": unlocked,
                    "lost": lost,
                },
            )
        ).one()
        return _progress(row)


async def _read(uow: UnitOfWork, badge_id: int) -> ResyncProgress | None:
    async with uow:
        row = (await uow.execute(_READ_MANY, {"badges": [badge_id]})).one_or_none()
    return _progress(row) if row is not None else None


def _progress(row: Any) -> ResyncProgress:
    return ResyncProgress(
        badge_id=int(row.badge_id),
        generation=int(row.generation),
        customers_total=max(int(row.customers_total), int(row.customers_done)),
        customers_done=int(row.customers_done),
        unlocked=int(row.unlocked),
        lost=int(row.lost),
        started_at=row.started_at,
        finished_at=row.finished_at,
        bounded=row.last_customer_id is not None,
    )


def _nothing_seen(latest: ResyncProgress, generation: int) -> ResyncProgress:
    """An older generation of which nothing is known any more (a later one replaced it)."""
    return ResyncProgress(latest.badge_id, generation, 0, 0, 0, 0, latest.started_at, None)


_COLUMNS = """badge_id, generation, customers_total, customers_done, unlocked, lost,
              started_at, finished_at, last_customer_id"""

_START = text("""
    INSERT INTO badge_resyncs AS r (badge_id, generation) VALUES (:badge, 1)
    ON CONFLICT (badge_id) DO UPDATE
       SET generation = r.generation + 1, through_customer_id = 0, last_customer_id = NULL,
           customers_total = 0, customers_done = 0, unlocked = 0, lost = 0,
           started_at = now(), progressed_at = now(), finished_at = NULL
    RETURNING generation
""")

_READ_MANY = text(f"""
    SELECT {_COLUMNS} FROM badge_resyncs WHERE badge_id = ANY(CAST(:badges AS bigint[]))
""")

_PENDING = text("""
    SELECT badge_id, generation FROM badge_resyncs
     WHERE finished_at IS NULL
       AND progressed_at <= now() - make_interval(secs => CAST(:idle_s AS double precision))
     ORDER BY badge_id
""")

_SET_BOUNDS = text(f"""
    UPDATE badge_resyncs r
       SET last_customer_id = s.last_customer_id, customers_total = s.customers,
           progressed_at = now()
      FROM (SELECT COALESCE(max(a.customer_id), 0) AS last_customer_id, count(*) AS customers
              FROM ({ACCOUNTS}) a) s
     WHERE r.badge_id = :badge AND r.generation = :generation AND r.last_customer_id IS NULL
    RETURNING r.badge_id, r.generation, r.customers_total, r.customers_done, r.unlocked,
              r.lost, r.started_at, r.finished_at, r.last_customer_id
""")

_LOCK_STATE = text(f"""
    SELECT {_COLUMNS}, through_customer_id FROM badge_resyncs
     WHERE badge_id = :badge
       FOR UPDATE
""")

_SYNC = text("""
    SELECT unlocked, lost FROM sync_badges_of(CAST(:ids AS bigint[]), :badge, :cause)
""")

_ADVANCE = text(f"""
    UPDATE badge_resyncs
       SET through_customer_id = :through,
           customers_done = customers_done + :done,
           unlocked = unlocked + :unlocked, lost = lost + :lost,
           progressed_at = now(),
           finished_at = CASE WHEN :through >= last_customer_id THEN now() END
     WHERE badge_id = :badge
    RETURNING {_COLUMNS}
""")
