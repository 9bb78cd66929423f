"""Integration types: a shop's platform connection and the integration log's entries."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.integrations.connections import Connection
from domain.integrations.log import LogEntry


@strawberry.enum(description="A platform that reports orders through its webhooks.")
class PlatformEnum(Enum):
    WOOCOMMERCE = "WOOCOMMERCE"
    SHOPIFY = "SHOPIFY"
    DOLIBARR = "DOLIBARR"


@strawberry.enum(description="What became of a delivery.")
class IntegrationOutcomeEnum(Enum):
    APPLIED = "APPLIED"
    DUPLICATE = "DUPLICATE"
    IGNORED = "IGNORED"
    REJECTED = "REJECTED"


@strawberry.type(description="A platform status and what it maps to.")
class StatusMapping:
    platform_status: str
    maps_to: str = strawberry.field(
        description="CREATED, PAID, COMPLETED (record the order so), REFUND (refund what is "
        "not refunded yet) or IGNORE."
    )


@strawberry.type(name="PlatformConnection")
class PlatformConnectionType:
    shop: str
    platform: PlatformEnum
    webhook_path: str = strawberry.field(
        description="Where the platform posts (Dolibarr's ends with its token, not shown)."
    )
    status_map: list[StatusMapping] = strawberry.field(
        description="The shop's overrides of the platform's default mapping."
    )
    create_customers: bool
    active: bool

    @classmethod
    def of(cls, c: Connection) -> PlatformConnectionType:
        path = f"/integrations/{c.platform.lower()}/{c.shop}"
        return cls(
            shop=c.shop,
            platform=PlatformEnum(c.platform),
            webhook_path=path + ("/<token>" if c.platform == "DOLIBARR" else ""),
            status_map=[
                StatusMapping(platform_status=k, maps_to=v) for k, v in c.status_map.items()
            ],
            create_customers=c.create_customers,
            active=c.active,
        )


@strawberry.type(name="IntegrationLogEntry")
class IntegrationLogEntryType:
    id: strawberry.ID
    platform: PlatformEnum
    shop: str
    delivery_id: str
    topic: str
    outcome: IntegrationOutcomeEnum
    reason: str
    order_id: str | None
    customer_id: strawberry.ID | None
    http_status: int
    received_at: datetime

    @classmethod
    def of(cls, e: LogEntry) -> IntegrationLogEntryType:
        return cls(
            id=strawberry.ID(str(e.id)),
            platform=PlatformEnum(e.platform),
            shop=e.shop,
            delivery_id=e.delivery_id,
            topic=e.topic,
            outcome=IntegrationOutcomeEnum(e.outcome),
            reason=e.reason,
            order_id=e.order_id,
            customer_id=None if e.customer_id is None else strawberry.ID(str(e.customer_id)),
            http_status=e.http_status,
            received_at=e.received_at,
        )
