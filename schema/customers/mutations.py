"""Customer and category mutations: each returns a payload with userErrors."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.access.principals import CustomerPrincipal
from domain.customers import categories, consent, placement, services
from domain.customers.models import CUSTOMER_FIELDS
from schema.context import Info
from schema.customers.inputs import (
    CreateCustomerInput,
    CreatePointCategoryInput,
    SetCustomerCategoryInput,
    SetMyConsentInput,
    UpdateCustomerInput,
    UpdatePointCategoryInput,
)
from schema.customers.types import CustomerType, PointCategoryType
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.permissions import IsCustomer, requires


@strawberry.type
class CustomerPayload:
    customer: CustomerType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetMyConsentPayload:
    customer: CustomerType | None = strawberry.field(
        default=None, description="The customer with its consent as it is now."
    )
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
            info.context.new_uow(),
            input.id,
            changed_fields(input, (), CUSTOMER_FIELDS),
            info.context.principal.actor,
        )
        return CustomerPayload(customer=CustomerType.of(customer))

    @strawberry.mutation(
        permission_classes=[IsCustomer],
        description="A customer token's change of its own consent to a channel, recorded with "
        "source CUSTOMER (setting the value it already has records nothing).",
    )
    @payload_on_error(SetMyConsentPayload)
    async def set_my_consent(self, info: Info, input: SetMyConsentInput) -> SetMyConsentPayload:
        principal = info.context.principal
        assert isinstance(principal, CustomerPrincipal)
        customer = await consent.set_own_consent(
            info.context.new_uow(), principal.external_ref, input.channel, input.granted
        )
        return SetMyConsentPayload(customer=CustomerType.of(customer))

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
