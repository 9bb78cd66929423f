"""Replacing a card (lost, stolen, damaged) by a new one, and a customer's `cardCode` set
from the customer's own fields: the primary card issued, replaced or withdrawn."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update

from domain.cards import repository as repo
from domain.cards.codes import check_code, clean_code
from domain.cards.issuing import (
    insert_card,
    issue,
    issued,
    next_code,
    replay_card,
    require_unused,
)
from domain.cards.models import Card, CardStatus
from domain.cards.refusals import refusal
from domain.cards.status import (
    MAX_REASON_LENGTH,
    lock_card_and_holder,
    lock_customer_cards,
    status_changed,
)
from domain.cards.tables import cards
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest
from domain.uow import UnitOfWork
from domain.validation import optional_text, required_text


@dataclass(frozen=True)
class ReplaceRequest:
    lost_code: str
    new_code: str | None  # None: the series' next code
    reason: str | None = None


async def replace_card(
    uow: UnitOfWork,
    lost_code: str,
    new_code: str | None,
    reason: str | None = None,
    *,
    idempotency_key: str | None = None,
) -> Created[Card]:
    """Replace a card by a new one in one transaction: the old card becomes REPLACED
    (pointing at the new one) and its code is refused from then on; the new card is ACTIVE,
    of the old card's series and type, primary when the old one was. Balance, badges,
    vouchers and history are the customer's, so they stay where they are. Of concurrent
    replacements of one card exactly one succeeds, the others get CARD_REPLACED. Under an
    idempotency key (which the API requires) a replay returns the first new card."""
    problems = Problems()
    key = (
        required_text(problems, "idempotencyKey", idempotency_key)
        if idempotency_key is not None
        else None
    )
    lost = clean_code(problems, "lostCode", lost_code)
    new = clean_code(problems, "newCode", new_code) if new_code is not None else None
    why = optional_text(problems, "reason", reason, MAX_REASON_LENGTH)
    if new is not None and new == lost:
        problems.add("newCode", ErrorCode.DUPLICATE, "The new code is the replaced card's.")
    problems.raise_if_any()
    return await run(uow, ReplaceCard(ReplaceRequest(lost, new, why), key))


@dataclass(frozen=True)
class ReplaceCard(Command[Created[Card]]):
    request: ReplaceRequest
    key: str | None

    key_constraints = frozenset({"uq_cards_idempotency_key"})

    async def handle(self, uow: UnitOfWork) -> Created[Card]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        old = await lock_card_and_holder(uow, self.request.lost_code)
        if old is None:
            raise DomainError.one("lostCode", ErrorCode.NOT_FOUND, "No card has this code.")
        if old.status is CardStatus.REPLACED:
            error = refusal(old, "lostCode")
            assert error is not None
            raise error
        card = await replace(
            uow,
            old,
            self.request.new_code,
            key=self.key,
            digest=request_digest(self.request) if self.key is not None else None,
            field="newCode",
            reason=self.request.reason,
        )
        return Created(card)

    async def replay(self, uow: UnitOfWork) -> Created[Card] | None:
        return await replay_card(uow, self.key, request_digest(self.request), "card replacement")


async def replace(
    uow: UnitOfWork,
    old: Card,
    new_code: str | None,
    *,
    key: str | None = None,
    digest: str | None = None,
    field: str = "newCode",
    reason: str | None = None,
) -> Card:
    """In the open unit of work, with `old`'s customer's cards locked (lock_customer_cards):
    the new card, `old` REPLACED by it."""
    series = await repo.series_by_id(uow, old.series_id)
    assert series is not None
    if new_code is None:
        new_code = await next_code(uow, series.id, field)
    else:
        problems = Problems()
        check_code(problems, field, new_code, series.check_digit, series.code_length)
        problems.raise_if_any()
        await require_unused(uow, new_code, field)
    # The old card gives up its code and primary flag first (both unique among live cards).
    await uow.execute(
        update(cards)
        .where(cards.c.id == old.id)
        .values(
            status=CardStatus.REPLACED.value,
            is_primary=False,
            status_reason=reason or old.status_reason,
            status_changed_at=func.now(),
        )
    )
    new_id = await insert_card(
        uow,
        {
            "customer_id": old.customer_id,
            "series_id": old.series_id,
            "code": new_code,
            "type": old.type.value,
            "is_primary": old.is_primary,
            "idempotency_key": key,
            "request_digest": digest,
        },
        field,
    )
    await uow.execute(update(cards).where(cards.c.id == old.id).values(replaced_by_card_id=new_id))
    card = await repo.card_by_id(uow, new_id)
    assert card is not None
    uow.record(status_changed(old, CardStatus.REPLACED, reason or old.status_reason, card.code))
    uow.record(issued(card, replaces=old.code))
    return card


_WITHDRAWN = "Card code removed from the customer."


async def set_primary_code(uow: UnitOfWork, customer_id: int, code: str | None) -> None:
    """In the open unit of work, make `code` the customer's primary card (createCustomer's
    and updateCustomer's `cardCode`; problems name cardCode): the same code changes nothing;
    a new code issues the primary card (in the default POINTS series) or replaces the
    current primary card by it (same series); None withdraws the primary card (BLOCKED,
    no longer primary), so its code finds the customer no more."""
    await lock_customer_cards(uow, customer_id)
    primary = (
        await uow.execute(
            repo.CARD_ROWS.where(cards.c.customer_id == customer_id, cards.c.is_primary)
        )
    ).one_or_none()
    current = repo.card_of(primary) if primary else None
    if current is not None and current.code == code:
        return
    if code is None:
        if current is not None:
            await uow.execute(
                update(cards)
                .where(cards.c.id == current.id)
                .values(
                    status=CardStatus.BLOCKED.value,
                    is_primary=False,
                    status_reason=_WITHDRAWN,
                    status_changed_at=func.now(),
                )
            )
            if current.status is not CardStatus.BLOCKED:
                uow.record(status_changed(current, CardStatus.BLOCKED, _WITHDRAWN))
        return
    if current is None or current.status is CardStatus.REPLACED:
        await issue(uow, customer_id, None, code, primary=True, field="cardCode")
    else:
        await replace(uow, current, code, field="cardCode")
