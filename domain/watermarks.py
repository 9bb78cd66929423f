"""Watermarks for rollup jobs: how far a job has consumed the values of a sequence (ledger
entry ids, the order in which purchases were made), moved so that it never misses or
double-counts a row, whatever the order in which writers commit or roll back.

Why a watermark on a sequence needs care: a transaction takes its value (nextval) when it
writes, but transactions commit in any order, so when value 12 is visible, 11 may still be
in flight (and commit a minute later) or rolled back (and never appear). A job that simply
rolled up "everything up to the highest value seen" would miss 11 for good.

So the watermark moves in two steps, on two runs:
1. A run reads the sequence's last value S (every value <= S has been handed out already),
   then lists the transactions in progress in this database (their virtual transaction
   ids, which every transaction holds from its start, with or without an xid): any
   transaction that took a value <= S began before S was read, so it has ended or is in
   that list. S and the list are stored as the pending watermark.
2. A later run finds none of the listed transactions in progress any more (pg_locks), so
   every row with a value <= S is committed or will never exist. In a new statement (READ
   COMMITTED: a snapshot taken after that check, so it sees all of them) it rolls up the
   values in (rolled_to, S] and moves rolled_to to S in the same transaction.

Virtual ids rather than the snapshot's xmin: a writer takes its value (nextval) before its
insert gives it an xid, and in between it is in no snapshot's list. A virtual id names a
transaction uniquely for the server's life, and its lock is released only after the
transaction's commit is visible. Two-phase commit (PREPARE TRANSACTION, off by default with
max_prepared_transactions = 0) is not used by Tessera and would need more: a prepared
transaction drops its virtual id while still uncommitted. A sequence's cache must stay 1
(the default), so that no session holds values below the last one handed out.

Each batch is one transaction that locks the watermark's row, so runs on several workers at
once take turns, and a run killed anywhere leaves the rollups and the watermark as its last
committed batch left them. Reports add the rows above rolled_to (the tail) to the rollups,
reading the watermark in the same snapshot.

A state table has the columns rolled_to (bigint, default 0), pending_to (bigint),
pending_vxids (text[]), pending_at and rolled_at (timestamptz); a Stream names its row."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import TextClause, text

from domain.commands import Command, run
from domain.uow import UnitOfWork

# An upper bound above every value of a sequence: a step's to_value for "every value above
# the watermark" (what reports read as the tail).
NO_END = 2**63 - 1

_READ_COMMITTED = text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")

# Whether a listed transaction is still in progress (its virtual id's lock is held).
_STILL_RUNNING = text("""
    SELECT EXISTS (SELECT 1 FROM pg_locks
                    WHERE locktype = 'virtualxid' AND granted
                      AND virtualxid = ANY(CAST(:vxids AS text[])))""")

# The transactions in progress in this database (not this one), read after the last value:
# those of client connections only (autovacuum, which never writes a row here, may run for
# an hour on a large table).
_IN_PROGRESS = text("""
    SELECT COALESCE(array_agg(l.virtualxid), '{}')
      FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'virtualxid' AND l.granted AND l.pid <> pg_backend_pid()
       AND a.datname = current_database() AND a.backend_type = 'client backend'""")


@dataclass(frozen=True)
class Stream:
    """A sequence a rollup job consumes, and the row of `table` (where `key_column` =
    :key) that holds how far. Table, column and sequence names are the areas' constants."""

    table: str
    key_column: str
    key: object
    sequence: str  # a regclass literal: 'ledger_entries_id_seq'

    def _sql(self, sql: str) -> str:
        return sql.format(table=self.table, key_column=self.key_column, sequence=self.sequence)


@dataclass(frozen=True)
class Claim:
    """What a step may roll up: the values in (from_value, to_value], or nothing (to_value
    None: the run ends) with the watermark as it stands and the pending one."""

    rolled_to: int
    pending_to: int | None
    to_value: int | None = None


async def claim(uow: UnitOfWork, stream: Stream, batch: int) -> Claim:
    """In the open transaction (made READ COMMITTED here: call first): lock the stream's
    row, then take the next pending watermark (when there is none), or report that a
    transaction that could still write below it is running, or claim the next `batch`
    values below it (roll them up, then call `advance` in the same transaction)."""
    await uow.execute(_READ_COMMITTED)
    return await _claim_locked(uow, stream, batch)


async def _claim_locked(uow: UnitOfWork, stream: Stream, batch: int) -> Claim:
    params = {"key": stream.key}
    await uow.execute(
        text(
            stream._sql("INSERT INTO {table} ({key_column}) VALUES (:key) ON CONFLICT DO NOTHING")
        ),
        params,
    )
    row = (
        await uow.execute(
            text(
                stream._sql(
                    "SELECT rolled_to, pending_to, pending_vxids FROM {table}"
                    " WHERE {key_column} = :key FOR UPDATE"
                )
            ),
            params,
        )
    ).one()
    rolled_to, pending_to, vxids = row.rolled_to, row.pending_to, list(row.pending_vxids or [])
    if pending_to is None:
        return Claim(rolled_to, await _take_pending(uow, stream, rolled_to))
    # Its own statement: the batch's statement after it takes a snapshot of its own, taken
    # once these transactions have ended, so it sees every row they committed.
    if vxids and (await uow.execute(_STILL_RUNNING, {"vxids": vxids})).scalar():
        return Claim(rolled_to, pending_to)
    return Claim(rolled_to, pending_to, min(pending_to, rolled_to + batch))


async def advance(uow: UnitOfWork, stream: Stream, step: Claim) -> None:
    """Move the watermark to the claimed value (in the claim's transaction, after rolling
    the claimed values up); the pending watermark is done with once reached."""
    assert step.to_value is not None
    moved = await uow.execute(
        text(
            stream._sql("""
                UPDATE {table}
                   SET rolled_to = :to_value, rolled_at = now(),
                       pending_to = CASE WHEN pending_to > :to_value THEN pending_to END,
                       pending_vxids = CASE WHEN pending_to > :to_value THEN pending_vxids END
                 WHERE {key_column} = :key AND rolled_to = :from_value
                RETURNING 1""")
        ),
        {"key": stream.key, "to_value": step.to_value, "from_value": step.rolled_to},
    )
    if moved.first() is None:  # the row is locked: only a bug could have moved it
        raise RuntimeError(f"the {stream.table} watermark is not at {step.rolled_to}")


async def rolled_to(uow: UnitOfWork, stream: Stream) -> int:
    """The watermark: every value up to it is rolled up, none above."""
    found = await uow.execute(
        text(stream._sql("SELECT rolled_to FROM {table} WHERE {key_column} = :key")),
        {"key": stream.key},
    )
    return int(found.scalar() or 0)


async def last_value(uow: UnitOfWork, stream: Stream) -> int:
    """The last value the sequence handed out (0: none yet)."""
    found = await uow.execute(
        text(
            stream._sql(
                "SELECT COALESCE(pg_sequence_last_value(CAST('{sequence}' AS regclass)), 0)"
            )
        )
    )
    return int(found.scalar_one())


async def _take_pending(uow: UnitOfWork, stream: Stream, rolled: int) -> int | None:
    """Store the last value handed out as the pending watermark, with the transactions
    that may still write below it; None when none was handed out since the watermark."""
    last = await last_value(uow, stream)
    if last <= rolled:
        return None
    vxids = list((await uow.execute(_IN_PROGRESS)).scalar_one())
    await uow.execute(
        text(
            stream._sql("""
                UPDATE {table}
                   SET pending_to = :to, pending_vxids = CAST(:vxids AS text[]),
                       pending_at = now()
                 WHERE {key_column} = :key""")
        ),
        {"key": stream.key, "to": last, "vxids": vxids},
    )
    return last


@dataclass(frozen=True)
class Step(Claim):
    rows: int = 0  # what the step's statement rolled up


@dataclass(frozen=True)
class RollUpBatch(Command[Step]):
    """One transaction of a run on one stream, holding its watermark row: take the next
    pending watermark (when there is none), wait (when a transaction that could write below
    it is still running), or run `statement` on the next batch of values below it (bound
    as :from_value and :to_value, the batch being (from_value, to_value]; it selects one
    row with a `rows` column) and move the watermark."""

    stream: Stream
    batch: int
    statement: TextClause

    async def handle(self, uow: UnitOfWork) -> Step:
        step = await claim(uow, self.stream, self.batch)
        if step.to_value is None:
            return Step(step.rolled_to, step.pending_to)
        params = {"from_value": step.rolled_to, "to_value": step.to_value}
        row = (await uow.execute(self.statement, params)).one()
        await advance(uow, self.stream, step)
        return Step(step.to_value, step.pending_to, step.to_value, int(row.rows))


async def roll_up(uow: UnitOfWork, stream: Stream, statement: TextClause, batch: int) -> Progress:
    """A run of a rollup job on one stream: every batch the pending watermark covers, once
    the transactions that could still write below it have ended, then the next pending
    watermark when none is left.

    Guarantees: a value is rolled up once, never twice and never left out, whatever the
    order in which writers commit or roll back, however many runs go at once (they take
    turns on the watermark row), and wherever a run is killed. A value handed out now is
    rolled up by the second run from now, provided the transactions in progress now have
    ended by then."""
    rows = batches = 0
    while True:
        step = await run(uow, RollUpBatch(stream, batch, statement))
        if step.to_value is None:
            return Progress(rows, batches, step.rolled_to, step.pending_to)
        rows += step.rows
        batches += 1


@dataclass(frozen=True)
class Progress:
    """A run's work: the values' rows it rolled up (as the step counts them) in `batches`
    transactions, the watermark after it, and the pending one (None: nothing pending)."""

    rows: int
    batches: int
    rolled_to: int
    pending_to: int | None


async def run_until_caught_up(
    uow: UnitOfWork,
    stream: Stream,
    run_once: Callable[[], Awaitable[Progress]],
    wait_s: float,
) -> Progress:
    """Run `run_once` (a whole run of the job) until the watermark reaches the value the
    sequence had handed out at the call, waiting (at most `wait_s` seconds, then giving up
    with what is done) for the transactions in progress to end."""
    async with uow:
        target = await last_value(uow, stream)
    deadline = time.monotonic() + wait_s
    rows = batches = 0
    while True:
        done = await run_once()
        rows, batches = rows + done.rows, batches + done.batches
        if done.rolled_to >= target or time.monotonic() > deadline:
            return Progress(rows, batches, done.rolled_to, done.pending_to)
        if not done.rows and not done.batches:
            await asyncio.sleep(0.05)  # a transaction of the pending list is still open


@dataclass(frozen=True)
class Claims:
    """Each stream's claim in one transaction, in the order the streams were given."""

    of: dict[Stream, Claim]

    def bounds(self, stream: Stream) -> tuple[int, int]:
        """(from_value, to_value): the values of `stream` this step rolls up, none when
        both are its watermark."""
        step = self.of[stream]
        return step.rolled_to, step.rolled_to if step.to_value is None else step.to_value

    @property
    def any(self) -> bool:
        return any(step.to_value is not None for step in self.of.values())


@dataclass(frozen=True)
class RollUpTogether(Command[tuple[Claims, int]]):
    """One transaction of a run on streams whose rollups depend on each other (a refund
    counts in a rollup only once its order's made purchase does): lock every stream's row
    in the order given (so runs never deadlock), claim from each as `claim` does, and when
    any has values to roll up, call `step` once with all the claims (a stream with nothing
    claimed gives from_value = to_value = its watermark), then move every claimed watermark.
    `step` returns the rows it rolled up."""

    streams: tuple[Stream, ...]
    batch: int
    step: Callable[[UnitOfWork, Claims], Awaitable[int]]

    async def handle(self, uow: UnitOfWork) -> tuple[Claims, int]:
        await uow.execute(_READ_COMMITTED)
        claims = Claims({s: await _claim_locked(uow, s, self.batch) for s in self.streams})
        if not claims.any:
            return claims, 0
        rows = await self.step(uow, claims)
        for stream, step in claims.of.items():
            if step.to_value is not None:
                await advance(uow, stream, step)
        return claims, rows


async def roll_up_together(
    uow: UnitOfWork,
    streams: tuple[Stream, ...],
    step: Callable[[UnitOfWork, Claims], Awaitable[int]],
    batch: int,
) -> dict[Stream, Progress]:
    """A run of a rollup job on streams rolled up together (RollUpTogether): batches until
    none of them has values ready, with `roll_up`'s guarantees for each."""
    rows = batches = 0
    while True:
        claims, done = await run(uow, RollUpTogether(streams, batch, step))
        if not claims.any:
            return {
                s: Progress(rows, batches, c.rolled_to, c.pending_to) for s, c in claims.of.items()
            }
        rows += done
        batches += 1


async def run_together_until_caught_up(
    uow: UnitOfWork,
    streams: tuple[Stream, ...],
    step: Callable[[UnitOfWork, Claims], Awaitable[int]],
    batch: int,
    wait_s: float,
) -> dict[Stream, Progress]:
    """`run_until_caught_up` for streams rolled up together: runs until every watermark
    reaches the value its sequence had handed out at the call (or `wait_s` seconds pass)."""
    async with uow:
        targets = {s: await last_value(uow, s) for s in streams}
    deadline = time.monotonic() + wait_s
    rows = batches = 0
    while True:
        done = await roll_up_together(uow, streams, step, batch)
        rows, batches = rows + done[streams[0]].rows, batches + done[streams[0]].batches
        caught_up = all(done[s].rolled_to >= targets[s] for s in streams)
        if caught_up or time.monotonic() > deadline:
            return {s: Progress(rows, batches, p.rolled_to, p.pending_to) for s, p in done.items()}
        if not done[streams[0]].batches:
            await asyncio.sleep(0.05)  # a transaction of a pending list is still open
