"""The last-resort handler: whatever escapes a route (any exception, or a CancelledError that
no one outside asked for) is logged with a request id and answered as a GraphQL-shaped
INTERNAL_SERVER_ERROR (HTTP 500), never as the server's plain-text "Internal Server Error"."""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.responses import internal_error_response, new_request_id
from tessera.integrations import loggable_path

logger = logging.getLogger("tessera.http")


class LastResort:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except asyncio.CancelledError as error:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the server cancels this request (shutdown, disconnect): let it
            await self._answer(error, started, scope, receive, send)
        except Exception as error:
            await self._answer(error, started, scope, receive, send)

    async def _answer(
        self, error: BaseException, started: bool, scope: Scope, receive: Receive, send: Send
    ) -> None:
        where = f"{scope.get('method')} {loggable_path(str(scope.get('path')))}"
        if started:
            # Part of the answer is sent (a streamed export): it cannot become an error
            # response. Ending without completing it makes the server drop the connection,
            # so the client sees a failed download rather than a short one.
            logger.error(
                "unexpected error (request %s) in %s after the response started",
                new_request_id(),
                where,
                exc_info=error,
            )
            return
        await internal_error_response(error, where)(scope, receive, send)
