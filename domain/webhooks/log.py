"""The delivery log staff read, and redelivery by hand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text

from domain.commands import Command, run
from domain.customers.erased import customer_erased, customer_is_erased
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import CustomerErased
from domain.pagination import Page
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text
from domain.webhooks.events import type_name
from domain.webhooks.models import Delivery, DeliveryStatus, delivery_of
from domain.webhooks.tables import webhook_deliveries

_ERASED_EVENT = type_name(CustomerErased.__name__)


async def redeliver(uow: UnitOfWork, delivery_id: str, idempotency_key: str) -> Delivery:
    """Send a delivery again, now, whatever its status, with a new retry window (its
    `webhook-id` stays the event's: receivers deduplicate). It is the head of its customer's
    deliveries again until it is delivered or given up. The same key replayed returns the
    delivery as it is and does nothing more. A delivery about a customer erased since is
    refused (CUSTOMER_ERASED: the erasure emptied its payload), but for the CustomerErased
    event itself, which tells the receiver to erase its copy."""
    problems = Problems()
    did = parse_id(problems, "id", delivery_id)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, Redeliver(did, key))


@dataclass(frozen=True)
class Redeliver(Command[Delivery]):
    delivery_id: int
    key: str

    async def handle(self, uow: UnitOfWork) -> Delivery:
        table = webhook_deliveries
        row = (
            await uow.execute(select(table).where(table.c.id == self.delivery_id).with_for_update())
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such webhook delivery.")
        if row.redelivery_key == self.key:
            return delivery_of(row)
        if (
            row.customer_id is not None
            and row.event_type != _ERASED_EVENT
            and await customer_is_erased(uow, row.customer_id)
        ):
            raise customer_erased("id")  # its payload was emptied: nothing to send again
        row = (
            await uow.execute(
                text("""
                    UPDATE webhook_deliveries
                       SET status = 'PENDING', next_attempt_at = clock_timestamp(),
                           retry_from = clock_timestamp(), locked_until = NULL,
                           redelivery_key = :key
                     WHERE id = :id
                    RETURNING *
                """),
                {"id": self.delivery_id, "key": self.key},
            )
        ).one()
        return delivery_of(row)


@dataclass(frozen=True)
class DeliveryFilter:
    subscription_id: int | None = None
    status: DeliveryStatus | None = None


async def list_deliveries(
    uow: UnitOfWork, limit: int, after_id: int | None, where: DeliveryFilter
) -> Page[Delivery]:
    """The delivery log, newest first, `limit` a page after the delivery `after_id`."""
    table = webhook_deliveries
    query = select(table).order_by(table.c.id.desc()).limit(limit + 1)
    if after_id is not None:
        query = query.where(table.c.id < after_id)
    if where.subscription_id is not None:
        query = query.where(table.c.subscription_id == where.subscription_id)
    if where.status is not None:
        query = query.where(table.c.status == where.status.value)
    async with uow:
        rows = (await uow.execute(query)).all()
    return Page.from_rows([delivery_of(r) for r in rows], limit)
