"""Inputs of the actions that earn."""

from __future__ import annotations

import strawberry

from schema.actions.types import CustomerActionEnum


@strawberry.input
class EarningActionInput:
    action: CustomerActionEnum  # type: ignore[valid-type]
    points: int
    once_per_customer: bool
    active: bool = True


@strawberry.input(description="Actions left out stay as they are.")
class UpdateEarningActionsInput:
    actions: list[EarningActionInput]


@strawberry.input(description="Credit what an action earns, once per reference.")
class RecordCustomerActionInput:
    customer_id: strawberry.ID
    action: CustomerActionEnum  # type: ignore[valid-type]
    reference: str | None = strawberry.field(
        default=None,
        description="What the action was about, e.g. the review's id: required for an action "
        "that earns once per reference; the same reference again earns nothing more.",
    )
