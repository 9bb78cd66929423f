"""The ledger's part of a customer's data: their account, entries, lots and what each debit
drew from which lot. An erasure keeps every amount (accounting obligations: the ledger is
append-only) and changes one thing: the actor of the customer's own movements (a customer
token's, customer:<external ref>) becomes customer:erased, the only change of an entry the
database allows (migration 0048). A note is staff's text about the movement and stays."""

from __future__ import annotations

from sqlalchemy import select

from domain.data_requests.parts import (
    CustomerDataPart,
    Exported,
    erase_customer_actor,
    rows_where,
)
from domain.ledger.tables import ledger_entries, lot_allocations, point_accounts, point_lots
from domain.uow import UnitOfWork


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's account, ledger entries, lots and lot allocations."""
    entry_ids = select(ledger_entries.c.id).where(ledger_entries.c.customer_id == customer_id)
    return {
        "point_accounts": await rows_where(
            uow, point_accounts, point_accounts.c.customer_id == customer_id
        ),
        "ledger_entries": await rows_where(
            uow, ledger_entries, ledger_entries.c.customer_id == customer_id
        ),
        "point_lots": await rows_where(uow, point_lots, point_lots.c.customer_id == customer_id),
        "lot_allocations": await rows_where(
            uow, lot_allocations, lot_allocations.c.entry_id.in_(entry_ids)
        ),
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Replace the customer's own actor on their entries."""
    await uow.execute(erase_customer_actor(ledger_entries, customer_id))


PART = CustomerDataPart(
    "ledger", (point_accounts, ledger_entries, point_lots, lot_allocations), export, erase
)
