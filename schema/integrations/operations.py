"""Integration queries and mutations (MANAGE_INTEGRATIONS): the shops' platform
connections, setting one up or changing it, rotating Dolibarr's token, and the log."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.integrations import connections
from domain.integrations.log import LogFilter, log_page
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.integrations.types import (
    IntegrationLogEntryType,
    IntegrationOutcomeEnum,
    PlatformConnectionType,
    PlatformEnum,
)
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires

_MANAGE = [requires(Permission.MANAGE_INTEGRATIONS)]


@strawberry.input
class StatusMappingInput:
    platform_status: str
    maps_to: str = strawberry.field(description="CREATED, PAID, COMPLETED, REFUND or IGNORE.")


@strawberry.input(description="A shop's connection to a platform, set up or changed.")
class ConnectPlatformInput:
    idempotency_key: str = strawberry.field(
        description="Retrying with the same key returns the first answer and writes nothing."
    )
    shop: str
    platform: PlatformEnum
    secret: str | None = strawberry.field(
        default=None,
        description="WooCommerce's and Shopify's webhook secret (16 to 200 characters); none "
        "for Dolibarr, which gets a token.",
    )
    status_map: list[StatusMappingInput] = strawberry.field(default_factory=list)
    create_customers: bool = strawberry.field(
        default=False, description="Register a customer the platform reports who is not known."
    )
    active: bool = True


@strawberry.type
class ConnectPlatformPayload:
    connection: PlatformConnectionType | None = None
    dolibarr_token: str | None = strawberry.field(
        default=None,
        description="The token of Dolibarr's URL, shown this once (null on a replay).",
    )
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RotateTokenPayload:
    dolibarr_token: str | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class IntegrationLogFilterInput:
    shop: str | None = None
    platform: PlatformEnum | None = None
    outcome: IntegrationOutcomeEnum | None = None
    since: datetime | None = None
    until: datetime | None = None


@strawberry.type
class IntegrationQueries:
    @strawberry.field(permission_classes=_MANAGE, description="Every platform connection.")
    async def platform_connections(self, info: Info) -> list[PlatformConnectionType]:
        found = await connections.connections(info.context.new_uow())
        return [PlatformConnectionType.of(c) for c in found]

    @strawberry.field(
        permission_classes=_MANAGE,
        description="The integration log, newest first: every authenticated delivery and what "
        "became of it.",
    )
    async def integration_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: IntegrationLogFilterInput | None = None,
    ) -> Connection[IntegrationLogEntryType]:
        limit = page_size(first, info.context.max_page_size)
        before_id = decode_cursor("IntegrationLogEntry", after)
        f = filter or IntegrationLogFilterInput()
        wanted = LogFilter(
            shop=f.shop,
            platform=f.platform.value if f.platform else None,
            outcome=f.outcome.value if f.outcome else None,
            since=f.since,
            until=f.until,
        )
        page = await log_page(info.context.new_uow(), wanted, limit, before_id)
        entries = [IntegrationLogEntryType.of(e) for e in page.items]
        return connection(entries, page.has_next, "IntegrationLogEntry")


@strawberry.type
class IntegrationMutations:
    @strawberry.mutation(permission_classes=_MANAGE)
    @payload_on_error(ConnectPlatformPayload)
    async def connect_platform(
        self, info: Info, input: ConnectPlatformInput
    ) -> ConnectPlatformPayload:
        done = await connections.connect_platform(
            info.context.new_uow(),
            input.shop,
            input.platform.value,
            input.secret,
            {m.platform_status: m.maps_to for m in input.status_map},
            input.create_customers,
            input.active,
            input.idempotency_key,
        )
        return ConnectPlatformPayload(
            connection=PlatformConnectionType.of(done.connection),
            dolibarr_token=done.token,
            replayed=done.replayed,
        )

    @strawberry.mutation(
        permission_classes=_MANAGE,
        description="A new token for the shop's Dolibarr URL; the old one is refused from now.",
    )
    @payload_on_error(RotateTokenPayload)
    async def rotate_dolibarr_token(self, info: Info, shop: str) -> RotateTokenPayload:
        token = await connections.rotate_dolibarr_token(info.context.new_uow(), shop)
        return RotateTokenPayload(dolibarr_token=token)
