"""Subscriptions and deliveries as the rest of Tessera sees them, and the checks on what
staff set."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import ErrorCode, Problems
from domain.webhooks.events import EVENT_TYPES
from domain.webhooks.targets import TargetPolicy, TargetRefused

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24  # Standard Webhooks: between 24 and 64 bytes
MAX_DESCRIPTION_LENGTH = 500


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # to be sent (or being sent, under a sender's lease)
    DELIVERED = "DELIVERED"  # the receiver answered 2xx
    FAILED = "FAILED"  # given up: every retry of the window failed


@dataclass(frozen=True)
class SubscriptionSpec:
    """What staff set (checked by check_spec)."""

    url: str
    event_types: tuple[str, ...]
    description: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Subscription:
    id: int
    url: str
    event_types: tuple[str, ...]
    secret: str
    description: str | None
    active: bool
    consecutive_failures: int
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Delivery:
    id: int
    subscription_id: int
    event_id: int
    customer_id: int | None
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    @property
    def message_id(self) -> str:
        return message_id(self.event_id)


def message_id(event_id: int) -> str:
    """The `webhook-id`: the event's, the same on every attempt and redelivery and for every
    subscription, so a receiver deduplicates by it."""
    return f"evt_{event_id}"


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: whsec_ and base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


async def check_spec(
    problems: Problems, spec: SubscriptionSpec, policy: TargetPolicy, check_host: bool = True
) -> SubscriptionSpec:
    """The spec with its URL (its host resolved, see targets.py, unless not `check_host`)
    and event types checked, each problem on its field."""
    url = (spec.url or "").strip()
    if not url:
        problems.add("url", ErrorCode.REQUIRED, "A URL is required.")
    elif check_host:
        try:
            await policy.check_async(url)
        except TargetRefused as refused:
            problems.add("url", ErrorCode.INVALID, str(refused))
    for index, kind in enumerate(spec.event_types):
        if kind not in EVENT_TYPES:
            problems.add(
                f"eventTypes.{index}",
                ErrorCode.INVALID,
                f"{str(kind)[:60]!r} is not an event type.",
            )
    if not spec.event_types:
        problems.add("eventTypes", ErrorCode.REQUIRED, "At least one event type.")
    description = (spec.description or "").strip() or None
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        problems.add(
            "description",
            ErrorCode.OUT_OF_RANGE,
            f"A description of at most {MAX_DESCRIPTION_LENGTH} characters.",
        )
    chosen = tuple(kind for kind in EVENT_TYPES if kind in spec.event_types)
    return SubscriptionSpec(url, chosen, description, spec.active)


def subscription_of(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        url=row.url,
        event_types=tuple(row.event_types),
        secret=row.secret,
        description=row.description,
        active=row.active,
        consecutive_failures=row.consecutive_failures,
        disabled_at=row.disabled_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def delivery_of(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        subscription_id=row.subscription_id,
        event_id=row.event_id,
        customer_id=row.customer_id,
        event_type=row.event_type,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
    )
