"""Expected failures: each names the input field at fault, a stable code and a message."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    BALANCE_LIMIT_EXCEEDED = "BALANCE_LIMIT_EXCEEDED"
    ALREADY_REVERSED = "ALREADY_REVERSED"
    NOT_REVERSIBLE = "NOT_REVERSIBLE"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    REFUND_EXCEEDS_PURCHASE = "REFUND_EXCEEDS_PURCHASE"
    ABOVE_QUOTE = "ABOVE_QUOTE"
    HOLD_NOT_ACTIVE = "HOLD_NOT_ACTIVE"
    ORDER_ALREADY_AWARDED = "ORDER_ALREADY_AWARDED"
    VOUCHER_NOT_APPLICABLE = "VOUCHER_NOT_APPLICABLE"
    VOUCHER_USED_UP = "VOUCHER_USED_UP"
    VOUCHER_EXPIRED = "VOUCHER_EXPIRED"
    VOUCHER_NOT_YET_VALID = "VOUCHER_NOT_YET_VALID"
    VOUCHER_DISABLED = "VOUCHER_DISABLED"
    # A card, price rule or current discount a sale says it gave that does not apply.
    DISCOUNT_NOT_APPLICABLE = "DISCOUNT_NOT_APPLICABLE"
    # Points that cannot pay at the till (the customer holds PRIZE cards only).
    POINTS_NOT_PAYABLE = "POINTS_NOT_PAYABLE"
    VOUCHER_ASSIGNED_TO_ANOTHER_CUSTOMER = "VOUCHER_ASSIGNED_TO_ANOTHER_CUSTOMER"
    VOUCHER_ALREADY_ASSIGNED = "VOUCHER_ALREADY_ASSIGNED"
    CONVERSION_DISABLED = "CONVERSION_DISABLED"
    REWARD_INACTIVE = "REWARD_INACTIVE"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    LIMIT_REACHED = "LIMIT_REACHED"
    BADGE_RANGES_OVERLAP = "BADGE_RANGES_OVERLAP"
    ACTION_INACTIVE = "ACTION_INACTIVE"
    INVALID_CRON = "INVALID_CRON"
    SEGMENT_CYCLE = "SEGMENT_CYCLE"
    SEGMENT_IN_USE = "SEGMENT_IN_USE"
    FUNNEL_ENGINE_REQUIRED = "FUNNEL_ENGINE_REQUIRED"
    # Sign-in: the same code for an unknown email, a wrong password and a disabled user.
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    # A card read at the till that is not ACTIVE: refused with its status and date.
    CARD_BLOCKED = "CARD_BLOCKED"
    CARD_LOST = "CARD_LOST"
    CARD_REPLACED = "CARD_REPLACED"
    # A card series whose running number no longer fits its code length.
    CARD_SERIES_FULL = "CARD_SERIES_FULL"
    # The customer was erased (a data request): they can no longer earn, spend or be
    # written to.
    CUSTOMER_ERASED = "CUSTOMER_ERASED"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: `field` is the input path, e.g. `lines.0.quantity`."""

    field: str | None
    code: ErrorCode
    message: str


class DomainError(Exception):
    """Raised by services for expected failures; carries one or more problems.

    A service that raises it has written nothing: the unit of work rolls back."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))

    @classmethod
    def one(cls, field: str | None, code: ErrorCode, message: str) -> DomainError:
        return cls([Problem(field, code, message)])

    def on_field(self, field: str, instead_of: str | None = None) -> DomainError:
        """The same problems named on `field` (only those on `instead_of`, when given): a
        lower layer names its own input (a posting's `points`), the caller knows which of
        its inputs was at fault."""
        return DomainError(
            Problem(field if instead_of in (None, p.field) else p.field, p.code, p.message)
            for p in self.problems
        )


class Problems:
    """Collects validation problems so a request reports all of them at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, field: str | None, code: ErrorCode, message: str) -> None:
        self.items.append(Problem(field, code, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(self.items)


class NotAllowedError(Exception):
    """The caller may not do this (a customer acting for another customer); the API answers
    FORBIDDEN. Raised before anything is written."""


class IdempotencyKeyTaken(Exception):
    """A write's idempotency key is held by an earlier write (a unique violation on it): the
    call is a replay, answered with the first call's result (domain.commands)."""
