"""The actions that earn, as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.actions.models import CustomerAction, EarningAction

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
