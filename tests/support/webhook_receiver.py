"""A webhook receiver on loopback for the tests: it checks every request's signature by the
Standard Webhooks algorithm written out here (HMAC-SHA256 of `id.timestamp.body` with the
secret's bytes, base64, `v1,` prefixed) and by the `standardwebhooks` package, answers
with the status codes a test sets (500 to fail, then 204 to recover), may hold requests
until released (a worker killed mid-request), and keeps what it accepted, so that a test
deduplicates by `webhook-id` as a real receiver would."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.serving import serving

TOLERANCE_S = 300  # the spec's suggested tolerance on webhook-timestamp


def verify_by_the_spec(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The specification's check, without the package: some `v1,` signature of the
    headers' list is the HMAC of `id.timestamp.body`, and the timestamp is recent."""
    msg_id, stamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(stamp)) > TOLERANCE_S:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    expected = base64.b64encode(mac).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (
            s.partition(",") for s in headers["webhook-signature"].split()
        )
    )


@dataclass(frozen=True)
class Received:
    webhook_id: str
    body: dict[str, Any]
    answered: int

    @property
    def customer_id(self) -> int | None:
        value = self.body["data"]["customer_id"]
        return None if value is None else int(value)


@dataclass
class Receiver:
    secret: str = ""
    answers: list[int] = field(default_factory=list)  # the next requests' codes, in turn
    always: int | None = None  # the code of every request (after `answers`)
    hold: asyncio.Event | None = None  # while set to an unset event, requests wait on it
    held: asyncio.Event = field(default_factory=asyncio.Event)  # a request is waiting
    requests: list[Received] = field(default_factory=list)  # every request, answered
    forged: int = 0  # requests whose signature did not verify (answered 401)

    def accepted(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.answered < 300]

    def unique(self) -> list[Received]:
        """What a receiver deduplicating by webhook-id keeps, in the order first accepted."""
        seen: set[str] = set()
        kept = []
        for r in self.accepted():
            if r.webhook_id not in seen:
                seen.add(r.webhook_id)
                kept.append(r)
        return kept

    def per_customer(self) -> dict[int | None, list[str]]:
        """Each customer's accepted webhook ids in the order they were first accepted."""
        found: dict[int | None, list[str]] = {}
        for r in self.unique():
            found.setdefault(r.customer_id, []).append(r.webhook_id)
        return found

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            Webhook(self.secret).verify(body, headers)
            genuine = verify_by_the_spec(self.secret, headers, body)
        except (WebhookVerificationError, KeyError, ValueError):
            genuine = False
        if not genuine:
            self.forged += 1
            return Response(status_code=401)
        if self.hold is not None and not self.hold.is_set():
            self.held.set()
            await self.hold.wait()
        code = self.answers.pop(0) if self.answers else (self.always or 204)
        self.requests.append(Received(headers["webhook-id"], json.loads(body), code))
        return Response(status_code=code)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hooks", self.endpoint, methods=["POST"])])


@contextlib.asynccontextmanager
async def receiving(receiver: Receiver) -> AsyncIterator[str]:
    """The receiver served on a free loopback port; yields its URL."""
    async with serving(receiver.app()) as base:
        yield f"{base}/hooks"
