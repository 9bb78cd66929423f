"""Opening balances: points a customer held in another system, carried over by a bulk
import as one OPENING credit each, set-based.

Each opening is what any credit is (posting.py, bulk.py): the balance row updated in the
same statement as the entry, a lot opened for the points (expiring on the date given, else
as the program's validity says: validity.py), lifetime earned raised by them (kinds.py).
A customer has at most one opening, ever: its entry's idempotency key is
`opening:<customer id>`, so a file loaded twice, or a chunk run again after an
interruption, opens nothing twice. An opening that would cross the balance ceiling is not
posted (counted in `skipped`). No PointsEarned event is written: carrying a balance over
is not earning, and must not send a million "you earned points" messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import text

from domain.ledger.kinds import EntryKind, lifetime_deltas
from domain.ledger.policy import ceiling_sql
from domain.ledger.validity import lot_expiry_sql
from domain.uow import UnitOfWork

SOURCE_TYPE = "import"
KEY_PREFIX = "opening:"


@dataclass(frozen=True)
class Openings:
    """What one call did: of `asked` openings (points > 0), `posted` were written now,
    `points` in all; the rest already had theirs or would have crossed the ceiling."""

    asked: int
    posted: int
    points: int

    @property
    def skipped(self) -> int:
        return self.asked - self.posted


# The accounts are locked in customer order first, as every ledger write takes them.
_LOCK = """
    SELECT a.customer_id FROM point_accounts a
     WHERE a.customer_id IN (SELECT o.customer_id FROM ({rows}) o WHERE o.points > 0)
     ORDER BY a.customer_id
       FOR UPDATE OF a
"""

# `fresh`: the openings whose key has no entry yet (read after the locks were granted, so
# a concurrent run of the same chunk has committed or not started); `acc` their balances,
# `e` their entries (joined on the account updated: an entry only with its balance), `lot`
# their lots.
_OPEN = """
    WITH src AS (
        SELECT o.customer_id, o.points, o.expires_at, o.source_ref,
               '{prefix}' || o.customer_id AS idempotency_key
          FROM ({rows}) o WHERE o.points > 0),
    fresh AS (
        SELECT s.* FROM src s
         WHERE NOT EXISTS (SELECT 1 FROM ledger_entries x
                            WHERE x.idempotency_key = s.idempotency_key)),
    acc AS (
        UPDATE point_accounts a
           SET balance = a.balance + f.points,
               lifetime_earned = a.lifetime_earned + f.points * {earned},
               lifetime_spent = a.lifetime_spent + f.points * {spent},
               updated_at = now()
          FROM fresh f
         WHERE a.customer_id = f.customer_id AND {fits}
        RETURNING a.customer_id, a.balance),
    e AS (
        INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note,
                                    source_type, source_ref, actor, idempotency_key)
        SELECT f.customer_id, f.points, acc.balance, '{kind}', CAST(:note AS text),
               '{source_type}', f.source_ref, CAST(:actor AS text), f.idempotency_key
          FROM fresh f JOIN acc USING (customer_id)
         ORDER BY f.customer_id
        RETURNING id, customer_id, points, created_at),
    lot AS (
        INSERT INTO point_lots (customer_id, entry_id, granted, remaining, expires_at)
        SELECT e.customer_id, e.id, e.points, e.points,
               COALESCE(f.expires_at, {expiry})
          FROM e JOIN fresh f USING (customer_id))
    SELECT (SELECT count(*) FROM src) AS asked, count(*) AS posted,
           COALESCE(sum(points), 0) AS points
      FROM e
"""


# Accounts of customers registered in this transaction, the customers of `rows` without a
# balance row (no other transaction can see them yet, so nothing to lock and no opening
# before): the balance row is inserted with the opening
# balance, so it is written once (and its badge trigger fires once) instead of an insert
# and an update.
_OPEN_NEW = """
    WITH src AS (
        SELECT o.customer_id, o.expires_at, o.source_ref,
               CASE WHEN o.points > 0 AND {fits} THEN o.points ELSE 0 END AS points,
               '{prefix}' || o.customer_id AS idempotency_key
          FROM ({rows}) o),
    acc AS (
        INSERT INTO point_accounts (customer_id, balance, lifetime_earned, lifetime_spent)
        SELECT customer_id, points, points * {earned}, points * {spent} FROM src
         ORDER BY customer_id),
    e AS (
        INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note,
                                    source_type, source_ref, actor, idempotency_key)
        SELECT s.customer_id, s.points, s.points, '{kind}', CAST(:note AS text),
               '{source_type}', s.source_ref, CAST(:actor AS text), s.idempotency_key
          FROM src s WHERE s.points > 0
         ORDER BY s.customer_id
        RETURNING id, customer_id, points, created_at),
    lot AS (
        INSERT INTO point_lots (customer_id, entry_id, granted, remaining, expires_at)
        SELECT e.customer_id, e.id, e.points, e.points,
               COALESCE(s.expires_at, {expiry})
          FROM e JOIN src s USING (customer_id))
    SELECT (SELECT count(*) FROM src WHERE points > 0) AS asked, count(*) AS posted,
           COALESCE(sum(points), 0) AS points
      FROM e
"""


# The openings of one call, written down and analyzed first: the statements below join
# them with the rows they insert (CTEs), and the planner, knowing nothing of customers
# registered in the same transaction, would take them for one row and join tens of
# thousands by nested loops (minutes a chunk). A temporary table dropped at commit.
_MATERIALIZED = "opening_rows"


async def _materialize(
    uow: UnitOfWork, rows: str, params: Mapping[str, object], *, without_account: bool = False
) -> str:
    """`rows` (only those of customers without a balance row, if asked) as a relation on a
    temporary table of its own, with statistics."""
    only = (
        " WHERE NOT EXISTS (SELECT 1 FROM point_accounts a WHERE a.customer_id = o.customer_id)"
        if without_account
        else ""
    )
    await uow.execute(text(f"DROP TABLE IF EXISTS {_MATERIALIZED}"))
    await uow.execute(
        text(
            f"CREATE TEMPORARY TABLE {_MATERIALIZED} ON COMMIT DROP AS "
            f"SELECT o.customer_id, o.points, o.expires_at, o.source_ref FROM ({rows}) o{only}"
        ),
        params,
    )
    await uow.execute(text(f"ANALYZE {_MATERIALIZED}"))
    return f"SELECT * FROM {_MATERIALIZED}"


async def open_new_accounts(
    uow: UnitOfWork, rows: str, params: Mapping[str, object], actor: str, note: str | None
) -> Openings:
    """The balance rows of the customers of the relation `rows` (as open_balances reads it)
    that have none (registered in the open transaction by
    customers.bulk_register.register_many with open_accounts_too=False: no other
    transaction sees them), each opened with its opening balance: an OPENING entry and its
    lot for those with points, a zero balance for the others. One statement; the customers
    that have a balance row are left to open_balances.

    Guarantees: as open_balances'; and every customer of `rows` has a balance row after."""
    earned, spent = lifetime_deltas(EntryKind.OPENING, 1)
    rows = await _materialize(uow, rows, params, without_account=True)
    statement = _OPEN_NEW.format(
        rows=rows,
        prefix=KEY_PREFIX,
        earned=earned,
        spent=spent,
        fits=ceiling_sql("0", "o.points"),
        kind=EntryKind.OPENING.value,
        source_type=SOURCE_TYPE,
        expiry=lot_expiry_sql("e.created_at"),
    )
    row = (await uow.execute(text(statement), {**params, "actor": actor, "note": note})).one()
    return Openings(asked=int(row.asked), posted=int(row.posted), points=int(row.points))


async def open_balances(
    uow: UnitOfWork, rows: str, params: Mapping[str, object], actor: str, note: str | None
) -> Openings:
    """Post the openings of the relation `rows` (SQL with columns customer_id, points,
    expires_at: timestamptz or null for the program's validity, source_ref; one row per
    customer; `params` binds its parameters) in the open transaction: two statements
    whatever their number. Rows with no points open nothing.

    Guarantees: each customer gets at most one opening ever (replays open nothing);
    balance = sum of entries = sum of open lots, and lifetime earned rises by the points;
    no balance crosses the ceiling."""
    earned, spent = lifetime_deltas(EntryKind.OPENING, 1)
    rows = await _materialize(uow, rows, params)
    statement = _OPEN.format(
        rows=rows,
        prefix=KEY_PREFIX,
        earned=earned,
        spent=spent,
        fits=ceiling_sql("a.balance", "f.points"),
        kind=EntryKind.OPENING.value,
        source_type=SOURCE_TYPE,
        expiry=lot_expiry_sql("e.created_at"),
    )
    await uow.execute(text(_LOCK.format(rows=rows)), params)
    row = (await uow.execute(text(statement), {**params, "actor": actor, "note": note})).one()
    return Openings(asked=int(row.asked), posted=int(row.posted), points=int(row.points))
