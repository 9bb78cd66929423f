"""The customer area: written by managers."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.program import customer_area
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.permissions import requires
from schema.program.inputs import UpdateCustomerAreaInput
from schema.program.types import CustomerAreaType


@strawberry.type
class CustomerAreaPayload:
    customer_area: CustomerAreaType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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
