"""The customer area's introduction text: read by customer apps, written by managers."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.program import customer_area
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.permissions import customer_or, requires


@strawberry.type(name="CustomerArea", description="What the shop shows in its customer area.")
class CustomerAreaType:
    introduction: str | None = strawberry.field(
        description="Plain text or Markdown, shown at the top; the app escapes it."
    )
    updated_at: datetime | None

    @classmethod
    def of(cls, area: customer_area.CustomerArea) -> CustomerAreaType:
        return cls(introduction=area.introduction, updated_at=area.updated_at)


@strawberry.input
class UpdateCustomerAreaInput:
    introduction: str | None = strawberry.field(
        description="At most 10,000 characters; null or blank removes it."
    )


@strawberry.type
class CustomerAreaPayload:
    customer_area: CustomerAreaType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProgramQueries:
    @strawberry.field(permission_classes=[customer_or(Permission.VIEW_POINTS)])
    async def customer_area(self, info: Info) -> CustomerAreaType:
        return CustomerAreaType.of(await customer_area.get_customer_area(info.context.new_uow()))


@strawberry.type
class ProgramMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(CustomerAreaPayload)
    async def update_customer_area(
        self, info: Info, input: UpdateCustomerAreaInput
    ) -> CustomerAreaPayload:
        updated = await customer_area.update_customer_area(
            info.context.new_uow(), input.introduction, info.context.principal.actor
        )
        return CustomerAreaPayload(customer_area=CustomerAreaType.of(updated))
