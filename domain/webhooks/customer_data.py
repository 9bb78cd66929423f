"""The outbound webhooks' part of a customer's data: the deliveries of their events to the
subscribed integrations (what was sent, when, with what answer). An erasure empties the
payloads of their deliveries (the events' data, which may name them) and gives up those
still pending, so that nothing about them leaves after the erasure but the CustomerErased
event itself (recorded by the erasure, delivered after it: the integrations learn to erase
their copy)."""

from __future__ import annotations

from sqlalchemy import case, literal, text, update

from domain.data_requests.parts import CustomerDataPart, Exported, rows_where
from domain.uow import UnitOfWork
from domain.webhooks.tables import webhook_deliveries


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    return {
        "webhook_deliveries": await rows_where(
            uow, webhook_deliveries, webhook_deliveries.c.customer_id == customer_id
        )
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    d = webhook_deliveries.c
    await uow.execute(
        update(webhook_deliveries)
        .where(d.customer_id == customer_id)
        .values(
            payload=text("'{}'::jsonb"),
            status=case((d.status == "PENDING", literal("FAILED")), else_=d.status),
            last_error=case((d.status == "PENDING", literal("erased")), else_=d.last_error),
            locked_until=None,
        )
    )


PART = CustomerDataPart("webhooks", (webhook_deliveries,), export, erase)
