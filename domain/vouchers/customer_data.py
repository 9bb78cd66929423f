"""The vouchers' part of a customer's data: the vouchers assigned to them and their uses.
An erasure keeps them (a voucher code is the shop's bearer token, not the person's), but for
the actor of the customer's own uses: customer:erased."""

from __future__ import annotations

from domain.data_requests.parts import (
    CustomerDataPart,
    Exported,
    erase_customer_actor,
    rows_where,
)
from domain.uow import UnitOfWork
from domain.vouchers.tables import voucher_redemptions, vouchers


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's vouchers and voucher uses."""
    return {
        "vouchers": await rows_where(
            uow, vouchers, vouchers.c.customer_id == customer_id, leave_out=("issue_key",)
        ),
        "voucher_redemptions": await rows_where(
            uow, voucher_redemptions, voucher_redemptions.c.customer_id == customer_id
        ),
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Replace the customer's own actor on their voucher uses."""
    await uow.execute(erase_customer_actor(voucher_redemptions, customer_id))


PART = CustomerDataPart("vouchers", (vouchers, voucher_redemptions), export, erase)
