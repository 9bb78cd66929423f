"""Registering and changing customers: each call is one command (domain.commands)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, insert, text, update
from sqlalchemy.exc import IntegrityError

from domain.actions.services import credit_registration
from domain.cards.replacement import set_primary_code
from domain.commands import Command, run
from domain.customers import repository as repo
from domain.customers.consent import lock_consent, record_consent_changes
from domain.customers.erased import customer_erased, customer_is_erased
from domain.customers.models import CUSTOMER_FIELDS, ConsentSource, Customer
from domain.customers.tables import customers
from domain.customers.validation import (
    MAX_ATTRIBUTES_BYTES,
    clean_customer_fields,
    duplicate,
    locale_region,
)
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import CustomerRegistered, CustomerUpdated
from domain.idempotency import Created, request_digest, require_same
from domain.ledger.accounts import open_account
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text


@dataclass(frozen=True)
class CustomerRequest:
    """What a registration asked for: its digest is kept beside its key."""

    fields: dict[str, Any]
    category_id: int | None


async def create_customer(
    uow: UnitOfWork,
    values: dict[str, Any],
    category_id: str | None,
    actor: str = "system",
    *,
    idempotency_key: str | None = None,
) -> Created[Customer]:
    """Register a customer in the given (or the default) category, with the REGISTRATION
    points when that action is configured and active (an ACTION entry in the same
    transaction), else a zero balance; a `card_code` given is issued as the customer's
    primary card (in the default POINTS series) in the same transaction.

    Under an idempotency key (which the API requires), the same key replayed (also
    concurrently) returns the first customer as it is now (replayed) and writes nothing,
    registration points included; with other fields it is an IDEMPOTENCY_CONFLICT. Without
    one, for callers in this process that never retry a call (the demo's seeding, benches,
    tests), every call registers a customer."""
    problems = Problems()
    key = (
        required_text(problems, "idempotencyKey", idempotency_key)
        if idempotency_key is not None
        else None
    )
    clean = clean_customer_fields(
        problems, {k: v for k, v in values.items() if k in CUSTOMER_FIELDS}
    )
    category = parse_id(problems, "categoryId", category_id) if category_id is not None else None
    problems.raise_if_any()
    return await run(uow, RegisterCustomer(CustomerRequest(clean, category), actor, key))


@dataclass(frozen=True)
class RegisterCustomer(Command[Created[Customer]]):
    """Write the customer, its account, its CustomerRegistered event and its registration
    points; under a key, once."""

    request: CustomerRequest
    actor: str
    key: str | None

    key_constraints = frozenset({"uq_customers_idempotency_key"})

    async def handle(self, uow: UnitOfWork) -> Created[Customer]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        category = self.request.category_id
        if category is None:
            category = await repo.default_category_id(uow)
        elif category not in await repo.categories_by_id(uow, [category]):
            raise DomainError.one("categoryId", ErrorCode.NOT_FOUND, "No such category.")
        fields = dict(self.request.fields)
        card_code = fields.pop("card_code", None)
        values = {
            **fields,
            "category_id": category,
            "idempotency_key": self.key,
            "request_digest": request_digest(self.request) if self.key is not None else None,
        }
        try:
            new_id = (
                await uow.execute(insert(customers).values(**values).returning(customers.c.id))
            ).scalar_one()
        except IntegrityError as error:
            raise duplicate(error) from error
        await open_account(uow, new_id)
        if card_code is not None:
            await set_primary_code(uow, new_id, card_code)
        # A consent given at registration is the first row of the customer's history.
        await record_consent_changes(
            uow, new_id, {}, self.request.fields, ConsentSource.STAFF, self.actor
        )
        uow.record(
            CustomerRegistered(
                customer_id=new_id,
                external_ref=self.request.fields.get("external_ref"),
                category_id=category,
            )
        )
        await credit_registration(uow, new_id, self.actor)
        customer = await repo.get_customer(uow, new_id)
        assert customer is not None
        return Created(customer)

    async def replay(self, uow: UnitOfWork) -> Created[Customer] | None:
        """The customer first registered under the key (as it is now), if any."""
        if self.key is None:
            return None
        found = await repo.customer_by_key(uow, self.key)
        if found is None:
            return None
        customer, first_digest = found
        require_same(first_digest, request_digest(self.request), "customer")
        return Created(customer, replayed=True)


async def update_customer(
    uow: UnitOfWork, customer_id: str, values: dict[str, Any], actor: str = "system"
) -> Customer:
    """Change the given fields of a customer; fields not given stay as they are. A new
    `card_code` replaces the primary card by a card with that code (issues one when there is
    none); None withdraws it (domain.cards.replacement.set_primary_code). A change of
    consent is recorded (source STAFF, by `actor`) when the value really changes. A
    phone in national format is read in the country of the locale given with it, else of
    the customer's stored locale."""
    problems = Problems()
    cid = parse_id(problems, "id", customer_id)
    wanted = {k: v for k, v in values.items() if k in CUSTOMER_FIELDS}
    region = None
    if not problems.items and "locale" not in wanted and _national(wanted.get("phone")):
        async with uow:
            stored = await repo.get_customer(uow, cid)
        region = locale_region(stored.locale) if stored is not None else None
    clean = clean_customer_fields(problems, wanted, region)
    problems.raise_if_any()
    return await run(uow, UpdateCustomer(cid, clean, actor))


def _national(phone: object) -> bool:
    """Whether a phone needs a country to be read (not +39..., not 0039...)."""
    return isinstance(phone, str) and not phone.strip().startswith(("+", "00"))


@dataclass(frozen=True)
class UpdateCustomer(Command[Customer]):
    """Set some fields of a customer, with a CustomerUpdated event naming them and a
    consent_changes row for each consent that changes; refused for an erased customer."""

    customer_id: int
    fields: dict[str, Any]
    actor: str = "system"

    async def handle(self, uow: UnitOfWork) -> Customer:
        if any(column in self.fields for column in ("consent_email", "consent_sms")):
            before = await lock_consent(uow, self.customer_id)
            if before is None:
                raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such customer.")
            await record_consent_changes(
                uow, self.customer_id, before, self.fields, ConsentSource.STAFF, self.actor
            )
        columns = {k: v for k, v in self.fields.items() if k != "card_code"}
        try:
            result = await uow.execute(
                update(customers)
                .where(customers.c.id == self.customer_id, customers.c.erased_at.is_(None))
                .values(**columns, updated_at=func.now())
                .returning(customers.c.id)
            )
        except IntegrityError as error:
            raise duplicate(error) from error
        if result.scalar_one_or_none() is None:
            if await customer_is_erased(uow, self.customer_id):
                raise customer_erased("id")  # no personal data comes back
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such customer.")
        if "card_code" in self.fields:
            await set_primary_code(uow, self.customer_id, self.fields["card_code"])
        if self.fields:
            uow.record(CustomerUpdated(customer_id=self.customer_id, fields=sorted(self.fields)))
        customer = await repo.get_customer(uow, self.customer_id)
        assert customer is not None
        return customer


_SET_ATTRIBUTE = text("""
    UPDATE customers c SET attributes = n.attributes, updated_at = now()
      FROM (SELECT id, CASE WHEN CAST(:value AS jsonb) IS NULL THEN attributes - :key
                            ELSE jsonb_set(attributes, ARRAY[:key], CAST(:value AS jsonb))
                       END AS attributes
              FROM customers WHERE id = ANY(CAST(:ids AS bigint[]))) n
     WHERE c.id = n.id AND octet_length(CAST(n.attributes AS text)) <= :max_bytes
    RETURNING c.id
""")


async def set_attribute_each(
    uow: UnitOfWork, customer_ids: Sequence[int], key: str, value: str | int | bool | None
) -> set[int]:
    """Set one custom attribute of many customers to a JSON scalar (None removes it), in one
    statement in the open unit of work; the ids of the customers changed. A customer whose
    attributes would outgrow MAX_ATTRIBUTES_BYTES is left as is (not in the result), as an
    update of theirs by the API would be refused."""
    if not customer_ids:
        return set()
    rows = await uow.execute(
        _SET_ATTRIBUTE,
        {
            "ids": list(customer_ids),
            "key": key,
            "value": None if value is None else orjson.dumps(value).decode(),
            "max_bytes": MAX_ATTRIBUTES_BYTES,
        },
    )
    return {row.id for row in rows}
