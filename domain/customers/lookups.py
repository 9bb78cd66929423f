"""Finding customers: by filter, by card code, by the shop's reference. Each call is one
read-only unit of work."""

from __future__ import annotations

from domain.cards.lookup import accepted_card
from domain.customers import repository as repo
from domain.customers.models import Customer, CustomerFilter
from domain.customers.validation import filter_criteria
from domain.errors import DomainError, ErrorCode, Problems
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
    """The customer holding an ACTIVE card with this code (the till's barcode, any of the
    customer's cards); None for a code no card has. A card that is not ACTIVE is refused:
    its CARD_BLOCKED / CARD_LOST / CARD_REPLACED is raised, never a customer."""
    try:
        card = await accepted_card(uow, card_code)
    except DomainError as error:
        if error.problems[0].code is ErrorCode.NOT_FOUND:
            return None
        raise
    async with uow:
        return await repo.get_customer(uow, card.customer_id)


async def customer_by_email(uow: UnitOfWork, email: str) -> Customer | None:
    """The customer registered first with this email (compared case-insensitively), if any:
    emails are not unique, so an integration matching a platform's customer by email takes
    the oldest holder."""
    async with uow:
        return await repo.customer_by_email(uow, email)


async def customer_by_external_ref(uow: UnitOfWork, external_ref: str) -> Customer | None:
    """The customer the shop knows by this reference (a customer token's subject), if any."""
    async with uow:
        return await repo.customer_by(uow, external_ref=external_ref)
