"""Customer and category mutations: each returns a payload with userErrors."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.customers import categories, placement, services
from domain.customers.models import CUSTOMER_FIELDS
from schema.context import Info
from schema.customers.inputs import (
    CreateCustomerInput,
    CreatePointCategoryInput,
    SetCustomerCategoryInput,
    UpdateCustomerInput,
    UpdatePointCategoryInput,
)
from schema.customers.types import CustomerType, PointCategoryType
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.permissions import requires


@strawberry.type
class CustomerPayload:
    customer: CustomerType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetCustomerCategoryPayload:
    updated_count: int = 0
    customers: list[CustomerType] = strawberry.field(
        default_factory=list, description="The changed customers (the first 100)."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PointCategoryPayload:
    category: PointCategoryType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_CUSTOMERS)])
    @payload_on_error(CustomerPayload)
    async def create_customer(self, info: Info, input: CreateCustomerInput) -> CustomerPayload:
        created = await services.create_customer(
            info.context.new_uow(),
            changed_fields(input, (), CUSTOMER_FIELDS),
            input.category_id,
            info.context.principal.actor,
            idempotency_key=input.idempotency_key,
        )
        return CustomerPayload(customer=CustomerType.of(created.item), replayed=created.replayed)

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_CUSTOMERS)])
    @payload_on_error(CustomerPayload)
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> CustomerPayload:
        customer = await services.update_customer(
            info.context.new_uow(), input.id, changed_fields(input, (), CUSTOMER_FIELDS)
        )
        return CustomerPayload(customer=CustomerType.of(customer))

    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_CATEGORIES)],
        description="Move one or many customers to a category, atomically.",
    )
    @payload_on_error(SetCustomerCategoryPayload)
    async def set_customer_category(
        self, info: Info, input: SetCustomerCategoryInput
    ) -> SetCustomerCategoryPayload:
        changed = await placement.set_category(
            info.context.new_uow(),
            input.category_id,
            info.context.principal.actor,
            customer_ids=list(input.customer_ids) if input.customer_ids is not None else None,
            filter=input.filter.to_domain() if input.filter is not None else None,
        )
        shown = await info.context.loaders.customer.load_many(changed.first_ids)
        return SetCustomerCategoryPayload(
            updated_count=changed.count,
            customers=[CustomerType.of(c) for c in shown if c is not None],
        )

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_CATEGORIES)])
    @payload_on_error(PointCategoryPayload)
    async def create_point_category(
        self, info: Info, input: CreatePointCategoryInput
    ) -> PointCategoryPayload:
        created = await categories.create_category(
            info.context.new_uow(),
            input.name,
            input.earn_multiplier,
            input.is_default,
            idempotency_key=input.idempotency_key,
        )
        return PointCategoryPayload(
            category=PointCategoryType.of(created.item), replayed=created.replayed
        )

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_CATEGORIES)])
    @payload_on_error(PointCategoryPayload)
    async def update_point_category(
        self, info: Info, input: UpdatePointCategoryInput
    ) -> PointCategoryPayload:
        category = await categories.update_category(
            info.context.new_uow(), input.id, input.name, input.earn_multiplier, input.is_default
        )
        return PointCategoryPayload(category=PointCategoryType.of(category))
