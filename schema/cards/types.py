"""Card and card series GraphQL types, converted from domain objects at the edge."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.cards.models import Card, CardSeries, CardStatus, CardType, CheckDigit
from domain.errors import Problem
from schema.errors import UserError

if TYPE_CHECKING:
    from schema.customers.types import CustomerType

CardTypeEnum = strawberry.enum(
    CardType,
    name="CardType",
    description="What a card does: POINTS (earning and redemption), DISCOUNT (a percentage "
    "for its holder), CURRENT_DISCOUNT (each sale gives a discount on the next), PRIZE "
    "(collection towards rewards only).",
)
CardStatusEnum = strawberry.enum(
    CardStatus,
    name="CardStatus",
    description="Only an ACTIVE card is accepted; BLOCKED, LOST and REPLACED cards are "
    "refused with CARD_BLOCKED, CARD_LOST or CARD_REPLACED.",
)
CheckDigitEnum = strawberry.enum(
    CheckDigit,
    name="CardCheckDigit",
    description="How a series' codes end: NONE, EAN13 (13 digits) or LUHN (any length).",
)


@strawberry.type(name="Card", description="A card a customer holds.")
class CardObject:
    id: strawberry.ID
    code: str = strawberry.field(description="Barcode, magnetic stripe or chip number.")
    type: CardTypeEnum  # type: ignore[valid-type]
    status: CardStatusEnum  # type: ignore[valid-type]
    is_primary: bool = strawberry.field(description="The card `Customer.cardCode` answers.")
    series_id: strawberry.ID
    status_reason: str | None
    status_changed_at: datetime | None
    replaced_by_card_id: strawberry.ID | None
    issued_at: datetime
    customer_id: strawberry.Private[int]

    @classmethod
    def of(cls, c: Card) -> CardObject:
        return cls(
            id=strawberry.ID(str(c.id)),
            code=c.code,
            type=c.type,
            status=c.status,
            is_primary=c.is_primary,
            series_id=strawberry.ID(str(c.series_id)),
            status_reason=c.status_reason,
            status_changed_at=c.status_changed_at,
            replaced_by_card_id=strawberry.ID(str(c.replaced_by_card_id))
            if c.replaced_by_card_id
            else None,
            issued_at=c.issued_at,
            customer_id=c.customer_id,
        )


@strawberry.type(name="CardSeries", description="A kind of card and how its codes are made.")
class CardSeriesObject:
    id: strawberry.ID
    name: str
    type: CardTypeEnum  # type: ignore[valid-type]
    prefix: str
    check_digit: CheckDigitEnum  # type: ignore[valid-type]
    code_length: int | None = strawberry.field(
        description="Characters in a generated code, check digit included (EAN-13: 13); "
        "null: codes are given, not generated."
    )
    next_number: int = strawberry.field(description="The running number of the next code.")
    active: bool = strawberry.field(description="Whether cards are issued in it.")
    created_at: datetime

    @classmethod
    def of(cls, s: CardSeries) -> CardSeriesObject:
        return cls(
            id=strawberry.ID(str(s.id)),
            name=s.name,
            type=s.type,
            prefix=s.prefix,
            check_digit=s.check_digit,
            code_length=s.code_length,
            next_number=min(s.next_number, 2**31 - 1),
            active=s.active,
            created_at=s.created_at,
        )


@strawberry.type(
    name="CardLookup",
    description="What the till read: the card and its holder, and `refusal` when the card "
    "may not be used (BLOCKED, LOST, REPLACED: accept it only when refusal is null).",
)
class CardLookupObject:
    card: CardObject
    customer: Annotated[CustomerType, strawberry.lazy("schema.customers.types")] | None
    refusal: UserError | None = strawberry.field(
        description="Why the card is refused (code CARD_BLOCKED, CARD_LOST or CARD_REPLACED, "
        "its message naming the status and date); null for an ACTIVE card."
    )


def user_error(problem: Problem | None) -> UserError | None:
    if problem is None:
        return None
    return UserError(field=problem.field, code=problem.code, message=problem.message)
