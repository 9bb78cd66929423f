"""The rewards' part of a customer's data: the rewards they claimed (kept by an erasure, but
for the actor of their own claims: customer:erased)."""

from __future__ import annotations

from domain.data_requests.parts import (
    CustomerDataPart,
    Exported,
    erase_customer_actor,
    rows_where,
)
from domain.rewards.tables import reward_claims
from domain.uow import UnitOfWork


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's reward claims."""
    return {
        "reward_claims": await rows_where(
            uow, reward_claims, reward_claims.c.customer_id == customer_id
        )
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Replace the customer's own actor on their claims."""
    await uow.execute(erase_customer_actor(reward_claims, customer_id))


PART = CustomerDataPart("rewards", (reward_claims,), export, erase)
