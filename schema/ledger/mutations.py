"""Ledger mutations: adjustments and reversals, and the payload of a movement (which other
areas' mutations that write one movement return too)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.ledger import services
from domain.ledger.services import Movement
from schema.context import Info
from schema.customers.types import CustomerType, load_customer
from schema.errors import UserError, payload_on_error
from schema.ledger.inputs import AdjustPointsInput, ReverseLedgerEntryInput
from schema.ledger.types import LedgerEntryType, PointsSummaryType
from schema.permissions import requires


@strawberry.type(description="A movement written (or replayed) and the balance after it.")
class LedgerMovementPayload:
    entry: LedgerEntryType | None = None
    customer_id: strawberry.Private[int | None] = None
    points: PointsSummaryType | None = None
    replayed: bool = strawberry.field(
        default=False, description="True when an idempotency key repeated an earlier call."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field
    async def customer(self, info: Info) -> CustomerType | None:
        return await load_customer(info, self.customer_id)


def movement_payload(movement: Movement) -> LedgerMovementPayload:
    """The payload of a movement written or replayed."""
    return LedgerMovementPayload(
        entry=LedgerEntryType.of(movement.entry),
        customer_id=movement.entry.customer_id,
        points=PointsSummaryType.of(movement.account),
        replayed=movement.replayed,
    )


@strawberry.type
class LedgerMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.ADJUST_POINTS)])
    @payload_on_error(LedgerMovementPayload)
    async def adjust_points(self, info: Info, input: AdjustPointsInput) -> LedgerMovementPayload:
        movement = await services.adjust_points(
            info.context.new_uow(),
            input.customer_id,
            input.points,
            input.note,
            input.idempotency_key,
            info.context.principal.actor,
            shop=input.shop,
        )
        return movement_payload(movement)

    @strawberry.mutation(
        permission_classes=[requires(Permission.ADJUST_POINTS)],
        description="Cancel an entry with a linked reversal entry.",
    )
    @payload_on_error(LedgerMovementPayload)
    async def reverse_ledger_entry(
        self, info: Info, input: ReverseLedgerEntryInput
    ) -> LedgerMovementPayload:
        movement = await services.reverse_entry(
            info.context.new_uow(), input.entry_id, input.note, info.context.principal.actor
        )
        return movement_payload(movement)
