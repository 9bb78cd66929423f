"""The rollup job: adds the ledger entries up per UTC hour, kind, direction, shop, channel
and category (ledger_rollups; ledger_hour_totals and ledger_day_totals sum them over the
last three, per hour and per UTC day), behind a watermark that never misses or
double-counts an entry. Writing an entry does nothing here.

Why a watermark on ids needs care: ids come from the entries' identity sequence when a
transaction inserts, but transactions commit in any order, so when id 12 is visible, id 11
may still be in flight (and commit a minute later) or rolled back (and never appear). A
job that simply rolled up "everything up to the highest id seen" would miss 11 for good.

So the watermark moves in two steps, on two runs:
1. A run reads the sequence's last value S (every id <= S has been handed out already),
   then lists the transactions in progress in this database (their virtual transaction
   ids, which every transaction holds from its start, with or without an xid): any
   transaction that took an id <= S began before S was read, so it has ended or is in that
   list. S and the list are stored as the pending watermark.
2. A later run finds none of the listed transactions in progress any more (pg_locks), so
   every entry with an id <= S is committed or will never exist. In a new statement (READ
   COMMITTED: a snapshot taken after that check, so it sees all of them) it rolls up the
   ids in (rolled_to, S] and moves rolled_to to S in the same transaction.

Virtual ids rather than the snapshot's xmin: a writer takes its id (nextval) before its
insert gives it an xid, and in between it is in no snapshot's list. A virtual id names a
transaction uniquely for the server's life, and its lock is released only after the
transaction's commit is visible. Two-phase commit (PREPARE TRANSACTION, off by default with
max_prepared_transactions = 0) is not used by Tessera and would need more: a prepared
transaction drops its virtual id while still uncommitted. The sequence's cache must stay 1
(the identity's default), so that no session holds ids below the last value handed out.

Each batch of ids is one transaction that locks the watermark row, so runs on several
workers at once take turns, and a run killed anywhere leaves the rollups and the watermark
as its last committed batch left them. Reports add the entries above rolled_to (the tail)
to the rollups, in one snapshot (domain/ledger/rollup_reads.py)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import text

from domain.commands import Command, run
from domain.ledger.dimensions import entry_dimensions_sql
from domain.uow import UnitOfWork

# Ids rolled up by one transaction: a few seconds' work on a busy small machine.
DEFAULT_BATCH = 1_000_000

_READ_COMMITTED = text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")

_MAKE_STATE = text("INSERT INTO ledger_rollup_state (id) VALUES (1) ON CONFLICT DO NOTHING")
_STATE = text("""
    SELECT rolled_to, pending_to, pending_vxids FROM ledger_rollup_state WHERE id = 1
       FOR UPDATE""")

# Whether a listed transaction is still in progress (its virtual id's lock is held).
_STILL_RUNNING = text("""
    SELECT EXISTS (SELECT 1 FROM pg_locks
                    WHERE locktype = 'virtualxid' AND granted
                      AND virtualxid = ANY(CAST(:vxids AS text[])))""")

_LAST_ID = text("""
    SELECT COALESCE(pg_sequence_last_value(
               CAST(pg_get_serial_sequence('ledger_entries', 'id') AS regclass)), 0)""")

# The transactions in progress in this database (not this one), read after the last id:
# those of client connections only (autovacuum, which never writes an entry, may run for
# an hour on a large table).
_IN_PROGRESS = text("""
    SELECT COALESCE(array_agg(l.virtualxid), '{}')
      FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'virtualxid' AND l.granted AND l.pid <> pg_backend_pid()
       AND a.datname = current_database() AND a.backend_type = 'client backend'""")

_SET_PENDING = text("""
    UPDATE ledger_rollup_state
       SET pending_to = :to, pending_vxids = CAST(:vxids AS text[]), pending_at = now()
     WHERE id = 1""")

# The batch's entries grouped by hour and dimensions (domain/ledger/dimensions.py).
_ROLL_UP = text(f"""
    WITH batch AS (
        SELECT hour, kind, credit, reversal, shop, channel, category_id,
               CAST(sum(points) AS bigint) AS points, count(*) AS entries,
               CAST(sum(abs(points)) AS bigint) AS moved
          FROM ({entry_dimensions_sql("e.id > :from_id AND e.id <= :to_id")}) d
         GROUP BY 1, 2, 3, 4, 5, 6, 7),
    rolled AS (
        INSERT INTO ledger_rollups AS t (hour, kind, credit, reversal, shop, channel,
                                         category_id, points, entries, moved)
        SELECT * FROM batch
        ON CONFLICT (hour, kind, credit, reversal, shop, channel, category_id) DO UPDATE
           SET points = t.points + excluded.points, entries = t.entries + excluded.entries,
               moved = t.moved + excluded.moved
        RETURNING 1),
    hours AS (
        INSERT INTO ledger_hour_totals AS t (hour, kind, credit, reversal, points, entries,
                                             moved)
        SELECT hour, kind, credit, reversal, sum(points), sum(entries), sum(moved)
          FROM batch GROUP BY 1, 2, 3, 4
        ON CONFLICT (hour, kind, credit, reversal) DO UPDATE
           SET points = t.points + excluded.points, entries = t.entries + excluded.entries,
               moved = t.moved + excluded.moved
        RETURNING 1),
    days AS (
        INSERT INTO ledger_day_totals AS t (day, kind, credit, reversal, points, entries, moved)
        SELECT date_trunc('day', hour, 'UTC'), kind, credit, reversal, sum(points),
               sum(entries), sum(moved)
          FROM batch GROUP BY 1, 2, 3, 4
        ON CONFLICT (day, kind, credit, reversal) DO UPDATE
           SET points = t.points + excluded.points, entries = t.entries + excluded.entries,
               moved = t.moved + excluded.moved
        RETURNING 1),
    moved AS (
        UPDATE ledger_rollup_state
           SET rolled_to = :to_id, rolled_at = now(),
               pending_to = CASE WHEN pending_to > :to_id THEN pending_to END,
               pending_vxids = CASE WHEN pending_to > :to_id THEN pending_vxids END
         WHERE id = 1 AND rolled_to = :from_id
        RETURNING 1)
    SELECT (SELECT COALESCE(sum(entries), 0) FROM batch) AS entries,
           (SELECT count(*) FROM rolled) + (SELECT count(*) FROM hours)
               + (SELECT count(*) FROM days) AS rows,
           (SELECT count(*) FROM moved) AS moved""")


@dataclass(frozen=True)
class RollupRun:
    """What a run did: the entries it rolled up (in `batches` transactions), the watermark
    after it, and the pending one it is waiting for (None when nothing is pending)."""

    entries: int
    batches: int
    rolled_to: int
    pending_to: int | None


@dataclass(frozen=True)
class _State:
    rolled_to: int
    pending_to: int | None
    pending_vxids: list[str]


async def roll_up_ledger(uow: UnitOfWork, batch: int = DEFAULT_BATCH) -> RollupRun:
    """Roll up every entry the pending watermark covers, if the transactions that could
    still write below it have all ended (a batch of `batch` ids a transaction), then take
    the next pending watermark when none is left.

    Guarantees: an entry is rolled up once, never twice and never left out, whatever the
    order in which writers commit or roll back, however many runs go at once (they take
    turns on the watermark row), and wherever a run is killed. An entry written now is
    rolled up by the second run from now (each minute: within two minutes), provided the
    transactions in progress now have ended by then."""
    entries = batches = 0
    while True:
        step = await run(uow, RollUpStep(batch))
        if step.entries is None:
            return RollupRun(entries, batches, step.rolled_to, step.pending_to)
        entries += step.entries
        batches += 1


@dataclass(frozen=True)
class _Step:
    rolled_to: int
    pending_to: int | None
    entries: int | None  # None: nothing rolled up in this step (the run ends)


@dataclass(frozen=True)
class RollUpStep(Command[_Step]):
    """One transaction of a run, holding the watermark row: take the next pending
    watermark (when there is none), wait (when a transaction that could write below it is
    still running), or roll up one batch of ids below it and move the watermark."""

    batch: int

    async def handle(self, uow: UnitOfWork) -> _Step:
        await uow.execute(_READ_COMMITTED)
        state = await _locked_state(uow)
        if state.pending_to is None:
            return _Step(state.rolled_to, await _take_pending(uow, state), None)
        if await _still_running(uow, state.pending_vxids):
            return _Step(state.rolled_to, state.pending_to, None)
        to_id = min(state.pending_to, state.rolled_to + self.batch)
        row = (await uow.execute(_ROLL_UP, {"from_id": state.rolled_to, "to_id": to_id})).one()
        if row.moved != 1:  # the row is locked: only a bug could have moved it
            raise RuntimeError(f"the rollup watermark is not at {state.rolled_to}")
        return _Step(to_id, state.pending_to, int(row.entries))


async def _locked_state(uow: UnitOfWork) -> _State:
    await uow.execute(_MAKE_STATE)
    row = (await uow.execute(_STATE)).one()
    return _State(row.rolled_to, row.pending_to, list(row.pending_vxids or []))


async def _still_running(uow: UnitOfWork, vxids: list[str]) -> bool:
    # Its own statement: the batch's statement after it takes a snapshot of its own, taken
    # once these transactions have ended, so it sees every entry they committed.
    return bool(vxids) and bool((await uow.execute(_STILL_RUNNING, {"vxids": vxids})).scalar())


async def _take_pending(uow: UnitOfWork, state: _State) -> int | None:
    """Store the last id handed out as the pending watermark, with the transactions that
    may still write below it; None when no id was handed out since the last watermark."""
    last_id = int((await uow.execute(_LAST_ID)).scalar_one())
    if last_id <= state.rolled_to:
        return None
    vxids = list((await uow.execute(_IN_PROGRESS)).scalar_one())
    await uow.execute(_SET_PENDING, {"to": last_id, "vxids": vxids})
    return last_id


async def roll_up_now(
    uow: UnitOfWork, batch: int = DEFAULT_BATCH, wait_s: float = 300.0
) -> RollupRun:
    """Roll up every entry written before this call (`tessera rollup-ledger`, the bench):
    runs until the watermark reaches the last id handed out at the call, waiting (at most
    `wait_s` seconds, then giving up with what is done) for the transactions in progress to
    end. Returns the entries and batches of all its runs, and the watermark after them."""
    async with uow:
        target = int((await uow.execute(_LAST_ID)).scalar_one())
    deadline = time.monotonic() + wait_s
    entries = batches = 0
    while True:
        done = await roll_up_ledger(uow, batch)
        entries, batches = entries + done.entries, batches + done.batches
        if done.rolled_to >= target or time.monotonic() > deadline:
            return RollupRun(entries, batches, done.rolled_to, done.pending_to)
        if not done.entries:
            await asyncio.sleep(0.05)  # a transaction of the pending list is still open
