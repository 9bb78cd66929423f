"""Posting to many customers at once: posting.py's credit and debit, set-based.

`post_each` writes, for every item (a customer, its own idempotency key and source
reference), what one posting writes for one customer: the balance update, the entry, the
lot it opens (a credit) or the lots it draws from (a debit: soonest expiry first, then
oldest), and its PointsEarned / PointsSpent event. How many points each item moves is an
SQL expression over the customer's locked account (`Amount`): the same points (a gift, a
funnel's add-points step), at most what the spendable points allow (remove-points), or the
difference to a target balance (set-points). bulk_changes.py holds the three services a
funnel's steps call; `credit_many` below (the gift runs) uses the first rule. Each rule
stays in one place: the ceiling and the clamping are the ledger policy's
(policy.ceiling_sql, policy.take_back_sql), the entry's event payload is entry_sql's, the
lot's expiry validity.py's.

Two statements per batch, whatever its size, in the caller's transaction:

1. The accounts are locked in customer order (as every ledger write takes the balance row
   first, and as the expiry job and the badges' re-sync lock theirs), so a batch never
   deadlocks with another batch or a single posting.
2. In a new statement, whose snapshot is taken after the locks were granted (READ
   COMMITTED), every entry committed for those customers before is visible: an item whose
   key already has an entry is answered from it (REPLAYED) and moves nothing, so a batch
   run twice, or by two workers at once, posts each item once. The balances read are the
   locked ones, so the amounts and the entries' balance_after are exact.

An item whose customer has no account, whose credit would cross the balance ceiling, or
whose customer was erased and would be credited (a debit stays possible: accounting), is
reported (CUSTOMER_NOT_FOUND, CEILING, CUSTOMER_ERASED) instead of failing the batch; the
others are posted. The erasure is read by the posting statement itself, so no credit lands
after an erasure that committed before it.

Two callers using one key for different customers at the same moment are not serialised by
the account locks (the key is not the customer's): the second's entry then meets the key's
unique index and its statement fails whole (IntegrityError, nothing written). Keys that name
their customer (a funnel step's: the enrollment's) cannot meet this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from sqlalchemy import TextClause, text

from domain.customers.sql import customer_erased_sql
from domain.events.sql import APPEND_EVENTS
from domain.events.types import PointsEarned, PointsSpent
from domain.ledger.entry_sql import EVENT_PAYLOAD, RETURNED
from domain.ledger.kinds import EntryKind, lifetime_deltas
from domain.ledger.policy import ceiling_sql
from domain.ledger.validity import lot_expiry_sql
from domain.uow import UnitOfWork


class Outcome(StrEnum):
    """What became of one item of a batch."""

    POSTED = "POSTED"  # an entry was written now
    REPLAYED = "REPLAYED"  # its key already had an entry: nothing moved, that entry reported
    UNCHANGED = "UNCHANGED"  # nothing to move (no spendable points, already at the target)
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"  # no such customer (no point account)
    CEILING = "CEILING"  # the credit would have crossed the balance ceiling: not posted
    CUSTOMER_ERASED = "CUSTOMER_ERASED"  # a credit to an erased customer: not posted
    KEY_CONFLICT = "KEY_CONFLICT"  # its key names an entry of another customer, kind or source


@dataclass(frozen=True)
class BulkItem:
    """One customer of a batch, with the idempotency key and source reference its entry
    gets (a funnel step: the step execution's key; source_ref names funnel, version, step
    and enrollment)."""

    customer_id: int
    idempotency_key: str
    source_ref: str | None = None


@dataclass(frozen=True)
class BulkPosting:
    """What every entry of a batch shares: kind, actor, note and source type."""

    kind: EntryKind
    actor: str
    source_type: str
    note: str | None = None


@dataclass(frozen=True)
class ItemResult:
    """One item's result. `points` is what its entry moved (signed; 0 without one), and
    `balance_after` the balance right after it (None without an entry). `not_removed` is
    the part of a removal the spendable points did not allow (the rest, as a refund records
    its points_uncollected): `removed + not_removed` is what was asked."""

    customer_id: int
    idempotency_key: str
    outcome: Outcome
    entry_id: int | None = None
    points: int = 0
    balance_after: int | None = None
    not_removed: int = 0

    @property
    def removed(self) -> int:
        return max(0, -self.points)

    @property
    def done(self) -> bool:
        """Whether the item's work is complete (now or by an earlier call)."""
        return self.outcome in (Outcome.POSTED, Outcome.REPLAYED, Outcome.UNCHANGED)


@dataclass(frozen=True)
class Amount:
    """How many points an item moves, as SQL over the locked account `a` (a.balance,
    a.held) and bind parameters: `points` (signed), `wanted` (points the item asks to
    remove, for the rest not removed; "0" for credits), `fits` (false: over the ceiling)."""

    points: str
    wanted: str = "0"
    fits: str = "true"


def same_credit(points: str = "CAST(:points AS bigint)") -> Amount:
    """`points` to each customer, unless it would cross the ceiling."""
    return Amount(points=points, fits=ceiling_sql("a.balance", points))


_LOCK = text("""
    SELECT customer_id FROM point_accounts
     WHERE customer_id = ANY(CAST(:customer_ids AS bigint[]))
     ORDER BY customer_id
       FOR UPDATE
""")

# Statement 2 (see the module's docstring): `plan` computes each item's points from its
# locked account; `e` writes the entries of those that move points, `acc` their balances
# (joined on the account updated, so an entry is written only with its balance), `lot` and
# `take` the lots, `ev` the events, in the entries' order. One item per customer (checked
# before), so each account and each lot is touched by one item only.
_POST_EACH = """
    WITH item AS (
        SELECT i.ord, i.customer_id, i.idempotency_key, i.source_ref
          FROM unnest(CAST(:customer_ids AS bigint[]), CAST(:keys AS text[]),
                      CAST(:refs AS text[])) WITH ORDINALITY
               AS i(customer_id, idempotency_key, source_ref, ord)),
    prior AS (
        SELECT it.ord, x.id, x.customer_id, x.points, x.balance_after,
               (x.customer_id <> it.customer_id OR x.kind <> CAST(:kind AS text)
                OR x.source_type IS DISTINCT FROM CAST(:source_type AS text)) AS conflict
          FROM item it JOIN ledger_entries x ON x.idempotency_key = it.idempotency_key),
    plan AS (
        SELECT it.ord, it.customer_id, it.idempotency_key, it.source_ref, a.balance,
               {amount.points} AS points, {amount.wanted} AS wanted, {amount.fits} AS fits,
               {erased} AS erased
          FROM item it JOIN point_accounts a USING (customer_id)
         WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p.ord = it.ord)),
    move AS (SELECT * FROM plan WHERE points <> 0 AND fits AND NOT (points > 0 AND erased)),
    acc AS (
        UPDATE point_accounts a
           SET balance = a.balance + m.points,
               lifetime_earned = a.lifetime_earned + CASE WHEN m.points > 0
                   THEN m.points * :earned_per_credit ELSE -m.points * :earned_per_debit END,
               lifetime_spent = a.lifetime_spent + CASE WHEN m.points > 0
                   THEN m.points * :spent_per_credit ELSE -m.points * :spent_per_debit END,
               updated_at = now()
          FROM move m
         WHERE a.customer_id = m.customer_id
        RETURNING a.customer_id, a.balance),
    e AS (
        INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note,
                                    source_type, source_ref, actor, idempotency_key)
        SELECT m.customer_id, m.points, acc.balance, CAST(:kind AS text), CAST(:note AS text),
               CAST(:source_type AS text), m.source_ref, CAST(:actor AS text),
               m.idempotency_key
          FROM move m JOIN acc USING (customer_id)
         ORDER BY m.customer_id
        RETURNING {returned}, idempotency_key),
    ev AS (
        {append_events}
        SELECT CASE WHEN e.points > 0 THEN '{earned}' ELSE '{spent}' END, e.customer_id,
               {payload}
          FROM e ORDER BY e.id),
    lot AS (
        INSERT INTO point_lots (customer_id, entry_id, granted, remaining, expires_at)
        SELECT e.customer_id, e.id, e.points, e.points, {expiry} FROM e WHERE e.points > 0),
    drawable AS (
        SELECT l.id AS lot_id, e.id AS entry_id, l.remaining, -e.points AS amount,
               sum(l.remaining) OVER (PARTITION BY l.customer_id
                                      ORDER BY l.expires_at ASC NULLS LAST, l.id)
                   - l.remaining AS before
          FROM e JOIN point_lots l ON l.customer_id = e.customer_id AND l.remaining > 0
         WHERE e.points < 0),
    take AS (
        SELECT lot_id, entry_id, LEAST(remaining, amount - before) AS pts FROM drawable
         WHERE before < amount),
    drawn AS (UPDATE point_lots l SET remaining = l.remaining - t.pts FROM take t
               WHERE l.id = t.lot_id),
    alloc AS (INSERT INTO lot_allocations (entry_id, lot_id, points)
              SELECT entry_id, lot_id, -pts FROM take)
    SELECT it.customer_id, it.idempotency_key,
           p.id AS prior_id, p.points AS prior_points, p.balance_after AS prior_balance,
           p.conflict, pl.customer_id IS NOT NULL AS has_account, pl.fits, pl.wanted,
           pl.points > 0 AND pl.erased AS erased_credit,
           e.id AS entry_id, e.points, e.balance_after, {replayed_wanted} AS prior_wanted
      FROM item it
      LEFT JOIN prior p USING (ord)
      LEFT JOIN plan pl USING (ord)
      LEFT JOIN e ON e.idempotency_key = it.idempotency_key
     ORDER BY it.ord
"""


def _statement(amount: Amount, replayed_wanted: str) -> TextClause:
    return text(
        _POST_EACH.format(
            amount=amount,
            returned=RETURNED,
            append_events=APPEND_EVENTS,
            earned=PointsEarned.__name__,
            spent=PointsSpent.__name__,
            payload=EVENT_PAYLOAD,
            expiry=lot_expiry_sql("now()"),
            replayed_wanted=replayed_wanted,
            erased=customer_erased_sql("it.customer_id"),
        )
    )


@dataclass(frozen=True)
class Rule:
    """A set-based change: its Amount, and what a replayed item asked to remove (SQL over
    `p`, the entry written the first time: the rest is recomputed from it)."""

    amount: Amount
    replayed_wanted: str = "0"

    @cached_property
    def statement(self) -> TextClause:
        return _statement(self.amount, self.replayed_wanted)


async def post_each(
    uow: UnitOfWork,
    posting: BulkPosting,
    items: Sequence[BulkItem],
    rule: Rule,
    params: dict[str, object],
) -> list[ItemResult]:
    """Post every item as `rule` says, in two statements of the open unit of work (see the
    module's docstring); one result per item, in the items' order. `params` binds the
    rule's parameters. Each customer and each key may appear once."""
    if not items:
        return []
    _check_unique(items)
    credit_deltas = lifetime_deltas(posting.kind, 1)
    debit_deltas = lifetime_deltas(posting.kind, -1)
    ids = [item.customer_id for item in items]
    await lock_accounts(uow, ids)
    rows = await uow.execute(
        rule.statement,
        {
            **params,
            "customer_ids": ids,
            "keys": [item.idempotency_key for item in items],
            "refs": [item.source_ref for item in items],
            "kind": posting.kind.value,
            "note": posting.note,
            "source_type": posting.source_type,
            "actor": posting.actor,
            "earned_per_credit": credit_deltas[0],
            "spent_per_credit": credit_deltas[1],
            "earned_per_debit": debit_deltas[0],
            "spent_per_debit": debit_deltas[1],
        },
    )
    return [_result(row) for row in rows]


async def lock_accounts(uow: UnitOfWork, customer_ids: Sequence[int]) -> None:
    """Lock these customers' balance rows in customer order (statement 1 of the module's
    docstring), in the open unit of work."""
    await uow.execute(_LOCK, {"customer_ids": list(customer_ids)})


def _check_unique(items: Sequence[BulkItem]) -> None:
    """One item per customer (each account moves once per statement) and per key."""
    if len({item.customer_id for item in items}) != len(items):
        raise ValueError("a batch names each customer at most once")
    if len({item.idempotency_key for item in items}) != len(items):
        raise ValueError("a batch uses each idempotency key at most once")


def _result(row: Any) -> ItemResult:
    cid, key = int(row.customer_id), str(row.idempotency_key)
    if row.prior_id is not None:
        if row.conflict:
            return ItemResult(cid, key, Outcome.KEY_CONFLICT, entry_id=int(row.prior_id))
        return ItemResult(
            cid,
            key,
            Outcome.REPLAYED,
            entry_id=int(row.prior_id),
            points=int(row.prior_points),
            balance_after=int(row.prior_balance),
            not_removed=max(0, int(row.prior_wanted) + min(0, int(row.prior_points))),
        )
    if not row.has_account:
        return ItemResult(cid, key, Outcome.CUSTOMER_NOT_FOUND)
    if not row.fits:
        return ItemResult(cid, key, Outcome.CEILING)
    if row.erased_credit:
        return ItemResult(cid, key, Outcome.CUSTOMER_ERASED)
    points = 0 if row.entry_id is None else int(row.points)
    rest = max(0, int(row.wanted) + min(0, points))
    if row.entry_id is None:
        return ItemResult(cid, key, Outcome.UNCHANGED, not_removed=rest)
    return ItemResult(
        cid,
        key,
        Outcome.POSTED,
        entry_id=int(row.entry_id),
        points=points,
        balance_after=int(row.balance_after),
        not_removed=rest,
    )


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
    matched: int  # customers given that have an account and were not erased
    credited: int  # of them, credited
    points: int  # points credited in all

    @property
    def skipped(self) -> int:
        """Customers left out because their balance would have crossed the ceiling."""
        return self.matched - self.credited


SAME_CREDIT = Rule(same_credit())


async def credit_many(
    uow: UnitOfWork,
    credit: BulkCredit,
    customer_ids: Sequence[int],
) -> BulkCredited:
    """Credit `credit.points` to each of `customer_ids` (unknown ids and duplicates are
    ignored), each with its entry, lot (expiring as the program's validity says) and
    PointsEarned event, in the open transaction (post_each: two statements).

    Guarantees: every balance stays within the ceiling (customers it would cross are
    skipped); balance = sum of entries = sum of open lots holds for each customer."""
    if credit.points <= 0:
        raise ValueError("credit_many needs positive points")
    items = [
        BulkItem(cid, f"{credit.key_prefix}{cid}", credit.source_ref)
        for cid in sorted(set(customer_ids))
    ]
    posting = BulkPosting(credit.kind, credit.actor, credit.source_type, credit.note)
    results = await post_each(uow, posting, items, SAME_CREDIT, {"points": credit.points})
    gone = (Outcome.CUSTOMER_NOT_FOUND, Outcome.CUSTOMER_ERASED)
    matched = sum(1 for r in results if r.outcome not in gone)
    credited = sum(1 for r in results if r.outcome is Outcome.POSTED)
    return BulkCredited(matched=matched, credited=credited, points=credited * credit.points)
