"""The rollup job: adds the ledger entries up per UTC hour, kind, direction, shop, channel
and category (ledger_rollups; ledger_hour_totals and ledger_day_totals sum them over the
last three, per hour and per UTC day), behind a watermark on the entries' ids that never
misses or double-counts an entry (domain/watermarks.py says how). Writing an entry does
nothing here.

The entries' ids come from their identity sequence, whose cache must stay 1 (the
identity's default). Reports add the entries above rolled_to (the tail) to the rollups, in
one snapshot (domain/ledger/rollup_reads.py)."""

from __future__ import annotations

from sqlalchemy import text

from domain import watermarks
from domain.ledger.dimensions import entry_dimensions_sql
from domain.uow import UnitOfWork

# Ids rolled up by one transaction: a few seconds' work on a busy small machine.
DEFAULT_BATCH = 1_000_000

ENTRY_IDS = watermarks.Stream(
    table="ledger_rollup_state", key_column="id", key=1, sequence="ledger_entries_id_seq"
)

# The batch's entries grouped by hour and dimensions (domain/ledger/dimensions.py).
_ROLL_UP = text(f"""
    WITH batch AS (
        SELECT hour, kind, credit, reversal, shop, channel, category_id,
               CAST(sum(points) AS bigint) AS points, count(*) AS entries,
               CAST(sum(abs(points)) AS bigint) AS moved
          FROM ({entry_dimensions_sql("e.id > :from_value AND e.id <= :to_value")}) d
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
        RETURNING 1)
    SELECT (SELECT COALESCE(sum(entries), 0) FROM batch) AS rows,
           (SELECT count(*) FROM rolled) + (SELECT count(*) FROM hours)
               + (SELECT count(*) FROM days) AS written""")


# What a run did: the entries it rolled up (rows) in `batches` transactions, the watermark
# after it, and the pending one it is waiting for (None when nothing is pending).
RollupRun = watermarks.Progress


async def roll_up_ledger(uow: UnitOfWork, batch: int = DEFAULT_BATCH) -> RollupRun:
    """A run of the job: every entry the pending watermark covers, a batch of `batch` ids a
    transaction (domain.watermarks.roll_up's guarantees: each entry rolled up once). An
    entry written now is in the rollups after the second run from now (each minute: within
    two minutes), once the transactions in progress now have ended."""
    return await watermarks.roll_up(uow, ENTRY_IDS, _ROLL_UP, batch)


async def roll_up_now(
    uow: UnitOfWork, batch: int = DEFAULT_BATCH, wait_s: float = 300.0
) -> RollupRun:
    """Roll up every entry written before this call (`tessera rollup-ledger`, the bench):
    runs until the watermark reaches the last id handed out at the call, waiting (at most
    `wait_s` seconds, then giving up with what is done) for the transactions in progress to
    end. Returns the entries and batches of all its runs, and the watermark after them."""
    return await watermarks.run_until_caught_up(
        uow, ENTRY_IDS, lambda: roll_up_ledger(uow, batch), wait_s
    )
