"""The actions that earn: setting them, and recording one for a customer."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.actions import services
from domain.actions.models import CustomerAction, EarningAction
from schema.actions.inputs import RecordCustomerActionInput, UpdateEarningActionsInput
from schema.actions.types import EarningActionType
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.ledger.mutations import LedgerMovementPayload, movement_payload
from schema.permissions import requires


@strawberry.type
class EarningActionsPayload:
    actions: list[EarningActionType] | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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
