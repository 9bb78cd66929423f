"""Finding customers: by filter, by card code, by the shop's reference. Each call is one
read-only unit of work."""

from __future__ import annotations

from domain.customers import repository as repo
from domain.customers.models import Customer, CustomerFilter
from domain.customers.validation import filter_criteria
from domain.errors import Problems
from domain.pagination import Page
from domain.uow import UnitOfWork


async def find_customers(
    uow: UnitOfWork, filter: CustomerFilter, limit: int, after_id: int | None
) -> Page[Customer]:
    """A page of customers matching the filter, in registration order."""
    problems = Problems()
    criteria = filter_criteria(problems, filter, "filter")
    problems.raise_if_any()
    async with uow:
        return await repo.list_customers(uow, repo.filter_conditions(**criteria), limit, after_id)


async def customer_by_card(uow: UnitOfWork, card_code: str) -> Customer | None:
    """The customer whose card has this code (the till's barcode), if any."""
    async with uow:
        return await repo.customer_by(uow, card_code=card_code)


async def customer_by_external_ref(uow: UnitOfWork, external_ref: str) -> Customer | None:
    """The customer the shop knows by this reference (a customer token's subject), if any."""
    async with uow:
        return await repo.customer_by(uow, external_ref=external_ref)
