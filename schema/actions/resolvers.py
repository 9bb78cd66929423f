"""The actions that earn: reading and setting them, and recording one for a customer."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.actions import services
from domain.actions.models import CustomerAction, EarningAction
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.ledger.resolvers import LedgerMovementPayload, movement_payload
from schema.permissions import requires

CustomerActionEnum = strawberry.enum(
    CustomerAction,
    name="CustomerAction",
    description="REGISTRATION is credited by createCustomer (and at most once per customer).",
)


@strawberry.type(name="EarningAction", description="Fixed points for something a customer did.")
class EarningActionType:
    action: CustomerActionEnum  # type: ignore[valid-type]
    points: int
    active: bool
    once_per_customer: bool = strawberry.field(
        description="True: once per customer; false: once per reference (e.g. each review)."
    )
    updated_at: datetime | None

    @classmethod
    def of(cls, a: EarningAction) -> EarningActionType:
        return cls(
            action=a.action,
            points=a.points,
            active=a.active,
            once_per_customer=a.once_per_customer,
            updated_at=a.updated_at,
        )


@strawberry.input
class EarningActionInput:
    action: CustomerActionEnum  # type: ignore[valid-type]
    points: int
    once_per_customer: bool
    active: bool = True


@strawberry.input(description="Actions left out stay as they are.")
class UpdateEarningActionsInput:
    actions: list[EarningActionInput]


@strawberry.type
class EarningActionsPayload:
    actions: list[EarningActionType] | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Credit what an action earns, once per reference.")
class RecordCustomerActionInput:
    customer_id: strawberry.ID
    action: CustomerActionEnum  # type: ignore[valid-type]
    reference: str | None = strawberry.field(
        default=None,
        description="What the action was about, e.g. the review's id: required for an action "
        "that earns once per reference; the same reference again earns nothing more.",
    )


@strawberry.type
class ActionQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="The configured actions; others earn nothing.",
    )
    async def earning_actions(self, info: Info) -> list[EarningActionType]:
        found = await services.list_earning_actions(info.context.new_uow())
        return [EarningActionType.of(a) for a in found]


@strawberry.type
class ActionMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(EarningActionsPayload)
    async def update_earning_actions(
        self, info: Info, input: UpdateEarningActionsInput
    ) -> EarningActionsPayload:
        actions = [
            EarningAction(CustomerAction(a.action), a.points, a.active, a.once_per_customer)
            for a in input.actions
        ]
        found = await services.update_earning_actions(info.context.new_uow(), actions)
        return EarningActionsPayload(actions=[EarningActionType.of(a) for a in found])

    @strawberry.mutation(
        permission_classes=[requires(Permission.RECORD_PURCHASES)],
        description="Credit a customer for an action (a newsletter sign-up, a review): an "
        "ACTION entry, once per reference; a repeat returns the first with replayed.",
    )
    @payload_on_error(LedgerMovementPayload)
    async def record_customer_action(
        self, info: Info, input: RecordCustomerActionInput
    ) -> LedgerMovementPayload:
        movement = await services.record_customer_action(
            info.context.new_uow(),
            input.customer_id,
            CustomerAction(input.action),
            input.reference,
            info.context.principal.actor,
        )
        return movement_payload(movement)
