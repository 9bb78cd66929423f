"""Webhook subscriptions: creating and changing them; redelivering a delivery."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.access.permissions import Permission
from domain.webhooks import log as delivery_log
from domain.webhooks import subscriptions
from domain.webhooks.models import SubscriptionSpec
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.permissions import requires
from schema.webhooks.inputs import (
    CreateWebhookSubscriptionInput,
    RedeliverWebhookInput,
    UpdateWebhookSubscriptionInput,
)
from schema.webhooks.types import WebhookDeliveryType, WebhookSubscriptionType


@strawberry.type
class WebhookSubscriptionPayload:
    subscription: WebhookSubscriptionType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDeliveryType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _names(kinds: list[Any]) -> tuple[str, ...]:
    return tuple(str(kind.value) for kind in kinds)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_INTEGRATIONS)])
    @payload_on_error(WebhookSubscriptionPayload)
    async def create_webhook_subscription(
        self, info: Info, input: CreateWebhookSubscriptionInput
    ) -> WebhookSubscriptionPayload:
        spec = SubscriptionSpec(
            url=input.url,
            event_types=_names(input.event_types),
            description=input.description,
            active=input.active,
        )
        created = await subscriptions.create_subscription(
            info.context.new_uow(), spec, input.idempotency_key, info.context.webhook_targets
        )
        return WebhookSubscriptionPayload(
            subscription=WebhookSubscriptionType.of(created.item), replayed=created.replayed
        )

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_INTEGRATIONS)])
    @payload_on_error(WebhookSubscriptionPayload)
    async def update_webhook_subscription(
        self, info: Info, input: UpdateWebhookSubscriptionInput
    ) -> WebhookSubscriptionPayload:
        changes: dict[str, Any] = changed_fields(
            input, required=("url", "event_types", "active"), nullable=("description",)
        )
        if "event_types" in changes:
            changes["event_types"] = _names(changes["event_types"])
        subscription = await subscriptions.update_subscription(
            info.context.new_uow(),
            input.id,
            changes,
            info.context.webhook_targets,
            rotate_secret=input.rotate_secret,
        )
        return WebhookSubscriptionPayload(subscription=WebhookSubscriptionType.of(subscription))

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_INTEGRATIONS)])
    @payload_on_error(WebhookDeliveryPayload)
    async def redeliver_webhook(
        self, info: Info, input: RedeliverWebhookInput
    ) -> WebhookDeliveryPayload:
        delivery = await delivery_log.redeliver(
            info.context.new_uow(), input.id, input.idempotency_key
        )
        return WebhookDeliveryPayload(delivery=WebhookDeliveryType.of(delivery))
