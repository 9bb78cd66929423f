"""An HTTP connection is closed after a number of requests, as nginx's keepalive_requests.

uvicorn's worker processes share one listening socket and a keep-alive connection stays with
the worker that accepted it, so a few long-lived clients can load one worker far more than
another. Closing each connection now and then lets clients reconnect, and the idler worker
tends to accept them: the load spreads again."""

from __future__ import annotations

from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_TRACKED_CONNECTIONS = 10_000


class KeepAliveLimit:
    def __init__(self, app: ASGIApp, max_requests: int) -> None:
        self.app = app
        self.max_requests = max_requests
        self._served: OrderedDict[tuple[str, int], int] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not self.max_requests or client is None:
            await self.app(scope, receive, send)
            return
        key = (client[0], client[1])  # one TCP connection: the peer's address and port
        served = self._served.pop(key, 0) + 1
        closing = served >= self.max_requests
        if not closing:
            self._served[key] = served
            while len(self._served) > _TRACKED_CONNECTIONS:
                self._served.popitem(last=False)

        async def send_closing(message: Message) -> None:
            if closing and message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        await self.app(scope, receive, send_closing)
