"""The badges' part of a customer's data: the badges they hold and every change of them
(kept by an erasure: derived from the balance, no person named)."""

from __future__ import annotations

from domain.badges.tables import badge_changes, customer_badges
from domain.data_requests.parts import CustomerDataPart, Exported, rows_where
from domain.uow import UnitOfWork


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's badges and badge changes."""
    return {
        "customer_badges": await rows_where(
            uow, customer_badges, customer_badges.c.customer_id == customer_id
        ),
        "badge_changes": await rows_where(
            uow, badge_changes, badge_changes.c.customer_id == customer_id
        ),
    }


PART = CustomerDataPart("badges", (customer_badges, badge_changes), export)
