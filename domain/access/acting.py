"""Whom a call acts for: staff name the customer; a customer app acts for itself only."""

from __future__ import annotations

from domain.access.principals import CustomerPrincipal, Principal
from domain.customers.repository import customer_by
from domain.errors import NotAllowedError
from domain.uow import UnitOfWork


async def customer_acted_for(
    uow: UnitOfWork, caller: Principal, customer_id: str | None
) -> str | None:
    """The id of the customer a call acts for: the one staff name (None when they named
    none: the service reports it missing); a customer caller's own, looked up by its
    external reference. A customer naming another customer raises NotAllowedError."""
    if not isinstance(caller, CustomerPrincipal):
        return customer_id
    async with uow:
        own = await customer_by(uow, external_ref=caller.external_ref)
    if own is None or (customer_id is not None and customer_id.strip() != str(own.id)):
        raise NotAllowedError("A customer may act for itself only.")
    return str(own.id)
