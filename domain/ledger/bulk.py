"""Crediting many customers at once (a periodic gift): posting.py's credit, set-based.

One statement writes, for every customer given, what `posting.credit` writes for one: the
balance update, the entry, the lot and the PointsEarned event. Like every posting it runs in
the caller's transaction and the accounts' row locks serialise it with other postings; the
accounts are locked in customer order, so two bulk credits never deadlock each other. A
customer whose balance would cross the ceiling is left out (counted as skipped) instead of
failing the whole statement on the balance CHECK."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text

from domain.events.payloads import event_type_sql, payload_sql
from domain.events.sql import APPEND_EVENTS
from domain.events.types import PointsEarned
from domain.ledger.expiry import lot_expiry_sql
from domain.ledger.kinds import EntryKind, lifetime_deltas
from domain.ledger.policy import ceiling_sql
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class BulkCredit:
    """The same credit for many customers; entry i's idempotency key is `key_prefix` followed
    by its customer's id."""

    points: int
    kind: EntryKind
    actor: str
    note: str | None
    source_type: str
    source_ref: str
    key_prefix: str


@dataclass(frozen=True)
class BulkCredited:
    matched: int  # customers given that have an account
    credited: int  # of them, credited
    points: int  # points credited in all

    @property
    def skipped(self) -> int:
        """Customers left out because their balance would have crossed the ceiling."""
        return self.matched - self.credited


_EARNED_PAYLOAD = payload_sql(
    PointsEarned,
    entry_id="e.id",
    points="e.points",
    balance_after="e.balance_after",
    kind="e.kind",
    source_ref="e.source_ref",
)

# Every lot opened now expires under the program's validity (one value for the whole run).
_CREDIT_MANY = text(f"""
    WITH target AS (SELECT DISTINCT unnest(CAST(:customer_ids AS bigint[])) AS customer_id),
    locked AS (SELECT a.customer_id FROM point_accounts a JOIN target t USING (customer_id)
                ORDER BY a.customer_id FOR UPDATE OF a),
    acc AS (UPDATE point_accounts a
               SET balance = a.balance + CAST(:points AS bigint),
                   lifetime_earned = a.lifetime_earned + CAST(:earned_delta AS bigint),
                   lifetime_spent = a.lifetime_spent + CAST(:spent_delta AS bigint),
                   updated_at = now()
              FROM locked l
             WHERE a.customer_id = l.customer_id
               AND {ceiling_sql("a.balance", "CAST(:points AS bigint)")}
            RETURNING a.customer_id, a.balance),
    e AS (INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note,
                                      source_type, source_ref, actor, idempotency_key)
          SELECT customer_id, CAST(:points AS bigint), balance, CAST(:kind AS text),
                 CAST(:note AS text), CAST(:source_type AS text), CAST(:source_ref AS text),
                 CAST(:actor AS text), CAST(:key_prefix AS text) || customer_id
            FROM acc ORDER BY customer_id
          RETURNING id, customer_id, points, balance_after, kind, source_ref),
    ev AS ({APPEND_EVENTS}
           SELECT {event_type_sql(PointsEarned)}, e.customer_id, {_EARNED_PAYLOAD}
             FROM e ORDER BY e.id),
    lot AS (INSERT INTO point_lots (customer_id, entry_id, granted, remaining, expires_at)
            SELECT e.customer_id, e.id, e.points, e.points, {lot_expiry_sql("now()")}
              FROM e)
    SELECT (SELECT count(*) FROM locked) AS matched, (SELECT count(*) FROM e) AS credited
""")


async def credit_many(
    uow: UnitOfWork,
    credit: BulkCredit,
    customer_ids: Sequence[int],
) -> BulkCredited:
    """Credit `credit.points` to each of `customer_ids` (unknown ids and duplicates are
    ignored), each with its entry, lot (expiring as the program's validity says) and
    PointsEarned event, in one statement of the open transaction.

    Guarantees: every balance stays within the ceiling (customers it would cross are
    skipped); balance = sum of entries = sum of open lots holds for each customer."""
    if credit.points <= 0:
        raise ValueError("credit_many needs positive points")
    earned, spent = lifetime_deltas(credit.kind, credit.points)
    row = (
        await uow.execute(
            _CREDIT_MANY,
            {
                "customer_ids": list(customer_ids),
                "points": credit.points,
                "earned_delta": earned,
                "spent_delta": spent,
                "kind": credit.kind.value,
                "note": credit.note,
                "source_type": credit.source_type,
                "source_ref": credit.source_ref,
                "actor": credit.actor,
                "key_prefix": credit.key_prefix,
            },
        )
    ).one()
    return BulkCredited(
        matched=int(row.matched), credited=int(row.credited), points=row.credited * credit.points
    )
