"""Customer and category inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain.customers.models import CustomerFilter
from schema.customers.types import ConsentChannelEnum
from schema.scalars import JSON


@strawberry.input(
    name="CustomerFilter", description="Every given criterion must match; balances are inclusive."
)
class CustomerFilterInput:
    category_id: strawberry.ID | None = None
    min_balance: int | None = None
    max_balance: int | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the name, email, phone, card code or external ref."
    )

    def to_domain(self) -> CustomerFilter:
        return CustomerFilter(
            category_id=self.category_id,
            min_balance=self.min_balance,
            max_balance=self.max_balance,
            search=self.search,
        )


@strawberry.input
class CreateCustomerInput:
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first customer and writes nothing."
    )
    external_ref: str | None = None
    card_code: str | None = None
    email: str | None = None
    phone: str | None = strawberry.field(
        default=None,
        description="International (+39 340 123 4567), or national when locale has a country; "
        "stored in E.164.",
    )
    first_name: str | None = None
    last_name: str | None = None
    locale: str | None = strawberry.field(default=None, description="BCP 47: it-IT.")
    time_zone: str | None = strawberry.field(default=None, description="IANA: Europe/Rome.")
    birth_date: date | None = None
    consent_email: bool = False
    consent_sms: bool = False
    category_id: strawberry.ID | None = None
    attributes: JSON | None = None


@strawberry.input(description="Fields left out stay as they are; null clears a field.")
class UpdateCustomerInput:
    id: strawberry.ID
    external_ref: str | None = strawberry.UNSET
    card_code: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    locale: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    birth_date: date | None = strawberry.UNSET
    consent_email: bool | None = strawberry.UNSET
    consent_sms: bool | None = strawberry.UNSET
    attributes: JSON | None = strawberry.UNSET


@strawberry.input(description="Give customerIds or a filter (the customers list's filter).")
class SetCustomerCategoryInput:
    category_id: strawberry.ID
    customer_ids: list[strawberry.ID] | None = None
    filter: CustomerFilterInput | None = None


@strawberry.input
class CreatePointCategoryInput:
    name: str
    earn_multiplier: Decimal
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first category and writes nothing."
    )
    is_default: bool = False


@strawberry.input
class UpdatePointCategoryInput:
    id: strawberry.ID
    name: str | None = None
    earn_multiplier: Decimal | None = None
    is_default: bool | None = None


@strawberry.input(description="A customer's change of its own consent to one channel.")
class SetMyConsentInput:
    channel: ConsentChannelEnum  # type: ignore[valid-type]
    granted: bool
