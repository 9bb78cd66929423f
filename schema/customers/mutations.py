"""Customer and category mutations: each returns a payload with userErrors."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.access.permissions import Permission
from domain.customers import services
from domain.customers.models import CUSTOMER_FIELDS
from schema.context import Info
from schema.customers.types import CustomerFilterInput, CustomerType, PointCategoryType
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.permissions import requires
from schema.scalars import JSON


@strawberry.input
class CreateCustomerInput:
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first customer and writes nothing."
    )
    external_ref: str | None = None
    card_code: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    consent_email: bool = False
    consent_sms: bool = False
    category_id: strawberry.ID | None = None
    attributes: JSON | None = None


@strawberry.input(description="Fields left out stay as they are; null clears a field.")
class UpdateCustomerInput:
    id: strawberry.ID
    external_ref: str | None = strawberry.UNSET
    card_code: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    consent_email: bool | None = strawberry.UNSET
    consent_sms: bool | None = strawberry.UNSET
    attributes: JSON | None = strawberry.UNSET


@strawberry.input(description="Give customerIds or a filter (the customers list's filter).")
class SetCustomerCategoryInput:
    category_id: strawberry.ID
    customer_ids: list[strawberry.ID] | None = None
    filter: CustomerFilterInput | None = None


@strawberry.input
class CreatePointCategoryInput:
    name: str
    earn_multiplier: Decimal
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first category and writes nothing."
    )
    is_default: bool = False


@strawberry.input
class UpdatePointCategoryInput:
    id: strawberry.ID
    name: str | None = None
    earn_multiplier: Decimal | None = None
    is_default: bool | None = None


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
        created = await services.create_customer_once(
            info.context.new_uow(),
            changed_fields(input, (), CUSTOMER_FIELDS),
            input.category_id,
            input.idempotency_key,
            info.context.principal.actor,
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
        changed = await services.set_category(
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
        created = await services.create_category_once(
            info.context.new_uow(),
            input.name,
            input.earn_multiplier,
            input.is_default,
            input.idempotency_key,
        )
        return PointCategoryPayload(
            category=PointCategoryType.of(created.item), replayed=created.replayed
        )

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_CATEGORIES)])
    @payload_on_error(PointCategoryPayload)
    async def update_point_category(
        self, info: Info, input: UpdatePointCategoryInput
    ) -> PointCategoryPayload:
        category = await services.update_category(
            info.context.new_uow(), input.id, input.name, input.earn_multiplier, input.is_default
        )
        return PointCategoryPayload(category=PointCategoryType.of(category))
