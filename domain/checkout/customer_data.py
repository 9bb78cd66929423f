"""The checkout's part of a customer's data: their holds and redemptions (points paid at a
till); kept by an erasure (amounts, no person named), which releases their active holds
(nothing of an erased customer's stays pending at a till)."""

from __future__ import annotations

from domain.checkout.holds import release_holds_of
from domain.checkout.tables import holds, redemptions
from domain.data_requests.parts import CustomerDataPart, Exported, rows_where
from domain.uow import UnitOfWork


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's holds and redemptions."""
    return {
        "holds": await rows_where(uow, holds, holds.c.customer_id == customer_id),
        "redemptions": await rows_where(uow, redemptions, redemptions.c.customer_id == customer_id),
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Release the customer's active holds."""
    await release_holds_of(uow, customer_id)


PART = CustomerDataPart("checkout", (holds, redemptions), export, erase)
