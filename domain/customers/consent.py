"""Consent per channel and its history: every change of a customer's consent is a
consent_changes row (channel, granted, source, actor, time) written in the transaction that
changes customers.consent_email / consent_sms, and only when the value really changes.

Staff change consent through createCustomer / updateCustomer (services.py, which call
`record_consent_changes`); the customer itself through setMyConsent (`set_own_consent`);
the unsubscribe link through `change_consent`, an inbound SMS keyword (STOP, START) through
`change_consent_by_phone`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import BigInteger, any_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from domain.commands import Command, run
from domain.customers import repository as repo
from domain.customers.erased import customer_erased, customer_is_erased
from domain.customers.models import ConsentChange, ConsentChannel, ConsentSource, Customer
from domain.customers.tables import consent_changes, customers
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import CustomerUpdated
from domain.pagination import Page, pages_per_owner
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text

E = TypeVar("E", ConsentChannel, ConsentSource)

# The customers columns holding the current consent, by channel.
CONSENT_COLUMNS = {channel.column: channel for channel in ConsentChannel}


async def lock_consent(uow: UnitOfWork, customer_id: int) -> dict[str, bool] | None:
    """The customer's current consent by column (consent_email, consent_sms), its row
    locked until the transaction ends (so two changes are recorded one after the other);
    None when there is no such customer."""
    query = (
        select(*(customers.c[column] for column in CONSENT_COLUMNS))
        .where(customers.c.id == customer_id)
        .with_for_update()
    )
    row = (await uow.execute(query)).one_or_none()
    return dict(row._mapping) if row is not None else None


async def record_consent_changes(
    uow: UnitOfWork,
    customer_id: int,
    before: Mapping[str, bool],
    after: Mapping[str, Any],
    source: ConsentSource,
    actor: str,
) -> list[str]:
    """Write a consent_changes row for each consent column whose value in `after` differs
    from `before` (a column missing from `after` is unchanged); the changed columns. Call
    it in the transaction that writes `after`, with the customer's row locked."""
    changed = [
        column
        for column in CONSENT_COLUMNS
        if column in after and bool(after[column]) != before.get(column, False)
    ]
    rows = [
        {
            "customer_id": customer_id,
            "channel": CONSENT_COLUMNS[column].value,
            "granted": bool(after[column]),
            "source": source.value,
            "actor": actor,
            # The clock, not the transaction's start: with the row locked, the order of the
            # times is the order of the changes (and of their ids).
            "changed_at": func.clock_timestamp(),
        }
        for column in changed
    ]
    if rows:
        await uow.execute(insert(consent_changes).values(rows))
    return changed


async def current_consent(uow: UnitOfWork, customer_id: int) -> dict[ConsentChannel, bool] | None:
    """The customer's consent to each channel now (one read, in its own unit of work); None
    when there is no such customer. A sender asks it just before sending."""
    return (await current_consents(uow, [customer_id])).get(customer_id)


async def current_consents(
    uow: UnitOfWork, customer_ids: Collection[int]
) -> dict[int, dict[ConsentChannel, bool]]:
    """Several customers' consent to each channel now, in one read (its own unit of work);
    a customer that does not exist is left out. A sender of a batch asks it just before
    sending."""
    if not customer_ids:
        return {}
    async with uow:
        return await consents_in(uow, customer_ids)


async def consents_in(
    uow: UnitOfWork, customer_ids: Collection[int]
) -> dict[int, dict[ConsentChannel, bool]]:
    """As current_consents, in the open unit of work (the dry run of a funnel reads them
    for a cohort of up to tens of thousands of customers at a time)."""
    if not customer_ids:
        return {}
    # One array parameter (not IN with a parameter per id): the same prepared statement
    # serves every batch size.
    ids = bindparam("ids", sorted(set(customer_ids)), type_=ARRAY(BigInteger))
    query = select(customers.c.id, *(customers.c[column] for column in CONSENT_COLUMNS)).where(
        customers.c.id == any_(ids)
    )
    rows = (await uow.execute(query)).all()
    return {
        row.id: {channel: bool(row._mapping[column]) for column, channel in CONSENT_COLUMNS.items()}
        for row in rows
    }


async def change_consent(
    uow: UnitOfWork,
    customer_id: str | int,
    channel: ConsentChannel | str,
    granted: bool,
    source: ConsentSource | str,
    actor: str,
) -> Customer:
    """Set a customer's consent to a channel, recording the change with its source and
    actor; setting the value it already has writes nothing (so a retried call, a second
    STOP, a second click on an unsubscribe link, are harmless). NOT_FOUND on `customerId`
    for an unknown customer."""
    problems = Problems()
    cid = parse_id(problems, "customerId", str(customer_id))
    the_channel = _enum(problems, "channel", ConsentChannel, channel)
    the_source = _enum(problems, "source", ConsentSource, source)
    who = required_text(problems, "actor", actor)
    if not isinstance(granted, bool):
        problems.add("granted", ErrorCode.REQUIRED, "Give true or false.")
    problems.raise_if_any()
    assert the_channel is not None and the_source is not None
    return await run(uow, ChangeConsent(cid, the_channel, granted, the_source, who))


async def set_own_consent(
    uow: UnitOfWork, external_ref: str, channel: ConsentChannel, granted: bool
) -> Customer:
    """A customer's change of its own consent (a customer token's subject is its external
    reference): recorded with source CUSTOMER and the customer as actor."""
    async with uow:
        own = await repo.customer_by(uow, external_ref=external_ref)
    if own is None:
        raise DomainError.one("customer", ErrorCode.NOT_FOUND, "No customer for this token.")
    return await change_consent(
        uow, own.id, channel, granted, ConsentSource.CUSTOMER, f"customer:{external_ref}"
    )


@dataclass(frozen=True)
class ChangeConsent(Command[Customer]):
    """Set one channel's consent under the customer's row lock; a history row and a
    CustomerUpdated event only when it changes. No consent is granted to an erased
    customer."""

    customer_id: int
    channel: ConsentChannel
    granted: bool
    source: ConsentSource
    actor: str

    async def handle(self, uow: UnitOfWork) -> Customer:
        before = await lock_consent(uow, self.customer_id)
        if before is None:
            raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
        if self.granted and await customer_is_erased(uow, self.customer_id):
            raise customer_erased()  # withdrawing one (already withdrawn) stays harmless
        after = {self.channel.column: self.granted}
        changed = await record_consent_changes(
            uow, self.customer_id, before, after, self.source, self.actor
        )
        if changed:
            await uow.execute(
                update(customers)
                .where(customers.c.id == self.customer_id)
                .values(**after, updated_at=func.now())
            )
            uow.record(CustomerUpdated(customer_id=self.customer_id, fields=changed))
        customer = await repo.get_customer(uow, self.customer_id)
        assert customer is not None
        return customer


async def change_consent_by_phone(
    uow: UnitOfWork,
    phone: str,
    channel: ConsentChannel,
    granted: bool,
    source: ConsentSource,
    actor: str,
) -> list[int]:
    """Set the consent to `channel` of every customer whose phone is `phone` (E.164, as an
    inbound SMS names its sender: a family may share a number), recording each change as
    `change_consent` does; the ids of the customers whose consent changed (none when no
    customer has this phone, or all already had this value)."""
    problems = Problems()
    number = required_text(problems, "phone", phone, 32)
    who = required_text(problems, "actor", actor)
    problems.raise_if_any()
    return await run(uow, ChangeConsentByPhone(number, channel, granted, source, who))


@dataclass(frozen=True)
class ChangeConsentByPhone(Command[list[int]]):
    """The phone's customers locked in id order (as every consent change locks one), then
    each one's change under its lock."""

    phone: str
    channel: ConsentChannel
    granted: bool
    source: ConsentSource
    actor: str

    async def handle(self, uow: UnitOfWork) -> list[int]:
        locked = (
            select(customers.c.id, *(customers.c[column] for column in CONSENT_COLUMNS))
            .where(customers.c.phone == self.phone)
            .order_by(customers.c.id)
            .with_for_update()
        )
        changed_ids: list[int] = []
        after = {self.channel.column: self.granted}
        for row in (await uow.execute(locked)).all():
            before = {column: row._mapping[column] for column in CONSENT_COLUMNS}
            changed = await record_consent_changes(
                uow, row.id, before, after, self.source, self.actor
            )
            if changed:
                changed_ids.append(row.id)
                uow.record(CustomerUpdated(customer_id=row.id, fields=changed))
        if changed_ids:
            await uow.execute(
                update(customers)
                .where(customers.c.id.in_(changed_ids))
                .values(**after, updated_at=func.now())
            )
        return changed_ids


async def consent_histories(
    uow: UnitOfWork, customer_ids: Sequence[int], limit: int, after_id: int | None = None
) -> dict[int, Page[ConsentChange]]:
    """Several customers' consent changes, newest first, `limit` each after the change
    `after_id`, in one query."""
    found = await pages_per_owner(
        uow,
        customer_ids,
        select(consent_changes),
        consent_changes.c.customer_id,
        consent_changes.c.id,
        limit,
        after_id,
    )
    return {
        cid: Page.from_rows([_change(row) for row in rows], limit) for cid, rows in found.items()
    }


def _change(row: Any) -> ConsentChange:
    return ConsentChange(
        id=row.id,
        customer_id=row.customer_id,
        channel=ConsentChannel(row.channel),
        granted=row.granted,
        source=ConsentSource(row.source),
        actor=row.actor,
        changed_at=row.changed_at,
    )


def _enum(problems: Problems, field: str, kind: type[E], value: E | str) -> E | None:
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(member.value for member in kind)
        problems.add(field, ErrorCode.INVALID, f"One of {names}.")
        return None
