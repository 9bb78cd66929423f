"""Writing ledger entries: the only code that changes a balance (with the expiry job's
set-based debit, domain/ledger/expiry_job.py).

Every posting updates the balance row and inserts the entry in the same transaction, and
keeps lots in step: a credit opens a lot (expiring as the program's validity says), a debit
draws from open lots (soonest expiry first, then oldest), a reversal of a debit gives points
back to the lots they came from (which keep their dates). The balance row is locked by the
first statement, so concurrent postings on one customer are serialised and a debit can never
overdraw.

What a posting may do is the ledger policy's (policy.py): the account update's guard is
generated from its rules, and a refusal is explained by the same rules on the account as
the refused statement saw it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.exc import IntegrityError

from domain.errors import DomainError, ErrorCode, IdempotencyKeyTaken
from domain.events.types import PointsEarned, PointsSpent
from domain.ledger import policy
from domain.ledger.debiting import LEDGER_DEBIT
from domain.ledger.entry_sql import ENTRY_INSERT, ENTRY_VALUES, EVENT_CTE, KEY, RETURNED
from domain.ledger.kinds import EntryKind, lifetime_deltas
from domain.ledger.models import Account, LedgerEntry
from domain.ledger.validity import lot_expiry_sql
from domain.uow import Executor, violated_constraint

IDEMPOTENCY_CONSTRAINT = "uq_ledger_entries_idempotency_key"
# The balance ceiling is PostgreSQL's CHECK on point_accounts: a credit that would cross it
# fails as a whole statement, which also keeps statements that embed a credit atomic.
CEILING_CONSTRAINT = "ck_point_accounts_balance_range"
REVERSAL_CONSTRAINT = "uq_ledger_entries_reverses_entry_id"


@dataclass(frozen=True)
class Posting:
    customer_id: int
    points: int
    kind: EntryKind
    actor: str
    earned_delta: int
    spent_delta: int
    note: str | None = None
    source_type: str | None = None
    source_ref: str | None = None
    idempotency_key: str | None = None
    reverses_entry_id: int | None = None
    # Record PointsEarned / PointsSpent in the same statement (reversals record their own).
    records_event: bool = True
    # Held points this debit turns into a spend (capturing a hold).
    releases_held: int = 0
    # Spendable points the account must have before this debit (paying an order with
    # points: the minimum balance to redeem).
    min_spendable: int = 0

    @classmethod
    def of(
        cls, customer_id: int, points: int, kind: EntryKind, actor: str, **fields: Any
    ) -> Posting:
        """A posting whose lifetime deltas follow from its kind and points (any kind but a
        reversal, whose deltas mirror the entry it reverses)."""
        earned, spent = lifetime_deltas(kind, points)
        return cls(customer_id, points, kind, actor, earned, spent, **fields)

    @property
    def event_type(self) -> str | None:
        if not self.records_event:
            return None
        return (PointsEarned if self.points > 0 else PointsSpent).__name__


@dataclass(frozen=True)
class Posted:
    """What a posting wrote: the entry's id and time, and the account right after it."""

    entry_id: int
    balance_after: int
    created_at: datetime
    lifetime_earned: int
    lifetime_spent: int
    held: int = 0
    lifetime_expired: int = 0

    def entry(self, posting: Posting) -> LedgerEntry:
        """The entry as written, without reading it back."""
        return LedgerEntry(
            id=self.entry_id,
            customer_id=posting.customer_id,
            points=posting.points,
            balance_after=self.balance_after,
            kind=posting.kind,
            note=posting.note,
            source_type=posting.source_type,
            source_ref=posting.source_ref,
            actor=posting.actor,
            idempotency_key=posting.idempotency_key,
            reverses_entry_id=posting.reverses_entry_id,
            reversed_by_entry_id=None,
            created_at=self.created_at,
        )

    def account(self, customer_id: int) -> Account:
        return Account(
            customer_id,
            self.balance_after,
            self.lifetime_earned,
            self.lifetime_spent,
            self.held,
            self.lifetime_expired,
        )


# The account update of a credit (and of statements embedding one): guarded by the policy.
_ACCOUNT_UPDATE = f"""
    UPDATE point_accounts
       SET balance = balance + :points,
           lifetime_earned = lifetime_earned + :earned_delta,
           lifetime_spent = lifetime_spent + :spent_delta,
           held = held - :released_held,
           updated_at = now()
     WHERE customer_id = :customer_id AND {policy.account_guard_sql()} {{guard}}
    RETURNING balance, lifetime_earned, lifetime_spent, held, lifetime_expired
"""


def credit_ctes(guard: str = "", key_sql: str = KEY) -> str:
    """The CTEs `acc, e, ev, lot` that credit :points and open a lot (its expiry from the
    program's validity), for embedding in a larger statement: `guard` is an extra SQL
    condition on the account update (the credit happens only when it holds), `key_sql` the
    idempotency key expression."""
    return f"""
    acc AS ({_ACCOUNT_UPDATE.format(guard=guard)}),
    e AS ({ENTRY_INSERT} SELECT {ENTRY_VALUES.format(balance="acc.balance", key=key_sql)}
            FROM acc
          RETURNING {RETURNED}),
    {EVENT_CTE},
    lot AS (INSERT INTO point_lots (customer_id, entry_id, granted, remaining, expires_at)
            SELECT e.customer_id, e.id, CAST(:points AS bigint), CAST(:points AS bigint),
                   {lot_expiry_sql("e.created_at")} FROM e)
    """


@dataclass(frozen=True)
class CreditGuard:
    """A condition another area puts on a credit (SQL over the posting's parameters, e.g.
    `:customer_id`), checked by the credit's own account update, and the refusal when it
    does not hold: the condition costs no round trip of its own."""

    sql: str
    refusal: Callable[[], DomainError]


@cache
def credit_statement(guard_sql: str = "") -> TextClause:
    """The statement that credits :points and opens a lot, only when `guard_sql` holds."""
    guard = f"AND {guard_sql}" if guard_sql else ""
    return text(f"""
    WITH {credit_ctes(guard)}
    SELECT e.id, e.balance_after, e.created_at, acc.lifetime_earned, acc.lifetime_spent,
           acc.held, acc.lifetime_expired
      FROM e, acc
""")


# Gives :points back to the lots that the entries :drawn_by drew from and have not yet
# been given back (their own allocations are negative; give-backs among them, positive),
# the lots that expire last first.
_CREDIT_BACK = text(f"""
    WITH acc AS ({_ACCOUNT_UPDATE.format(guard="")}),
    e AS ({ENTRY_INSERT} SELECT {ENTRY_VALUES.format(balance="acc.balance", key=KEY)}
            FROM acc
          RETURNING {RETURNED}),
    {EVENT_CTE},
    owed AS (SELECT a.lot_id, -sum(a.points) AS pts, l.expires_at FROM lot_allocations a
               JOIN point_lots l ON l.id = a.lot_id
              WHERE a.entry_id = ANY(CAST(:drawn_by AS bigint[]))
              GROUP BY a.lot_id, l.expires_at HAVING sum(a.points) < 0),
    ranked AS (SELECT lot_id, pts,
                      sum(pts) OVER (ORDER BY expires_at DESC NULLS FIRST, lot_id DESC) - pts
                          AS before
                 FROM owed),
    back AS (SELECT lot_id, LEAST(pts, :points - before) AS pts FROM ranked
              WHERE before < :points),
    upd AS (UPDATE point_lots l SET remaining = l.remaining + b.pts
              FROM back b WHERE l.id = b.lot_id AND EXISTS (SELECT 1 FROM e)),
    alloc AS (INSERT INTO lot_allocations (entry_id, lot_id, points)
              SELECT e.id, b.lot_id, b.pts FROM e, back b)
    SELECT e.id, e.balance_after, e.created_at, acc.lifetime_earned, acc.lifetime_spent,
           acc.held, acc.lifetime_expired, (SELECT COALESCE(sum(pts), 0) FROM back) AS given_back
      FROM e, acc
""")


def posting_params(posting: Posting) -> dict[str, object]:
    """The bind parameters of a posting's statements (and of statements embedding them)."""
    return {
        "customer_id": posting.customer_id,
        "points": posting.points,
        "kind": posting.kind.value,
        "note": posting.note,
        "source_type": posting.source_type,
        "source_ref": posting.source_ref,
        "actor": posting.actor,
        "idempotency_key": posting.idempotency_key,
        "reverses_entry_id": posting.reverses_entry_id,
        "earned_delta": posting.earned_delta,
        "spent_delta": posting.spent_delta,
        "event_type": posting.event_type,
        "released_held": posting.releases_held,
        "min_spendable": posting.min_spendable,
    }


async def credit(db: Executor, posting: Posting, guard: CreditGuard | None = None) -> Posted:
    """Add points and open a new lot for them, expiring as the program's validity says;
    with a guard, only when its condition holds (else its refusal)."""
    if posting.points <= 0:
        raise ValueError("credit needs positive points")
    statement = credit_statement(guard.sql if guard else "")
    return posted_from(await _credit_row(db, statement, posting_params(posting), posting, guard))


async def credit_back(db: Executor, posting: Posting, drawn_by: list[int] | None = None) -> Posted:
    """Give points back to the lots that the entries `drawn_by` (by default the entry
    `posting.reverses_entry_id`) drew from, net of what earlier give-backs listed among them
    returned; the lots that expire last first.

    The caller must not give back more than those entries drew and were not given."""
    entries = drawn_by if drawn_by is not None else [posting.reverses_entry_id]
    if posting.points <= 0 or None in entries:
        raise ValueError("credit_back needs positive points and the entries that drew them")
    params = {**posting_params(posting), "drawn_by": entries}
    row = await _credit_row(db, _CREDIT_BACK, params, posting)
    if row["given_back"] != posting.points:
        raise ValueError(f"the entries owe {row['given_back']} points, not {posting.points}")
    return posted_from(row)


async def debit(db: Executor, posting: Posting, preferred_lot_id: int | None = None) -> Posted:
    """Take points (posting.points < 0) from open lots, `preferred_lot_id` first if given:
    one round trip (LEDGER_DEBIT), refused as the policy explains it."""
    if posting.points >= 0:
        raise ValueError("debit needs negative points")
    params = {
        **posting_params(posting),
        "records_event": posting.records_event,
        "preferred_lot_id": preferred_lot_id,
    }
    row = await _run(db, LEDGER_DEBIT.call, params)
    if row is None or row["balance_before"] is None:
        raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
    if row["balance"] is None:
        raise _refused(policy.Funds(row["balance_before"], row["held_before"]), posting)
    return Posted(
        row["id"],
        row["balance"],
        row["created_at"],
        row["lifetime_earned"],
        row["lifetime_spent"],
        row["held"],
        row["lifetime_expired"],
    )


def posted_from(row: Mapping[Any, Any]) -> Posted:
    """A Posted from a row with id, balance_after, created_at, held and the lifetime totals."""
    return Posted(
        row["id"],
        row["balance_after"],
        row["created_at"],
        row["lifetime_earned"],
        row["lifetime_spent"],
        row["held"],
        row["lifetime_expired"],
    )


async def _credit_row(
    db: Executor,
    statement: TextClause,
    params: dict[str, object],
    posting: Posting,
    guard: CreditGuard | None = None,
) -> Mapping[Any, Any]:
    """The row a credit statement returns; none means the account refused it (why, raised)."""
    row = await _run(db, statement, params)
    if row is None:
        await _explain_refusal(db, posting, guard)
    assert row is not None
    return row


async def _run(
    db: Executor, statement: TextClause, params: dict[str, object]
) -> Mapping[Any, Any] | None:
    try:
        return await db.fetch_row(statement, params)
    except IntegrityError as error:
        raise refusal_for(error) from error


def refusal_for(error: IntegrityError) -> Exception:
    """What a constraint violation during a posting means to the caller."""
    name = violated_constraint(error)
    if name == IDEMPOTENCY_CONSTRAINT:
        return IdempotencyKeyTaken()
    if name == REVERSAL_CONSTRAINT:
        return DomainError.one(
            "entryId", ErrorCode.ALREADY_REVERSED, "This entry has already been reversed."
        )
    if name == CEILING_CONSTRAINT:
        return _ceiling_exceeded()
    return error


def _ceiling_exceeded() -> DomainError:
    return DomainError([policy.ceiling_problem()])


def change_of(posting: Posting) -> policy.Change:
    """The posting as the policy sees it."""
    return policy.Change(
        points=posting.points, release=posting.releases_held, min_spendable=posting.min_spendable
    )


def _refused(funds: policy.Funds, posting: Posting) -> DomainError:
    problem = policy.refusal(funds, change_of(posting))
    if problem is None:  # pragma: no cover - the guard and the policy are one definition
        raise RuntimeError(f"posting refused on {funds} though the policy allows it")
    return DomainError([problem])


async def _explain_refusal(db: Executor, posting: Posting, guard: CreditGuard | None) -> None:
    """Why a credit's account update wrote nothing: no such customer, the guard, or the
    policy."""
    row = (
        await db.execute(
            text(
                "SELECT balance, held, "
                f"{guard.sql if guard else 'true'} AS guard_holds "
                "FROM point_accounts WHERE customer_id = :customer_id"
            ),
            {"customer_id": posting.customer_id},
        )
    ).one_or_none()
    if row is None:
        raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
    if guard is not None and not row.guard_holds:
        raise guard.refusal()
    raise _refused(policy.Funds(row.balance, row.held), posting)
