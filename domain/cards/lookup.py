"""Reading cards: the card a code names (and whether the till may accept it), a customer's
cards, and each of many customers' cards at once (for the API's dataloaders)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.cards import repository as repo
from domain.cards.codes import clean_code
from domain.cards.models import Card
from domain.cards.refusals import refusal
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.uow import UnitOfWork
from domain.validation import parse_id


@dataclass(frozen=True)
class CardRead:
    """What a till's read of a code found: the card, and why it is refused (None: ACTIVE,
    accept it)."""

    card: Card
    refusal: Problem | None


async def read_card(uow: UnitOfWork, code: str, field: str = "code") -> CardRead:
    """The card a code names, with its refusal when it is not ACTIVE (CARD_BLOCKED,
    CARD_LOST, CARD_REPLACED naming its status and date); NOT_FOUND (raised) for a code
    no card has, INVALID / OUT_OF_RANGE for a code no card can have."""
    problems = Problems()
    clean = clean_code(problems, field, code)
    problems.raise_if_any()
    async with uow:
        card = await repo.card_read(uow, clean)
    if card is None:
        raise DomainError.one(field, ErrorCode.NOT_FOUND, "No card has this code.")
    error = refusal(card, field)
    return CardRead(card, error.problems[0] if error else None)


async def accepted_card(uow: UnitOfWork, code: str, field: str = "code") -> Card:
    """The ACTIVE card a code names; its refusal (or NOT_FOUND) raised otherwise."""
    found = await read_card(uow, code, field)
    if found.refusal is not None:
        raise DomainError([found.refusal])
    return found.card


async def customer_cards(uow: UnitOfWork, customer_id: str) -> list[Card]:
    """A customer's cards, primary first, then newest first (empty for an unknown id)."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    problems.raise_if_any()
    async with uow:
        return (await repo.cards_of(uow, [cid]))[cid]


async def cards_of(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, list[Card]]:
    """Each customer's cards, in one query (in the open unit of work)."""
    return await repo.cards_of(uow, customer_ids)


async def primary_cards(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, Card]:
    """Each customer's primary card, in one query (in the open unit of work)."""
    return await repo.primary_cards(uow, customer_ids)
