"""Given a customer's deliveries, some made before she was erased (their payloads emptied by
the erasure) and the CustomerErased event's made after, when staff redeliver them, then the
emptied ones are refused with CUSTOMER_ERASED (nothing is left to send) and the erasure's
own event goes again (the receiver must learn to erase its copy)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.data_requests.services import erase_customer
from domain.errors import DomainError, ErrorCode
from domain.uow import UnitOfWork
from domain.webhooks.log import redeliver
from tests.webhooks.support import customers_with_movements, dispatch_all, subscribe


async def test_an_erased_customers_emptied_deliveries_are_not_sent_again(
    clean_db: AsyncEngine,
) -> None:
    await subscribe(clean_db, "http://127.0.0.1:9/hooks",
                    types=("CUSTOMER_REGISTERED", "POINTS_EARNED", "CUSTOMER_ERASED"))  # fmt: skip
    (ann,) = await customers_with_movements(clean_db, 1, 1)
    await dispatch_all(clean_db)
    await erase_customer(UnitOfWork(clean_db), PARTS, ann, "staff:admin", "erase-ann")
    await dispatch_all(clean_db)
    async with clean_db.connect() as conn:
        found = await conn.execute(
            text("SELECT id, event_type FROM webhook_deliveries ORDER BY id")
        )
        deliveries = {row.event_type: row.id for row in found}
    assert set(deliveries) == {"CUSTOMER_REGISTERED", "POINTS_EARNED", "CUSTOMER_ERASED"}

    for kind in ("CUSTOMER_REGISTERED", "POINTS_EARNED"):
        with pytest.raises(DomainError) as refused:
            await redeliver(UnitOfWork(clean_db), str(deliveries[kind]), f"r-{kind}")
        (problem,) = refused.value.problems
        assert (problem.field, problem.code) == ("id", ErrorCode.CUSTOMER_ERASED)
    again = await redeliver(UnitOfWork(clean_db), str(deliveries["CUSTOMER_ERASED"]), "r-e")
    assert again.status.value == "PENDING"
