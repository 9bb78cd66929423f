"""Customers and categories as the domain hands them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class PointCategory:
    id: int
    name: str
    earn_multiplier: Decimal
    is_default: bool


@dataclass(frozen=True)
class Customer:
    id: int
    external_ref: str | None
    card_code: str | None
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    consent_email: bool
    consent_sms: bool
    category_id: int
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    # Set by hand: the tier rules leave the category alone until it is released.
    category_manual: bool = False


@dataclass(frozen=True)
class CustomerFilter:
    """Selects customers; every given criterion must match. Balances are inclusive."""

    category_id: str | None = None
    min_balance: int | None = None
    max_balance: int | None = None
    search: str | None = None
    ids: tuple[str, ...] = field(default=())


# Fields a caller may set on create or update (the API's names map onto these).
CUSTOMER_FIELDS = (
    "external_ref",
    "card_code",
    "email",
    "phone",
    "first_name",
    "last_name",
    "consent_email",
    "consent_sms",
    "attributes",
)
