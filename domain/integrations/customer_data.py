"""The integrations' part of a customer's data: which platform customer they are
(platform_customers) and the deliveries logged about them (integration_log). An erasure
forgets the link (the platform's id for them is theirs: a later order from the platform
finds nobody, and is ignored or registers a new customer as the shop chose) and empties the
reasons logged about them (a refusal's reason may quote what the platform sent)."""

from __future__ import annotations

from sqlalchemy import delete, update

from domain.data_requests.parts import CustomerDataPart, Exported, rows_where
from domain.integrations.tables import integration_log, platform_customers
from domain.uow import UnitOfWork


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    return {
        "platform_customers": await rows_where(
            uow, platform_customers, platform_customers.c.customer_id == customer_id
        ),
        "integration_log": await rows_where(
            uow, integration_log, integration_log.c.customer_id == customer_id
        ),
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    await uow.execute(
        delete(platform_customers).where(platform_customers.c.customer_id == customer_id)
    )
    await uow.execute(
        update(integration_log)
        .where(integration_log.c.customer_id == customer_id)
        .values(reason="")
    )


PART = CustomerDataPart("integrations", (platform_customers, integration_log), export, erase)
