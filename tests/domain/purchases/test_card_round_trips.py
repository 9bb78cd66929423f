"""Given a connection that has run each write once (its statements prepared), when a new
order is recorded by the code of any of the customer's cards, then it takes the round trips
an order by customer id takes (two: one statement reads the card, the customer and the
rules; one writes), and a refused card (lost) is refused by that first read, writing
nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cards.issuing import issue_card
from domain.cards.status import report_lost
from domain.customers.services import create_customer
from domain.errors import DomainError, ErrorCode
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.services import PurchaseReport, record_purchase
from domain.uow import UnitOfWork
from tests.support.round_trips import counting_engine


def order(order_id: str, card: str) -> PurchaseReport:
    return PurchaseReport(
        order_id=order_id,
        status=PurchaseStatus.PAID,
        lines=[Line("A", 1, 1000)],
        card_code=card,
    )


async def test_a_purchase_by_a_second_card_costs_what_one_by_id_does_and_a_refusal_writes_nothing(
    database_url: str, clean_db: AsyncEngine
) -> None:
    async with counting_engine(database_url) as (engine, trips):
        uow = UnitOfWork(engine)
        cid = (await create_customer(uow, {"card_code": "RT-MAIN"}, None)).item.id
        await issue_card(uow, str(cid), None, "RT-SECOND")
        await issue_card(uow, str(cid), None, "RT-LOST")
        await report_lost(uow, "RT-LOST", "lost")
        for n in range(2):  # the first round prepares the statements
            by_id = PurchaseReport(
                order_id=f"RT-ID-{n}",
                status=PurchaseStatus.PAID,
                lines=[Line("A", 1, 1000)],
                customer_id=str(cid),
            )
            id_count, _ = await trips.of(record_purchase(uow, by_id, "t"))
            count, recorded = await trips.of(
                record_purchase(uow, order(f"RT-{n}", "RT-SECOND"), "t")
            )
            log = trips.describe()
            with pytest.raises(DomainError) as refused:
                await trips.of(record_purchase(uow, order(f"RT-L-{n}", "RT-LOST"), "t"))
            refusal_log = trips.describe()
    assert recorded.purchase.customer_id == cid and recorded.points_awarded == 10
    assert count == id_count == 2, log
    assert log.splitlines()[0].startswith("bind_execute: SELECT c.id"), log
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("cardCode", ErrorCode.CARD_LOST)
    ]
    # The refusal comes from the first read; nothing is written (the replay check that any
    # refused write makes reads only)
    assert refusal_log.splitlines()[0].startswith("bind_execute: SELECT c.id")
    assert "INSERT" not in refusal_log, refusal_log
