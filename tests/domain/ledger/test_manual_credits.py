"""Given a customer with points, when points are credited by hand, then the credit is one
round trip to PostgreSQL, its erasure check included; and once the customer is erased a
credit is refused as CUSTOMER_ERASED and writes nothing, while a retry of a credit made
before the erasure still answers with the first movement, and a debit stays possible."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.customers.services import create_customer
from domain.data_requests.services import erase_customer
from domain.errors import DomainError, ErrorCode
from domain.ledger.services import adjust_points, preview_adjustment
from domain.ledger.tables import ledger_entries
from domain.uow import UnitOfWork
from tests.support.round_trips import counting_engine


async def test_a_manual_credit_is_one_round_trip(database_url: str, clean_db: AsyncEngine) -> None:
    async with counting_engine(database_url) as (engine, trips):
        uow = UnitOfWork(engine)
        cid = str((await create_customer(uow, {}, None)).item.id)
        for n in range(2):  # the first round prepares the statement
            credit_trips, movement = await trips.of(
                adjust_points(uow, cid, 25, "by hand", f"rt-credit-{n}", "t")
            )
            credit_log = trips.describe()
    assert movement.account.balance == 50
    assert credit_trips == 1, credit_log


async def test_an_erased_customer_is_refused_a_credit_in_the_credit_itself(
    clean_db: AsyncEngine,
) -> None:
    uow = UnitOfWork(clean_db)
    cid = str((await create_customer(uow, {}, None)).item.id)
    first = await adjust_points(uow, cid, 100, "before", "before-erasure", "t")
    await erase_customer(uow, PARTS, cid, "dpo", "erase-1")

    with pytest.raises(DomainError) as refused:
        await adjust_points(uow, cid, 10, "after", "after-erasure", "t")
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("customerId", ErrorCode.CUSTOMER_ERASED)
    ]
    with pytest.raises(DomainError) as previewed:
        await preview_adjustment(uow, cid, 10)
    assert [p.code for p in previewed.value.problems] == [ErrorCode.CUSTOMER_ERASED]

    again = await adjust_points(uow, cid, 100, "before", "before-erasure", "t")
    assert again.replayed and again.entry.id == first.entry.id
    debited = await adjust_points(uow, cid, -30, "correction", "after-erasure-debit", "t")
    assert debited.account.balance == 70

    async with clean_db.connect() as conn:
        entries = await conn.scalar(
            select(func.count()).where(ledger_entries.c.customer_id == int(cid))
        )
    assert entries == 2  # the first credit and the debit: the refused credit wrote nothing
