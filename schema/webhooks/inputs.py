"""Webhook inputs."""

from __future__ import annotations

import strawberry

from schema.webhooks.types import WebhookEventType


@strawberry.input(description="Post the chosen events to `url`, signed with a new secret.")
class CreateWebhookSubscriptionInput:
    url: str = strawberry.field(
        description="https, resolving to public addresses only (unless the operator allowed "
        "the network)."
    )
    event_types: list[WebhookEventType]
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first subscription and writes nothing."
    )
    description: str | None = None
    active: bool = True


@strawberry.input(
    description="Fields left out stay as they are. active true again clears the run of "
    "failures; rotateSecret gives it a new secret (the answer carries the current one, so a "
    "retried call is harmless)."
)
class UpdateWebhookSubscriptionInput:
    id: strawberry.ID
    url: str | None = strawberry.UNSET
    event_types: list[WebhookEventType] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    rotate_secret: bool = False


@strawberry.input(description="Send a delivery again now, under the same webhook-id.")
class RedeliverWebhookInput:
    id: strawberry.ID
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key does not send it once more."
    )
