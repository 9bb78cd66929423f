"""Card series and cards as the domain hands them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CardType(StrEnum):
    """What a card does for its holder (a series' type, copied onto each of its cards)."""

    POINTS = "POINTS"
    DISCOUNT = "DISCOUNT"
    CURRENT_DISCOUNT = "CURRENT_DISCOUNT"
    PRIZE = "PRIZE"


class CardStatus(StrEnum):
    """Only an ACTIVE card is accepted; the others are refused with their reason."""

    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"
    LOST = "LOST"
    REPLACED = "REPLACED"


class CheckDigit(StrEnum):
    """How a series' codes end: no check digit, EAN-13's, or Luhn's (mod 10)."""

    NONE = "NONE"
    EAN13 = "EAN13"
    LUHN = "LUHN"


@dataclass(frozen=True)
class CardSeries:
    id: int
    name: str
    type: CardType
    prefix: str
    check_digit: CheckDigit
    code_length: int | None
    next_number: int
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Card:
    id: int
    customer_id: int
    series_id: int
    code: str
    type: CardType
    status: CardStatus
    is_primary: bool
    status_reason: str | None
    replaced_by_card_id: int | None
    issued_at: datetime
    status_changed_at: datetime | None
