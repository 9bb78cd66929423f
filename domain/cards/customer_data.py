"""The cards' part of a customer's data: their cards and current discounts. A card's code
identifies its holder at a till, so an erasure blocks the customer's active cards and
replaces every code of theirs by erased-<card id> (unique, as live codes must be); the
current discounts are amounts and stay."""

from __future__ import annotations

import dataclasses

from sqlalchemy import case, func, literal, update

from domain.cards import repository as repo
from domain.cards.models import CardStatus
from domain.cards.status import status_changed
from domain.cards.tables import cards, current_discounts
from domain.data_requests.parts import ERASED, CustomerDataPart, Exported, rows_where
from domain.uow import UnitOfWork

_ACTIVE = CardStatus.ACTIVE.value
_BLOCKED = CardStatus.BLOCKED.value


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's cards and current discounts."""
    return {
        "cards": await rows_where(
            uow, cards, cards.c.customer_id == customer_id, leave_out=("request_digest",)
        ),
        "current_discounts": await rows_where(
            uow, current_discounts, current_discounts.c.customer_id == customer_id
        ),
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Block the customer's active cards and replace all their codes (a CardStatusChanged
    event for each card blocked, naming it by its new code)."""
    before = (await repo.cards_of(uow, [customer_id])).get(customer_id, [])
    if not before:
        return
    active = cards.c.status == _ACTIVE
    await uow.execute(
        update(cards)
        .where(cards.c.customer_id == customer_id)
        .values(
            code=func.concat(f"{ERASED}-", cards.c.id),
            status=case((active, literal(_BLOCKED)), else_=cards.c.status),
            status_reason=case((active, literal(ERASED)), else_=cards.c.status_reason),
            status_changed_at=case((active, func.now()), else_=cards.c.status_changed_at),
        )
    )
    for card in before:
        if card.status is CardStatus.ACTIVE:
            erased = dataclasses.replace(card, code=f"{ERASED}-{card.id}")
            uow.record(status_changed(erased, CardStatus.BLOCKED, ERASED))


PART = CustomerDataPart("cards", (cards, current_discounts), export, erase)
