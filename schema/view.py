"""The GraphQL endpoint: strawberry's ASGI view with Tessera's context and orjson."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from domain.badges.services import Handover
from domain.uow import UnitOfWork
from schema.auth import Authenticator
from schema.context import Context, Loaders


class TesseraGraphQL(GraphQL[Context, None]):
    def __init__(
        self,
        schema: strawberry.Schema,
        new_uow: Callable[[], UnitOfWork],
        authenticator: Authenticator,
        max_page_size: int,
        debug: bool,
        badge_handover: Handover | None = None,
    ) -> None:
        super().__init__(
            schema, graphql_ide="graphiql" if debug else None, allow_queries_via_get=False
        )
        self._new_uow = new_uow
        self._authenticator = authenticator
        self._max_page_size = max_page_size
        self._badge_handover = badge_handover

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        principal = await self._authenticator.principal(request.headers.get("authorization"))
        return Context(
            principal=principal,
            new_uow=self._new_uow,
            loaders=Loaders(self._new_uow),
            max_page_size=self._max_page_size,
            request=request,
            badge_handover=self._badge_handover,
        )

    # Requests are read by strawberry with the standard json module on purpose: orjson reads
    # integers beyond 64 bits as floats, and such a number must come back as a user error.
    def encode_json(self, data: Any) -> bytes:
        return orjson.dumps(data)
