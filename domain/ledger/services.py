"""Manual adjustments, their preview, and reversals: each call is one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from domain.commands import Command, OneStatementCommand, run
from domain.customers.erased import customer_erased, refuse_erased
from domain.customers.sql import customer_erased_sql
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.events.types import LedgerEntryReversed
from domain.ledger import policy
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind, reversal_deltas
from domain.ledger.models import Account, LedgerEntry
from domain.ledger.queries import (
    entry_by_idempotency_key,
    get_account,
    get_entry,
    lot_opened_by,
)
from domain.uow import OneStatement, UnitOfWork
from domain.validation import check_points, note_text, optional_text, parse_id, required_text

# The source type of a manual entry made at a shop (its source_ref is the shop's code).
MANUAL_SOURCE_SHOP = "shop"


@dataclass(frozen=True)
class Movement:
    """A written (or replayed) entry and the customer's account right after it."""

    entry: LedgerEntry
    account: Account
    replayed: bool = False


@dataclass(frozen=True)
class AdjustmentPreview:
    customer_id: int
    current_balance: int
    projected_balance: int
    allowed: bool
    problems: tuple[Problem, ...]


async def adjust_points(
    uow: UnitOfWork,
    customer_id: str,
    points: int,
    note: str | None,
    idempotency_key: str | None,
    actor: str,
    shop: str | None = None,
) -> Movement:
    """Credit (points > 0) or debit (points < 0) a customer by hand, with a note, made at
    `shop` when given (a shop code as purchases name it; the entry's source is then
    ("shop", shop), so its PointsEarned / PointsSpent event carries it).

    Guarantees: writes one MANUAL entry or nothing; never overdraws; the same idempotency
    key replayed returns the first movement and writes nothing (a different customer or
    amount under a used key is an IDEMPOTENCY_CONFLICT). An erased customer earns nothing: a
    credit is refused (CUSTOMER_ERASED, checked by the credit's own statement); a debit
    stays possible (correcting an erased customer's account is accounting, as a refund or a
    reversal is)."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    check_points(problems, "points", points, signed=True)
    text_note = note_text(problems, "note", note)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    shop_code = optional_text(problems, "shop", shop, 100)
    problems.raise_if_any()
    posting = post.Posting.of(
        cid,
        points,
        EntryKind.MANUAL,
        actor,
        note=text_note,
        idempotency_key=f"manual:{key}",
        source_type=None if shop_code is None else MANUAL_SOURCE_SHOP,
        source_ref=shop_code,
    )
    return await run(uow, CreditByHand(posting) if points > 0 else DebitByHand(posting))


# A manual credit's condition: the customer was not erased (checked by the credit itself).
NOT_ERASED = post.CreditGuard(f"NOT {customer_erased_sql(':customer_id')}", customer_erased)


@dataclass(frozen=True)
class CreditByHand(OneStatementCommand[Movement]):
    """A manual credit: one statement (balance, entry, lot, event), no transaction, refused
    for an erased customer by the same statement."""

    posting: post.Posting

    async def handle(self, db: OneStatement) -> Movement:
        posted = await post.credit(db, self.posting, NOT_ERASED)
        return Movement(posted.entry(self.posting), posted.account(self.posting.customer_id))

    async def replay(self, uow: UnitOfWork) -> Movement | None:
        return await replayed_movement(uow, self.posting)


@dataclass(frozen=True)
class DebitByHand(OneStatementCommand[Movement]):
    """A manual debit: one call of ledger_debit (the guarded account update, then the entry
    drawing from lots, and its event), no transaction.

    The balance check runs before the key is seen: a retry of a debit that has since become
    unaffordable is refused by the policy, and the pipeline answers it with the first
    movement (replay) rather than the refusal; a retry that is still affordable meets the
    entry's unique key, and is answered the same way."""

    posting: post.Posting

    async def handle(self, db: OneStatement) -> Movement:
        posted = await post.debit(db, self.posting)
        return Movement(posted.entry(self.posting), posted.account(self.posting.customer_id))

    async def replay(self, uow: UnitOfWork) -> Movement | None:
        return await replayed_movement(uow, self.posting)


async def replayed_movement(uow: UnitOfWork, posting: post.Posting) -> Movement | None:
    """The movement written earlier under the posting's idempotency key (None: the key is
    unused); a key used for another customer or amount is an IDEMPOTENCY_CONFLICT."""
    assert posting.idempotency_key is not None
    entry = await entry_by_idempotency_key(uow, posting.idempotency_key)
    if entry is None:
        return None
    if entry.customer_id != posting.customer_id or entry.points != posting.points:
        raise DomainError.one(
            "idempotencyKey",
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This key was already used for a different movement.",
        )
    account = await get_account(uow, entry.customer_id)
    assert account is not None
    return Movement(entry=entry, account=account, replayed=True)


async def preview_adjustment(uow: UnitOfWork, customer_id: str, points: int) -> AdjustmentPreview:
    """The balance before and after a manual adjustment, and whether it would be allowed.

    Writes nothing. Allowed exactly when `adjust_points` would write it now (the same
    ledger policy: a debit takes only spendable points, a credit stays under the ceiling),
    and a refusal's problem is the one the write would report."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    problems.raise_if_any()
    async with uow:
        account = await get_account(uow, cid)
    if account is None:
        raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
    if points > 0:
        await refuse_erased(uow, cid)
    check_points(problems, "points", points, signed=True)
    if not problems.items:
        # The policy the write's guard is generated from: held points are not spendable.
        refused = policy.refusal(account.funds, policy.Change(points=points))
        if refused is not None:
            problems.items.append(refused)
    return AdjustmentPreview(
        customer_id=cid,
        current_balance=account.balance,
        projected_balance=account.balance + points,
        allowed=not problems.items,
        problems=tuple(problems.items),
    )


async def reverse_entry(uow: UnitOfWork, entry_id: str, note: str | None, actor: str) -> Movement:
    """Cancel a manual entry by writing a linked REVERSAL entry of the opposite sign.

    A credit's reversal takes its points back (from the lot it opened first) and is refused
    if that would overdraw; a debit's reversal returns the points to the lots they came
    from. An entry is reversed at most once; a reversal cannot itself be reversed."""
    problems = Problems()
    eid = parse_id(problems, "entryId", entry_id)
    text_note = note_text(problems, "note", note)
    problems.raise_if_any()
    return await run(uow, ReverseEntry(eid, text_note, actor))


@dataclass(frozen=True)
class ReverseEntry(Command[Movement]):
    """Reverse a manual entry once: the entry's own link (a unique constraint) refuses a
    second reversal, so there is no key to replay."""

    entry_id: int
    note: str
    actor: str

    async def handle(self, uow: UnitOfWork) -> Movement:
        original = await get_entry(uow, self.entry_id)
        if original is None:
            raise DomainError.one("entryId", ErrorCode.NOT_FOUND, "No such ledger entry.")
        if original.kind is EntryKind.REVERSAL:
            raise DomainError.one(
                "entryId", ErrorCode.NOT_REVERSIBLE, "A reversal cannot be reversed."
            )
        if original.kind is not EntryKind.MANUAL:
            # A purchase's points follow its order: reversing them here and refunding the
            # order later would take them back twice.
            raise DomainError.one(
                "entryId",
                ErrorCode.NOT_REVERSIBLE,
                f"A {original.kind.value} entry is corrected through its order "
                "(refundPurchase, or cancelRedemption before the sale), not reversed.",
            )
        if original.reversed_by_entry_id is not None:
            raise DomainError.one(
                "entryId", ErrorCode.ALREADY_REVERSED, "This entry has already been reversed."
            )
        posting, posted = await post_reversal(
            uow, original, self.note, self.actor, ("ledger_entry", str(original.id)), "entryId"
        )
        return Movement(posted.entry(posting), posted.account(original.customer_id))


async def post_reversal(
    uow: UnitOfWork,
    original: LedgerEntry,
    note: str,
    actor: str,
    source: tuple[str, str],
    field: str,
) -> tuple[post.Posting, post.Posted]:
    """Write the REVERSAL of `original` in the open unit of work, with its
    LedgerEntryReversed event: a credit's points are taken back (from the lot it opened
    first), a debit's given back to the lots they came from. A refusal (too few points, the
    ceiling) names `field`, the caller's input at fault."""
    earned, spent = reversal_deltas(original.kind, original.points)
    posting = post.Posting(
        customer_id=original.customer_id,
        points=-original.points,
        kind=EntryKind.REVERSAL,
        actor=actor,
        note=note,
        earned_delta=earned,
        spent_delta=spent,
        source_type=source[0],
        source_ref=source[1],
        reverses_entry_id=original.id,
        records_event=False,
    )
    try:
        if original.points > 0:
            lot = await lot_opened_by(uow, original.id)
            posted = await post.debit(uow, posting, preferred_lot_id=lot)
        else:
            posted = await post.credit_back(uow, posting)
    except DomainError as error:
        raise error.on_field(field) from error
    uow.record(
        LedgerEntryReversed(
            customer_id=original.customer_id,
            entry_id=original.id,
            reversal_entry_id=posted.entry_id,
            points=posting.points,
            balance_after=posted.balance_after,
        )
    )
    return posting, posted
