"""Card and card series inputs."""

from __future__ import annotations

import strawberry

from schema.cards.types import CardTypeEnum, CheckDigitEnum


@strawberry.input(description="A card for a customer: its code given, or the series' next one.")
class IssueCardInput:
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first card and writes nothing."
    )
    customer_id: strawberry.ID
    series_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the oldest active POINTS series."
    )
    code: str | None = strawberry.field(
        default=None,
        description="As printed on the card, checked against the series' check digit and "
        "code length; null: the series' next code.",
    )
    primary: bool = strawberry.field(
        default=False,
        description="Make it the customer's primary card (a customer's first card always is).",
    )


@strawberry.input(
    description="A change of a card's status; the reason is kept as its statusReason (any "
    "change, unblocking too) and shown at the till while the card is refused."
)
class CardStatusInput:
    code: str
    reason: str | None = None


@strawberry.input(
    description="Replace a card (lost, stolen, damaged) by a new one; the old code is refused "
    "from then on."
)
class ReplaceCardInput:
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first new card and writes nothing."
    )
    lost_code: str
    new_code: str | None = strawberry.field(
        default=None,
        description="Typed or scanned, checked against the series' check digit and code "
        "length; null: the series' next code.",
    )
    reason: str | None = None


@strawberry.input
class SetPrimaryCardInput:
    code: str


@strawberry.input
class CreateCardSeriesInput:
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first series and writes nothing."
    )
    name: str
    type: CardTypeEnum  # type: ignore[valid-type]
    prefix: str = ""
    check_digit: CheckDigitEnum = strawberry.field(  # type: ignore[valid-type]
        default=CheckDigitEnum.NONE
    )
    code_length: int | None = strawberry.field(
        default=None,
        description="Characters in a generated code, check digit included (EAN-13: 13, the "
        "default); null: codes are given, not generated.",
    )
    active: bool = True


@strawberry.input(description="Fields left out (or null) stay as they are; the type never changes.")
class UpdateCardSeriesInput:
    id: strawberry.ID
    name: str | None = None
    prefix: str | None = None
    check_digit: CheckDigitEnum | None = None  # type: ignore[valid-type]
    code_length: int | None = None
    active: bool | None = None
