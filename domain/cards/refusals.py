"""Why a card that is not ACTIVE is refused: one typed reason per status, naming the status,
its date and (when given) the reason, so the till can say it and never accepts it silently."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.cards.models import Card, CardStatus
from domain.errors import DomainError, ErrorCode

_CODES = {
    CardStatus.BLOCKED: ErrorCode.CARD_BLOCKED,
    CardStatus.LOST: ErrorCode.CARD_LOST,
    CardStatus.REPLACED: ErrorCode.CARD_REPLACED,
}
_SAID = {
    CardStatus.BLOCKED: "is blocked",
    CardStatus.LOST: "was reported lost",
    CardStatus.REPLACED: "was replaced by a new card",
}


def refusal(card: Card, field: str) -> DomainError | None:
    """The refusal of a card that may not be used (None for an ACTIVE card)."""
    return _refusal(card.code, card.status, card.status_reason, card.status_changed_at, field)


def _refusal(
    code: str, status: CardStatus, reason: str | None, changed_at: datetime | None, field: str
) -> DomainError | None:
    if status is CardStatus.ACTIVE:
        return None
    since = f" since {changed_at.date().isoformat()}" if changed_at else ""
    why = f": {reason}" if reason else ""
    # "Card 2900000000015 is blocked (BLOCKED since 2026-12-06): stolen wallet."
    message = f"Card {code} {_SAID[status]} ({status.value}{since}){why}."
    return DomainError.one(field, _CODES[status], message)


def require_read_card(row: Mapping[str, Any], field: str) -> None:
    """Raise the refusal of the card a statement read beside its customer (columns
    card_code, card_status, card_status_reason, card_status_changed_at of
    domain.cards.sql.CARD_READS) unless it is ACTIVE."""
    error = _refusal(
        row["card_code"],
        CardStatus(row["card_status"]),
        row["card_status_reason"],
        row["card_status_changed_at"],
        field,
    )
    if error is not None:
        raise error


def require_active(card: Card, field: str) -> None:
    """Raise the card's refusal unless it is ACTIVE."""
    error = refusal(card, field)
    if error is not None:
        raise error
