"""What the ledger lets the reports read instead of scanning its entries: the entries of a
period grouped as entry_groups_sql groups them (domain/ledger/sql.py), from the rollups
(domain/ledger/rollups.py) for every whole day and hour, and from the entries themselves
for the rest: the hours the period's ends or a bucket's boundaries cut, and the tail not
rolled up yet (ids above the watermark).

The watermark and the statement must see one snapshot: read `rolled_to` and run the
statement in one REPEATABLE READ transaction (domain.uow.read_only), passing the watermark
as :rolled_to. Then every entry is counted once: those with an id up to the watermark are
all in the rollups (the job rolled them up in the transaction that moved it), the others
are read from the entries. A bound value rather than a subquery, so that the planner sees
how few ids lie above it and reads them through the primary key."""

from __future__ import annotations

from sqlalchemy import text

from domain.ledger.kinds import EntryKind
from domain.uow import UnitOfWork

_ROLLED_TO = text("SELECT COALESCE((SELECT rolled_to FROM ledger_rollup_state WHERE id = 1), 0)")


async def rolled_to(uow: UnitOfWork) -> int:
    """The watermark: every entry with an id up to it is in the rollups, none above."""
    return int((await uow.execute(_ROLLED_TO)).scalar_one())


_SUMS = (
    "CAST(sum({alias}.points) AS bigint) AS points, "
    "CAST(sum({alias}.entries) AS bigint) AS entries, "
    "CAST(sum({alias}.moved) AS bigint) AS moved"
)

# period_groups_sql's statement: whole days from the day totals, the whole hours of the
# other days from the hour totals, the rest (cut hours, and the tail) from the entries.
_PERIOD_GROUPS = """
        WITH bounds AS (SELECT COALESCE(CAST(:since AS timestamptz), '-infinity') AS lo,
                               COALESCE(CAST(:until AS timestamptz), 'infinity') AS hi),
        days AS MATERIALIZED (
            SELECT d.day, d.kind, d.credit, d.reversal, d.points, d.entries, d.moved,
                   {day_whole} AS whole
              FROM ledger_day_totals d, bounds b
             WHERE d.day > b.lo - interval '1 day' AND d.day < b.hi),
        hours AS MATERIALIZED (
            SELECT t.hour, t.kind, t.credit, t.reversal, t.points, t.entries, t.moved,
                   {hour_whole} AS whole
              FROM (SELECT DISTINCT day FROM days WHERE NOT whole) c, bounds b,
                   LATERAL (SELECT * FROM ledger_hour_totals t
                             WHERE t.hour >= c.day AND t.hour < c.day + interval '1 day'
                               AND t.hour > b.lo - interval '1 hour' AND t.hour < b.hi
                            OFFSET 0) t),
        edge AS (
            SELECT e.points, e.kind, e.reverses_entry_id, e.created_at
              FROM (SELECT DISTINCT hour FROM hours WHERE NOT whole) c, bounds b,
                   LATERAL (SELECT e.* FROM ledger_entries e
                             WHERE e.created_at >= greatest(c.hour, b.lo)
                               AND e.created_at < least(c.hour + interval '1 hour', b.hi)
                               AND e.id <= :rolled_to
                            OFFSET 0) e
            UNION ALL
            SELECT e.points, e.kind, e.reverses_entry_id, e.created_at
              FROM ledger_entries e, bounds b
             WHERE e.id > :rolled_to AND e.created_at >= b.lo AND e.created_at < b.hi)
        SELECT {day_bucket} AS bucket, d.kind, d.credit, d.reversal, {day_sums}
          FROM days d WHERE d.whole
         GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT {hour_bucket}, h.kind, h.credit, h.reversal, {hour_sums}
          FROM hours h WHERE h.whole
         GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT {entry_bucket},
               CASE WHEN x.kind = '{reversal}' THEN r.kind ELSE x.kind END,
               CASE WHEN x.kind = '{reversal}' THEN r.points ELSE x.points END > 0,
               x.kind = '{reversal}',
               CAST(sum(x.points) AS bigint), count(*), CAST(sum(abs(x.points)) AS bigint)
          FROM edge x
          LEFT JOIN LATERAL (SELECT r.id, r.kind, r.points FROM ledger_entries r
                              WHERE x.kind = '{reversal}' AND r.id = x.reverses_entry_id
                              LIMIT 1) r ON true
         WHERE x.kind <> '{reversal}' OR r.id IS NOT NULL
         GROUP BY 1, 2, 3, 4"""


def period_groups_sql(bucket: str | None = None) -> str:
    """The (bucket, kind, credit, reversal, points, entries, moved) groups of the entries
    created in [:since, :until) (either NULL: open), as entry_groups_sql makes them (a
    reversal under the kind and direction of what it reverses, with reversal true);
    :rolled_to is the watermark read in the same snapshot.

    `bucket`, SQL with `{moment}` standing for an instant, buckets the entries (a flow's
    local day, week or month); None: one bucket, NULL. A UTC day is read from the day
    totals when it lies inside the period and its first and last instants fall in one
    bucket (whole); the hours of the other days likewise from the hour totals; the hours
    left (cut by the period's ends or by a bucket's boundary: in a whole-hour time zone
    only the period's ends cut hours, in Asia/Kolkata each local midnight does) from their
    entries. A bucket is a contiguous run of time, so an interval whose first and last
    instants share a bucket lies in it whole. Several groups may share a (bucket, kind,
    credit, reversal): add them up."""

    def at(moment: str) -> str:
        return "NULL" if bucket is None else bucket.replace("{moment}", f"({moment})")

    def whole(start: str, length: str) -> str:
        inside = f"{start} >= b.lo AND {start} + interval '{length}' <= b.hi"
        if bucket is None:
            return inside
        last = f"{start} + interval '{length}' - interval '1 microsecond'"
        return f"{inside} AND {at(start)} = {at(last)}"

    return _PERIOD_GROUPS.format(
        day_whole=whole("d.day", "1 day"),
        hour_whole=whole("t.hour", "1 hour"),
        day_bucket=at("d.day"),
        hour_bucket=at("h.hour"),
        entry_bucket=at("x.created_at"),
        day_sums=_SUMS.format(alias="d"),
        hour_sums=_SUMS.format(alias="h"),
        reversal=EntryKind.REVERSAL.value,
    )


# The points of every entry created before :until (NULL: ever): the total balance then.
POINTS_BEFORE = f"""
    SELECT COALESCE(CAST(sum(points) AS bigint), 0) AS points
      FROM ({period_groups_sql()}) g"""


# Every rollup row: hour, kind, credit, reversal, shop, channel, category_id, points,
# entries, moved (the entries with an id up to the watermark; the category the customer had
# when the job rolled an entry up). For a breakdown by shop, channel or category, add the
# tail: domain/ledger/dimensions.py entry_dimensions_sql("e.id > :rolled_to"), grouped the
# same way, in the same snapshot as the watermark.
ROLLUPS = """
    SELECT hour, kind, credit, reversal, shop, channel, category_id, points, entries, moved
      FROM ledger_rollups"""
