"""Customer and category queries."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.access.principals import CustomerPrincipal
from domain.customers import lookups
from domain.customers.categories import list_categories
from domain.errors import DomainError, Problems
from domain.validation import parse_id
from schema.context import Info
from schema.customers.inputs import CustomerFilterInput
from schema.customers.types import CustomerType, PointCategoryType
from schema.errors import query_error
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import IsCustomer, requires


def _customer_id(raw: str) -> int:
    problems = Problems()
    value = parse_id(problems, "id", raw)
    if problems.items:
        raise query_error(DomainError(problems.items))
    return value


@strawberry.type
class CustomerQueries:
    @strawberry.field(permission_classes=[requires(Permission.VIEW_CUSTOMERS)])
    async def customer(self, info: Info, id: strawberry.ID) -> CustomerType | None:
        found = await info.context.loaders.customer.load(_customer_id(id))
        return CustomerType.of(found) if found else None

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_CUSTOMERS)],
        description="Look a customer up by the barcode of any of its ACTIVE cards (at the "
        "till); null for a code no card has. A BLOCKED, LOST or REPLACED card is refused with "
        "an error whose extensions.reason is CARD_BLOCKED, CARD_LOST or CARD_REPLACED; "
        "cardLookup also says which card was read.",
    )
    async def customer_by_card(self, info: Info, code: str) -> CustomerType | None:
        try:
            found = await lookups.customer_by_card(info.context.new_uow(), code.strip())
        except DomainError as error:
            raise query_error(error) from error
        return CustomerType.of(found) if found else None

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_CUSTOMERS)],
        description="Look a customer up by the shop's own id.",
    )
    async def customer_by_external_ref(self, info: Info, ref: str) -> CustomerType | None:
        found = await lookups.customer_by_external_ref(info.context.new_uow(), ref.strip())
        return CustomerType.of(found) if found else None

    @strawberry.field(permission_classes=[requires(Permission.VIEW_CUSTOMERS)])
    async def customers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: CustomerFilterInput | None = None,
    ) -> Connection[CustomerType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("Customer", after)
        try:
            page = await lookups.find_customers(
                info.context.new_uow(),
                (filter or CustomerFilterInput()).to_domain(),
                limit,
                after_id,
            )
        except DomainError as error:
            raise query_error(error) from error
        return connection([CustomerType.of(c) for c in page.items], page.has_next, "Customer")

    @strawberry.field(permission_classes=[requires(Permission.VIEW_CUSTOMERS)])
    async def point_categories(self, info: Info) -> list[PointCategoryType]:
        return [PointCategoryType.of(c) for c in await list_categories(info.context.new_uow())]

    @strawberry.field(
        permission_classes=[IsCustomer], description="The customer of a customer token."
    )
    async def me(self, info: Info) -> CustomerType | None:
        principal = info.context.principal
        assert isinstance(principal, CustomerPrincipal)
        found = await lookups.customer_by_external_ref(
            info.context.new_uow(), principal.external_ref
        )
        return CustomerType.of(found) if found else None
