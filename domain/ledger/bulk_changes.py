"""Adding, removing and setting points for a batch of customers, each with its own
idempotency key and source reference: what a funnel's points steps call (set-based, one
batch of customers at the same step at a time), through bulk.post_each.

Each service runs in the caller's open unit of work (the funnel engine writes its step
executions in the same transaction), costs two statements whatever the batch's size, and
answers per item (bulk.ItemResult): POSTED, REPLAYED (the key already has its entry: a
step run twice posts once), UNCHANGED, CUSTOMER_NOT_FOUND, CEILING or KEY_CONFLICT.
Nothing is refused for the whole batch but a call the caller got wrong (bad points, a
customer or key twice in one batch: ValueError).

What "balance" means here is the ledger policy's: a removal takes only spendable points
(the balance less what active holds reserve), as much of what was asked as they allow, and
reports the rest (`not_removed`), which is the refund rule (policy.take_back: refunds
record the same rest as points_uncollected). Setting points moves the balance to the
target with one entry: a credit of the difference (within the ceiling, since a target is at
most the ceiling), or a removal of the difference under that same rule, so a target below
what holds reserve stops at the held points and reports the rest."""

from __future__ import annotations

from collections.abc import Sequence

from domain.ledger.bulk import (
    SAME_CREDIT,
    Amount,
    BulkItem,
    BulkPosting,
    ItemResult,
    Rule,
    post_each,
)
from domain.ledger.kinds import EntryKind
from domain.ledger.policy import take_back_sql
from domain.limits import BALANCE_CEILING, MAX_POINTS_PER_OPERATION
from domain.uow import UnitOfWork

_POINTS = "CAST(:points AS bigint)"
_TARGET = "CAST(:target AS bigint)"

# Remove up to :points: what the spendable points allow (policy.take_back).
REMOVE_UP_TO = Rule(
    Amount(points=f"-{take_back_sql(_POINTS, 'a.balance', 'a.held')}", wanted=_POINTS),
    replayed_wanted=_POINTS,
)

# Bring the balance to :target: the difference credited, or removed as REMOVE_UP_TO removes.
_ABOVE_TARGET = f"(a.balance - {_TARGET})"
SET_TO = Rule(
    Amount(
        points=f"""CASE WHEN a.balance <= {_TARGET} THEN {_TARGET} - a.balance
                        ELSE -{take_back_sql(_ABOVE_TARGET, "a.balance", "a.held")} END""",
        wanted=f"GREATEST({_ABOVE_TARGET}, 0)",
    ),
    # The balance before the first call's entry, less the target.
    replayed_wanted=f"GREATEST(p.balance_after - p.points - {_TARGET}, 0)",
)

# Kinds a funnel (or any caller) may not write through these: each has its own writer.
_OWN_WRITERS = frozenset({EntryKind.REVERSAL, EntryKind.EXPIRY})


async def add_points_each(
    uow: UnitOfWork, posting: BulkPosting, items: Sequence[BulkItem], points: int
) -> list[ItemResult]:
    """Credit `points` to each item's customer under the item's key and source reference,
    each with its entry, lot (expiring as the program's validity says) and PointsEarned
    event.

    Guarantees: an item whose key already has an entry moves nothing (REPLAYED, with that
    entry); a credit that would cross the ceiling is left out (CEILING), an unknown
    customer reported (CUSTOMER_NOT_FOUND); balance = sum of entries = sum of open lots holds."""
    _check(posting, points, "points", 1, MAX_POINTS_PER_OPERATION)
    return await post_each(uow, posting, items, SAME_CREDIT, {"points": points})


async def remove_points_each(
    uow: UnitOfWork, posting: BulkPosting, items: Sequence[BulkItem], points: int
) -> list[ItemResult]:
    """Remove up to `points` from each item's customer, never below what holds reserve (so
    never below zero): one entry drawing from the open lots (soonest expiry first) and its
    PointsSpent event per customer who had spendable points, under the item's key.

    Each result says what was removed (`removed`) and the rest not removed (`not_removed`,
    as a refund records points it could not collect); a customer with no spendable points
    gets no entry (UNCHANGED, not_removed = points). A replayed key reports the first
    entry and its rest again; an item that removed nothing left no entry, so a later call
    under its key runs it anew (the caller's own record of the step, written in the same
    transaction, is what keeps it from running twice)."""
    _check(posting, points, "points", 1, MAX_POINTS_PER_OPERATION)
    return await post_each(uow, posting, items, REMOVE_UP_TO, {"points": points})


async def set_points_each(
    uow: UnitOfWork, posting: BulkPosting, items: Sequence[BulkItem], target: int
) -> list[ItemResult]:
    """Bring each item's customer's balance to exactly `target` with one entry: a credit
    of the difference (with its lot and PointsEarned) or a debit of it (drawing from lots,
    with PointsSpent); no entry when the balance is already `target` (UNCHANGED).

    "Balance" is the account's balance, held points included; what holds reserve is never
    removed, so a target below the held points brings the balance down to the held points
    and reports the rest in `not_removed` (the refund rule). A replayed key reports the
    first entry, whatever the balance became since."""
    _check(posting, target, "target", 0, BALANCE_CEILING)
    return await post_each(uow, posting, items, SET_TO, {"target": target})


def _check(posting: BulkPosting, value: int, name: str, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be within {low} and {high}, not {value}")
    if posting.kind in _OWN_WRITERS:
        raise ValueError(f"{posting.kind.value} entries are written by their own services")
