"""Customers and categories as the domain hands them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
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
    locale: str | None = None  # BCP 47, canonical: it-IT
    time_zone: str | None = None  # IANA: Europe/Rome
    birth_date: date | None = None
    # Set by an erasure (domain/data_requests): the personal fields above are anonymized.
    erased_at: datetime | None = None
    erased_by: str | None = None


class ConsentChannel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"

    @property
    def column(self) -> str:
        """The customers column holding the current consent to this channel."""
        return f"consent_{self.value.lower()}"


class ConsentSource(StrEnum):
    """Who or what changed a consent."""

    STAFF = "STAFF"  # createCustomer / updateCustomer
    CUSTOMER = "CUSTOMER"  # the customer itself (setMyConsent)
    STOP_KEYWORD = "STOP_KEYWORD"  # an inbound SMS: STOP, START...
    UNSUBSCRIBE_LINK = "UNSUBSCRIBE_LINK"  # an email's unsubscribe link


@dataclass(frozen=True)
class ConsentChange:
    """One change of a customer's consent to a channel, as recorded."""

    id: int
    customer_id: int
    channel: ConsentChannel
    granted: bool
    source: ConsentSource
    actor: str
    changed_at: datetime


class CategoryChangeReason(StrEnum):
    """Why a customer's category changed."""

    MANUAL = "MANUAL"  # set by hand: staff (setCustomerCategory) or a funnel's setCategory step
    RULE = "RULE"  # the tier rules placed the customer


@dataclass(frozen=True)
class CategoryHistoryEntry:
    """One change of a customer's category, as its CategoryChanged event recorded it."""

    id: int
    customer_id: int
    from_category_id: int
    to_category_id: int
    reason: CategoryChangeReason
    actor: str
    changed_at: datetime
    # The tier rules' measure and the customer's value of it (RULE only).
    measure: str | None = None
    value: int | None = None


@dataclass(frozen=True)
class CustomerFilter:
    """Selects customers; every given criterion must match. Balances are inclusive."""

    category_id: str | None = None
    min_balance: int | None = None
    max_balance: int | None = None
    search: str | None = None
    ids: tuple[str, ...] = field(default=())


# Fields a caller may set on create or update (the API's names map onto these). card_code
# is not a column: it sets the customer's primary card (domain.cards.replacement).
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
    "locale",
    "time_zone",
    "birth_date",
)
