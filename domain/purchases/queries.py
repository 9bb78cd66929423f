"""Reading purchases: each call is one read-only unit of work."""

from __future__ import annotations

from domain.purchases import repository as repo
from domain.purchases.models import Purchase
from domain.uow import UnitOfWork


async def find_purchase(uow: UnitOfWork, purchase_id: int) -> Purchase | None:
    """A purchase as it is now, with its lines (refunded quantities included)."""
    async with uow:
        return await repo.get_purchase(uow, purchase_id)
