"""Whether a customer was erased, and the refusal of a write for one: an erased customer
earns, spends and is given nothing (docs/data-protection.md)."""

from __future__ import annotations

from sqlalchemy import select, text

from domain.customers.sql import CUSTOMER_ERASED
from domain.customers.tables import customers
from domain.errors import DomainError, ErrorCode
from domain.uow import OneStatement, UnitOfWork


def customer_erased(field: str = "customerId") -> DomainError:
    """The refusal of a write for an erased customer."""
    return DomainError.one(
        field, ErrorCode.CUSTOMER_ERASED, "This customer's data was erased (a data request)."
    )


async def customer_is_erased(uow: UnitOfWork, customer_id: int) -> bool:
    """Whether the customer was erased, in the open unit of work."""
    query = select(customers.c.erased_at).where(customers.c.id == customer_id)
    return (await uow.execute(query)).scalar_one_or_none() is not None


_IS_ERASED = text(f"SELECT {CUSTOMER_ERASED} AS erased")


async def refuse_erased(uow: UnitOfWork, customer_id: int, field: str = "customerId") -> None:
    """CUSTOMER_ERASED when the customer was erased, read as a statement of its own (a
    preview of a manual credit; the credit itself checks it in its own statement), on the
    driver as the one-statement writes read: a connection found dead (the database
    restarted) is replaced and the read run again."""
    async with OneStatement(uow.engine) as db:
        row = await db.fetch_row(_IS_ERASED, {"cid": customer_id})
    if row is not None and row["erased"]:
        raise customer_erased(field)
