"""Credits carried over from history, set-based: a bulk import's earning purchases.

What posting.py's credit writes for one credit, for many at once: the balance row updated
in the same statement as the entry, a lot opened for the points (expiring as the program's
validity says, counted from now: validity.py), lifetime earned raised by them (kinds.py).
Unlike bulk.py's post_each, a customer may have several credits in one call (a customer's
orders of one chunk: each its own entry, with the balance after it in the order given), and
no PointsEarned event is written (as opening.py's openings: a sale made years ago earns
now, but must not send "you earned points" messages, nor start funnels).

Two statements per call, as bulk.py's: the accounts locked in customer order
(lock_accounts), then one statement that skips the credits whose key has an entry already
(a chunk run again posts nothing twice) and those that would take the balance over the
ceiling (with a customer's credits in the order given, the first that would cross it and
those after it are skipped: policy.ceiling_sql over the running balance)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text

from domain.ledger.bulk import BulkPosting, lock_accounts
from domain.ledger.kinds import lifetime_deltas
from domain.ledger.policy import ceiling_sql
from domain.ledger.validity import lot_expiry_sql
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class QuietCredit:
    """One credit: its customer, points (> 0), idempotency key and source reference."""

    customer_id: int
    points: int
    idempotency_key: str
    source_ref: str | None = None


# `fresh`: the credits whose key has no entry (read after the locks: a concurrent run of
# the same credits has committed or not started); `run` each with its customer's balance
# after it; `move` those within the ceiling; `acc` the balances, `e` the entries (joined on
# the account updated, and written in the customer's order so that each balance_after
# follows the one before), `lot` their lots.
_POST = """
    WITH item AS (
        SELECT i.* FROM unnest(CAST(:customer_ids AS bigint[]), CAST(:points AS bigint[]),
                               CAST(:keys AS text[]), CAST(:refs AS text[]))
                        WITH ORDINALITY AS i(customer_id, points, idempotency_key,
                                             source_ref, ord)),
    fresh AS (
        SELECT it.* FROM item it
         WHERE it.points > 0
           AND NOT EXISTS (SELECT 1 FROM ledger_entries x
                            WHERE x.idempotency_key = it.idempotency_key)),
    run AS (
        SELECT f.*, a.balance,
               CAST(sum(f.points) OVER (PARTITION BY f.customer_id ORDER BY f.ord)
                    AS bigint) AS running
          FROM fresh f JOIN point_accounts a USING (customer_id)),
    move AS (SELECT * FROM run r WHERE {fits}),
    total AS (SELECT customer_id, CAST(sum(points) AS bigint) AS points
                FROM move GROUP BY customer_id),
    acc AS (
        UPDATE point_accounts a
           SET balance = a.balance + t.points,
               lifetime_earned = a.lifetime_earned + t.points * {earned},
               lifetime_spent = a.lifetime_spent + t.points * {spent},
               updated_at = now()
          FROM total t
         WHERE a.customer_id = t.customer_id
        RETURNING a.customer_id),
    e AS (
        INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note,
                                    source_type, source_ref, actor, idempotency_key)
        SELECT m.customer_id, m.points, m.balance + m.running, CAST(:kind AS text),
               CAST(:note AS text), CAST(:source_type AS text), m.source_ref,
               CAST(:actor AS text), m.idempotency_key
          FROM move m JOIN acc USING (customer_id)
         ORDER BY m.customer_id, m.ord
        RETURNING id, customer_id, points, created_at, idempotency_key),
    lot AS (
        INSERT INTO point_lots (customer_id, entry_id, granted, remaining, expires_at)
        SELECT e.customer_id, e.id, e.points, e.points, {expiry} FROM e)
    SELECT idempotency_key, points FROM e
"""


async def post_quietly(
    uow: UnitOfWork, posting: BulkPosting, credits: Sequence[QuietCredit]
) -> dict[str, int]:
    """Post the credits (see the module's docstring) in the open unit of work; the points
    posted now, by idempotency key (a credit missing from it: posted before, or over the
    ceiling, or its customer has no balance row).

    Guarantees: each key is credited at most once ever; balance = sum of entries = sum of
    open lots for every customer, each entry's balance_after the balance right after it; no
    balance crosses the ceiling; no event is written."""
    if not credits:
        return {}
    if len({c.idempotency_key for c in credits}) != len(credits):
        raise ValueError("a call uses each idempotency key at most once")
    earned, spent = lifetime_deltas(posting.kind, 1)
    statement = _POST.format(
        fits=ceiling_sql("r.balance", "r.running"),
        earned=earned,
        spent=spent,
        expiry=lot_expiry_sql("e.created_at"),
    )
    await lock_accounts(uow, sorted({c.customer_id for c in credits}))
    rows = await uow.execute(
        text(statement),
        {
            "customer_ids": [c.customer_id for c in credits],
            "points": [c.points for c in credits],
            "keys": [c.idempotency_key for c in credits],
            "refs": [c.source_ref for c in credits],
            "kind": posting.kind.value,
            "note": posting.note,
            "source_type": posting.source_type,
            "actor": posting.actor,
        },
    )
    return {str(row.idempotency_key): int(row.points) for row in rows}
