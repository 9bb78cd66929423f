"""What the ledger lets other areas embed in their own statements: its tables seen through
named relations and fragments (so that a hot path stays one round trip), never by name.

A relation is a SELECT to use as `FROM ({RELATION}) alias` (PostgreSQL pulls such a plain
subquery up into the statement, so it costs nothing); Core users get the same as a
subquery. The column lists are the ledger's promise; the tables behind them are its own."""

from __future__ import annotations

from sqlalchemy import Subquery, literal_column, select
from sqlalchemy.dialects import postgresql

from domain.ledger import policy
from domain.ledger.kinds import EntryKind
from domain.ledger.tables import ledger_entries, point_accounts

_a = point_accounts.c
# Every customer's balance row: customer_id, balance, held, spendable (the policy's),
# lifetime_earned, lifetime_spent, lifetime_expired.
_ACCOUNTS = select(
    _a.customer_id,
    _a.balance,
    _a.held,
    literal_column(policy.spendable_sql("point_accounts.balance", "point_accounts.held")).label(
        "spendable"
    ),
    _a.lifetime_earned,
    _a.lifetime_spent,
    _a.lifetime_expired,
)


def accounts() -> Subquery:
    """The balance rows as a Core subquery (columns as ACCOUNTS)."""
    return _ACCOUNTS.subquery("accounts")


ACCOUNTS = str(_ACCOUNTS.compile(dialect=postgresql.dialect()))

_e = ledger_entries.c
# Every entry: id, customer_id, points, balance_after, kind, note, source_type, source_ref,
# actor, idempotency_key, reverses_entry_id, created_at.
ENTRIES = str(
    select(
        _e.id,
        _e.customer_id,
        _e.points,
        _e.balance_after,
        _e.kind,
        _e.note,
        _e.source_type,
        _e.source_ref,
        _e.actor,
        _e.idempotency_key,
        _e.reverses_entry_id,
        _e.created_at,
    ).compile(dialect=postgresql.dialect())
)

# The total balance of all customers now, and the points that moved from :until on (so the
# balance at :until is the first less the second).
BALANCE_TOTAL = "(SELECT COALESCE(CAST(sum(balance) AS bigint), 0) FROM point_accounts)"
MOVED_SINCE_UNTIL = (
    "(SELECT COALESCE(CAST(sum(points) AS bigint), 0) FROM ledger_entries"
    " WHERE created_at >= :until)"
)


# What the expiry job took from the lot :lot, in points.
EXPIRED_FROM_LOT = f"""
    COALESCE((SELECT -sum(a.points) FROM lot_allocations a
                JOIN ledger_entries e ON e.id = a.entry_id
               WHERE a.lot_id = :lot AND e.kind = '{EntryKind.EXPIRY}'), 0)"""


def earned_per_customer_sql(since: str, until: str, when: str = "true") -> str:
    """A relation (customer_id, value): the points each customer earned in (since, until]
    (SQL expressions), net of what refunds and reversals of credits took back; computed
    only when the SQL condition `when` holds (empty otherwise)."""
    return f"""
        SELECT customer_id, sum(points) AS value FROM ledger_entries
         WHERE ({when})
           AND created_at > {since} AND created_at <= {until}
           AND ((points > 0 AND kind NOT IN ('{EntryKind.REVERSAL}',
                                             '{EntryKind.REDEMPTION_REFUND}'))
                OR kind = '{EntryKind.REFUND}'
                OR (kind = '{EntryKind.REVERSAL}' AND points < 0))
         GROUP BY customer_id"""


def entry_groups_sql(where: str, bucket: str = "") -> str:
    """The (kind, direction) groups of the entries `e` matching `where`, each with its signed
    points, number of entries and absolute points moved; a reversal is grouped under the
    kind and direction of the entry `r` it reverses. `bucket`, an expression on `e`, is one
    more grouping selected first when given.

    The reports read the same groups from the rollups (domain/ledger/rollup_reads.py); this
    scan is what they must equal (the tests compare them).

    Two aggregates under UNION ALL rather than a lookup of the reversed entry on every row:
    the first, over all but reversals, stays a plain (parallel) scan; the second finds the
    few reversals through ix_ledger_entries_kind_created_at."""
    first = f"{bucket} AS bucket, " if bucket else ""
    group = "1, 2, 3" if bucket else "1, 2"
    reversal = EntryKind.REVERSAL.value
    return f"""
        SELECT {first}e.kind AS kind, e.points > 0 AS credit,
               CAST(sum(e.points) AS bigint) AS points, count(*) AS entries,
               CAST(sum(abs(e.points)) AS bigint) AS moved
          FROM ledger_entries e
         WHERE {where} AND e.kind <> '{reversal}'
         GROUP BY {group}
        UNION ALL
        SELECT {first}r.kind, r.points > 0,
               CAST(sum(e.points) AS bigint), count(*), CAST(sum(abs(e.points)) AS bigint)
          FROM ledger_entries e JOIN ledger_entries r ON r.id = e.reverses_entry_id
         WHERE {where} AND e.kind = '{reversal}'
         GROUP BY {group}"""
