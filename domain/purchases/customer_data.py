"""The purchases' part of a customer's data: their purchases with lines, line discounts and
refunds. An erasure keeps them (amounts and products are accounting records and name no
person)."""

from __future__ import annotations

from sqlalchemy import select

from domain.data_requests.parts import CustomerDataPart, Exported, rows_where
from domain.purchases.tables import purchase_line_discounts, purchase_lines, purchases, refunds
from domain.uow import UnitOfWork


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's purchases, their lines, line discounts and refunds."""
    theirs = select(purchases.c.id).where(purchases.c.customer_id == customer_id)
    return {
        "purchases": await rows_where(uow, purchases, purchases.c.customer_id == customer_id),
        "purchase_lines": await rows_where(
            uow, purchase_lines, purchase_lines.c.purchase_id.in_(theirs)
        ),
        "purchase_line_discounts": await rows_where(
            uow, purchase_line_discounts, purchase_line_discounts.c.customer_id == customer_id
        ),
        "refunds": await rows_where(uow, refunds, refunds.c.purchase_id.in_(theirs)),
    }


PART = CustomerDataPart(
    "purchases", (purchases, purchase_lines, purchase_line_discounts, refunds), export
)
