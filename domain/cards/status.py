"""A card's life: blocked and unblocked, reported lost (and found), made the primary card.
A REPLACED card is dead: nothing changes it again.

Locks: a change of a card's status takes that card's row lock. A change of a customer's
primary flag (an issue, a replacement, setPrimaryCard, the customer's cardCode) first takes
lock_customer_cards, the customer's row and then their cards, before any other card lock:
so such changes of one customer run one after another, each deciding from what the one
before committed, and never deadlock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update

from domain.cards import repository as repo
from domain.cards.codes import clean_code
from domain.cards.models import Card, CardStatus
from domain.cards.refusals import refusal, require_active
from domain.cards.tables import cards
from domain.commands import Command, run
from domain.customers.repository import lock_customer
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import CardStatusChanged
from domain.uow import UnitOfWork
from domain.validation import optional_text

MAX_REASON_LENGTH = 500

# The statuses each change may start from; the target status itself is a no-op.
_FROM = {
    CardStatus.BLOCKED: (CardStatus.ACTIVE,),
    CardStatus.LOST: (CardStatus.ACTIVE, CardStatus.BLOCKED),
    CardStatus.ACTIVE: (CardStatus.BLOCKED, CardStatus.LOST),
}


async def block_card(uow: UnitOfWork, code: str, reason: str | None) -> Card:
    """Block an ACTIVE card (the till refuses it with CARD_BLOCKED until unblocked)."""
    return await _change(uow, code, CardStatus.BLOCKED, reason)


async def report_lost(uow: UnitOfWork, code: str, reason: str | None) -> Card:
    """Mark an ACTIVE or BLOCKED card LOST (refused with CARD_LOST; replaceCard gives the
    customer a new one, unblockCard takes it back into use when found)."""
    return await _change(uow, code, CardStatus.LOST, reason)


async def unblock_card(uow: UnitOfWork, code: str, reason: str | None) -> Card:
    """Make a BLOCKED or LOST card ACTIVE again."""
    return await _change(uow, code, CardStatus.ACTIVE, reason)


async def _change(uow: UnitOfWork, code: str, to: CardStatus, reason: str | None) -> Card:
    problems = Problems()
    clean = clean_code(problems, "code", code)
    why = optional_text(problems, "reason", reason, MAX_REASON_LENGTH)
    problems.raise_if_any()
    return await run(uow, ChangeStatus(clean, to, why))


@dataclass(frozen=True)
class ChangeStatus(Command[Card]):
    """Move a card to `to` under its row lock, stamping status_changed_at; asking for the
    status it has changes nothing (a retried call is harmless)."""

    code: str
    to: CardStatus
    reason: str | None

    async def handle(self, uow: UnitOfWork) -> Card:
        card = await repo.card_read(uow, self.code, for_update=True)
        if card is None:
            raise DomainError.one("code", ErrorCode.NOT_FOUND, "No card has this code.")
        if card.status is self.to:
            return card
        if card.status not in _FROM[self.to]:
            error = refusal(card, "code")
            assert error is not None  # an ACTIVE card may always change
            raise error
        await uow.execute(
            update(cards)
            .where(cards.c.id == card.id)
            .values(status=self.to.value, status_reason=self.reason, status_changed_at=func.now())
        )
        changed = await repo.card_by_id(uow, card.id)
        assert changed is not None
        uow.record(status_changed(card, self.to, self.reason))
        return changed


def status_changed(
    card: Card, to: CardStatus, reason: str | None, replaced_by: str | None = None
) -> CardStatusChanged:
    """The event of `card` (as it was before) moving to `to`."""
    return CardStatusChanged(
        customer_id=card.customer_id,
        card_id=card.id,
        code=card.code,
        card_type=card.type.value,
        from_status=card.status.value,
        to_status=to.value,
        reason=reason,
        replaced_by_code=replaced_by,
    )


async def set_primary(uow: UnitOfWork, code: str) -> Card:
    """Make an ACTIVE card its customer's primary card (the one `cardCode` answers); the
    previous primary stays as it is, not primary."""
    problems = Problems()
    clean = clean_code(problems, "code", code)
    problems.raise_if_any()
    return await run(uow, SetPrimary(clean))


@dataclass(frozen=True)
class SetPrimary(Command[Card]):
    code: str

    async def handle(self, uow: UnitOfWork) -> Card:
        card = await lock_card_and_holder(uow, self.code)
        if card is None:
            raise DomainError.one("code", ErrorCode.NOT_FOUND, "No card has this code.")
        require_active(card, "code")
        await make_primary(uow, card)
        changed = await repo.card_by_id(uow, card.id)
        assert changed is not None
        return changed


async def make_primary(uow: UnitOfWork, card: Card) -> None:
    """Move the customer's primary flag onto `card` (the old one cleared first: one primary
    per customer), with the customer's cards locked (lock_card_and_holder)."""
    if card.is_primary:
        return
    await uow.execute(
        update(cards)
        .where(cards.c.customer_id == card.customer_id, cards.c.is_primary)
        .values(is_primary=False)
    )
    await uow.execute(update(cards).where(cards.c.id == card.id).values(is_primary=True))


async def lock_customer_cards(uow: UnitOfWork, customer_id: int) -> None:
    """Lock the customer's row, then their card rows in id order, until the transaction
    ends: changes of the primary flag queue here (see the module's docstring). The
    customer's row exists before their first card does, so two first cards issued at once
    queue too, and the second finds the first primary."""
    await lock_customer(uow, customer_id)
    await uow.execute(
        repo.CARD_ROWS.where(cards.c.customer_id == customer_id)
        .order_by(cards.c.id)
        .with_for_update()
    )


async def lock_card_and_holder(uow: UnitOfWork, code: str) -> Card | None:
    """The card a code names (as repo.card_read) as it is once its customer's cards are
    locked (lock_customer_cards), None for a code never issued. The customer is found by a
    read without a lock first: taking their lock after the card's could deadlock."""
    found = await repo.card_read(uow, code)
    if found is None:
        return None
    await lock_customer_cards(uow, found.customer_id)
    # Read again: it may have changed before the lock (a card never changes hands).
    return await repo.card_read(uow, code, for_update=True)
