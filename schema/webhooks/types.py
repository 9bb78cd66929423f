"""Webhook GraphQL types, converted from domain objects at the edge."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.webhooks.events import EVENT_TYPES
from domain.webhooks.models import Delivery, DeliveryStatus, Subscription

# The domain events' types, as the payload's `type` names them (domain/webhooks/events.py).
WebhookEventType = strawberry.enum(
    Enum("WebhookEventType", {name: name for name in EVENT_TYPES}),  # type: ignore[call-overload]
    description="A domain event a subscription may receive (the payload's `type`).",
)
WebhookDeliveryStatusEnum = strawberry.enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="PENDING: to be sent or retried; DELIVERED: answered 2xx; FAILED: given up.",
)


@strawberry.type(
    name="WebhookSubscription",
    description="Where the chosen domain events are posted, signed with `secret` "
    "(Standard Webhooks).",
)
class WebhookSubscriptionType:
    id: strawberry.ID
    url: str
    event_types: list[WebhookEventType]  # type: ignore[valid-type]
    secret: str = strawberry.field(
        description="whsec_ + base64: the key that signs every delivery (webhook-signature)."
    )
    description: str | None
    active: bool = strawberry.field(
        description="False when set so, or when disabled after a run of failed attempts."
    )
    consecutive_failures: int
    disabled_at: datetime | None = strawberry.field(
        description="When a run of failures disabled it (null: not disabled by failures)."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: Subscription) -> WebhookSubscriptionType:
        return cls(
            id=strawberry.ID(str(s.id)),
            url=s.url,
            event_types=[WebhookEventType[t] for t in s.event_types],
            secret=s.secret,
            description=s.description,
            active=s.active,
            consecutive_failures=s.consecutive_failures,
            disabled_at=s.disabled_at,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


@strawberry.type(name="WebhookDelivery", description="One event's delivery to one subscription.")
class WebhookDeliveryType:
    id: strawberry.ID
    subscription_id: strawberry.ID
    webhook_id: str = strawberry.field(
        description="The webhook-id header: the event's, the same on every attempt."
    )
    event_type: WebhookEventType  # type: ignore[valid-type]
    customer_id: strawberry.ID | None
    status: WebhookDeliveryStatusEnum  # type: ignore[valid-type]
    attempts: int
    next_attempt_at: datetime = strawberry.field(description="When PENDING: the next try.")
    last_attempt_at: datetime | None
    last_status_code: int | None = strawberry.field(
        description="The last answer's HTTP status (null: no answer, see lastError)."
    )
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, d: Delivery) -> WebhookDeliveryType:
        return cls(
            id=strawberry.ID(str(d.id)),
            subscription_id=strawberry.ID(str(d.subscription_id)),
            webhook_id=d.message_id,
            event_type=WebhookEventType[d.event_type],
            customer_id=None if d.customer_id is None else strawberry.ID(str(d.customer_id)),
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_attempt_at=d.last_attempt_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            delivered_at=d.delivered_at,
            created_at=d.created_at,
        )
