"""Rate limits as the API layer sees them: named rules counted per key (a caller, a client
address). tessera/ratelimit.py implements them on Redis, shared by every API process.

Only the operations that need it pay a counter's round trip: `checkVoucher` and
`redeemVoucher` (code guessing), `sendTestMessage` (a message to any address: spam), failed
authentications, and `login` (which is refused while its address is past the failed
authentications' limit, and counts its failures there). Nothing else is counted."""

from __future__ import annotations

import enum
import math
from typing import TYPE_CHECKING, Any, Protocol

from strawberry.permission import BasePermission

from domain.access.principals import CustomerPrincipal, Staff
from schema.errors import client_error

if TYPE_CHECKING:
    from schema.context import Info


class ThrottleRule(enum.Enum):
    VOUCHER_ATTEMPTS = "voucher-attempts"  # checkVoucher and redeemVoucher, per caller and address
    FAILED_AUTHENTICATION = "failed-authentication"  # per client address (and failed logins)
    TEST_MESSAGES = "test-messages"  # sendTestMessage, per staff token


class Throttle(Protocol):
    async def hit(self, rule: ThrottleRule, *keys: str) -> float | None:
        """Count one attempt for each key; the seconds to wait when any key is past the
        rule's limit (the attempt is then refused), else None."""
        ...

    async def waiting(self, rule: ThrottleRule, *keys: str) -> float | None:
        """The seconds to wait when any key is already past the rule's limit, else None;
        counts nothing (for a check before an attempt whose failure alone is counted)."""
        ...


class Unthrottled:
    """No limits (a throttle for tools and tests that build the schema alone)."""

    async def hit(self, rule: ThrottleRule, *keys: str) -> float | None:
        return None

    async def waiting(self, rule: ThrottleRule, *keys: str) -> float | None:
        return None


def retry_after_s(wait_s: float) -> int:
    """Whole seconds for a Retry-After header, at least 1."""
    return max(1, math.ceil(wait_s))


def caller_key(info: Info) -> str:
    """The caller a per-token limit counts: a staff token's id, a signed-in staff user's id
    (all its sessions together), or a customer's external ref."""
    principal = info.context.principal
    if isinstance(principal, Staff):
        if principal.user_id is not None:
            return f"user:{principal.user_id}"
        return f"staff:{principal.credential_id}"
    if isinstance(principal, CustomerPrincipal):
        return f"customer:{principal.external_ref}"
    return "anonymous"


class VoucherAttempts(BasePermission):
    """Counts a voucher code attempt per caller and per client address; past either limit
    the field is refused with RATE_LIMITED, HTTP 429 and a Retry-After header. Declare it
    after the permission that authenticates, so refused callers are not counted."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        wait_s = await context.throttle.hit(
            ThrottleRule.VOUCHER_ATTEMPTS, caller_key(info), f"address:{context.client_address}"
        )
        return _allowed(info, wait_s, "voucher code attempts")


class SignInAttempts(BasePermission):
    """Refuses a sign-in from a client address already past the failed-authentication
    limit (RATE_LIMITED, HTTP 429, Retry-After) before any password is verified; the
    sign-in counts its own failure there (schema/staff/mutations.py)."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        wait_s = await context.throttle.waiting(
            ThrottleRule.FAILED_AUTHENTICATION, f"address:{context.client_address}"
        )
        return _allowed(info, wait_s, "failed authentications from this address")


class TestMessageSends(BasePermission):
    """Counts a test message per caller (a staff token): past the limit the field is refused
    with RATE_LIMITED, HTTP 429 and a Retry-After header, before anything is rendered or
    written. Declare it after the permission that authenticates."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        wait_s = await info.context.throttle.hit(ThrottleRule.TEST_MESSAGES, caller_key(info))
        return _allowed(info, wait_s, "test messages")


def _allowed(info: Info, wait_s: float | None, what: str) -> bool:
    """True when the throttle let the attempt through; a RATE_LIMITED error otherwise."""
    if wait_s is None:
        return True
    seconds = retry_after_s(wait_s)
    response = info.context.response
    if response is not None:
        response.status_code = 429
        response.headers["Retry-After"] = str(seconds)
    raise client_error(
        f"Too many {what}; retry in {seconds} s.", "RATE_LIMITED", retryAfter=seconds
    )
