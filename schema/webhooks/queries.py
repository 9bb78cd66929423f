"""Webhook subscriptions and the delivery log."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.errors import Problems
from domain.validation import parse_id
from domain.webhooks import log as delivery_log
from domain.webhooks import subscriptions
from domain.webhooks.models import DeliveryStatus
from schema.context import Info
from schema.errors import client_error
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires
from schema.webhooks.types import (
    WebhookDeliveryStatusEnum,
    WebhookDeliveryType,
    WebhookSubscriptionType,
)


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_INTEGRATIONS)],
        description="Webhook subscriptions in the order they were made.",
    )
    async def webhook_subscriptions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[WebhookSubscriptionType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("WebhookSubscription", after)
        page = await subscriptions.list_subscriptions(info.context.new_uow(), limit, after_id)
        return connection(
            [WebhookSubscriptionType.of(s) for s in page.items],
            page.has_next,
            "WebhookSubscription",
        )

    @strawberry.field(
        permission_classes=[requires(Permission.MANAGE_INTEGRATIONS)],
        description="The delivery log, newest first: of one subscription and in one status "
        "when given.",
    )
    async def webhook_deliveries(
        self,
        info: Info,
        subscription_id: strawberry.ID | None = None,
        status: WebhookDeliveryStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDeliveryType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("WebhookDelivery", after)
        sid = None
        if subscription_id is not None:
            problems = Problems()
            sid = parse_id(problems, "subscriptionId", subscription_id)
            if problems.items:
                raise client_error(problems.items[0].message, field="subscriptionId")
        where = delivery_log.DeliveryFilter(
            sid, None if status is None else DeliveryStatus(status.value)
        )
        page = await delivery_log.list_deliveries(info.context.new_uow(), limit, after_id, where)
        return connection(
            [WebhookDeliveryType.of(d) for d in page.items], page.has_next, "WebhookDelivery"
        )
