"""Actions that earn, as a manager configures them, and the checks on what is set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_POINTS_PER_OPERATION


class CustomerAction(StrEnum):
    REGISTRATION = "REGISTRATION"  # credited by createCustomer, always once per customer
    NEWSLETTER = "NEWSLETTER"
    REVIEW = "REVIEW"


NOTES = {
    CustomerAction.REGISTRATION: "Welcome: registration",
    CustomerAction.NEWSLETTER: "Newsletter sign-up",
    CustomerAction.REVIEW: "Product review",
}


@dataclass(frozen=True)
class EarningAction:
    """`points` for `action`, once per customer or once per reference (each review)."""

    action: CustomerAction
    points: int
    active: bool
    once_per_customer: bool
    updated_at: datetime | None = None

    def idempotency_key(self, customer_id: int, reference: str | None) -> str:
        """The ledger key of the credit: the same action and reference (or, once per
        customer, the same action) of a customer can be credited only once."""
        scope = "once" if self.once_per_customer else f"ref:{reference}"
        return f"action:{self.action.value}:{customer_id}:{scope}"

    def source_ref(self, reference: str | None) -> str:
        return f"{self.action.value}/{reference}" if reference else self.action.value


def action_of(row: Any) -> EarningAction:
    return EarningAction(
        CustomerAction(row.action), row.points, row.active, row.once_per_customer, row.updated_at
    )


def check_actions(problems: Problems, actions: list[EarningAction]) -> None:
    """Every problem of a list of action settings at once."""
    if len(actions) > len(CustomerAction):
        problems.add("actions", ErrorCode.OUT_OF_RANGE, "Each action once.")
        return
    seen: set[CustomerAction] = set()
    for i, action in enumerate(actions):
        if action.action in seen:
            problems.add(f"actions.{i}.action", ErrorCode.DUPLICATE, "Each action once.")
        seen.add(action.action)
        if not 0 < action.points <= MAX_POINTS_PER_OPERATION:
            problems.add(
                f"actions.{i}.points",
                ErrorCode.OUT_OF_RANGE,
                f"1 to {MAX_POINTS_PER_OPERATION} points.",
            )
        if action.action is CustomerAction.REGISTRATION and not action.once_per_customer:
            problems.add(
                f"actions.{i}.oncePerCustomer",
                ErrorCode.INVALID,
                "A customer registers once: registration earns once per customer.",
            )
