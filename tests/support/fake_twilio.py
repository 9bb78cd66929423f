"""A local stand-in for Twilio's Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json),
served on loopback, so that the real `twilio` client is tested through HTTP.

It checks HTTP basic auth (account SID and auth token) as Twilio does, records every request
it accepts, and answers as Twilio answers:
- the magic "To" numbers of Twilio's test credentials: +15005550001 is invalid (21211),
  +15005550002 cannot be routed (21612), +15005550004 has unsubscribed (21610, HTTP 400);
- failures queued by a test (`fail_next(status, code)`), e.g. HTTP 429 or 503, answered to the
  next requests in order before normal service resumes, or to the next requests for one
  number (`fail_for(to, status, code)`: the same whatever order concurrent sends arrive in);
- otherwise HTTP 201 and a message resource with a new SM... sid, status "queued"; after
  `hold_answers()` that answer waits (the message already recorded as sent) until
  `release_answers()`: Twilio took the message, its answer never reached the sender."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.serving import serving

# Twilio's test numbers and the errors they produce.
MAGIC_ERRORS = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
}
INVALID_NUMBER = "+15005550001"
UNROUTABLE_NUMBER = "+15005550002"
UNSUBSCRIBED_NUMBER = "+15005550004"
# The longest a held answer waits for `release_answers()`.
HOLD_LIMIT_S = 60.0


@dataclass(frozen=True)
class SentMessage:
    sid: str
    account_sid: str
    to: str
    body: str
    from_number: str | None
    messaging_service_sid: str | None
    media_urls: list[str]
    status_callback: str | None


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "0" * 32
    auth_token: str = "fake-auth-token"
    sent: list[SentMessage] = field(default_factory=list)
    requests: int = 0
    _failures: deque[tuple[int, int | None]] = field(default_factory=deque)
    _failures_for: dict[str, deque[tuple[int, int | None]]] = field(default_factory=dict)
    _answers: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._answers.set()

    def hold_answers(self) -> None:
        """Record the messages accepted from now on, but hold back their answers."""
        self._answers.clear()

    def release_answers(self) -> None:
        self._answers.set()

    def fail_next(self, status: int, code: int | None = None, times: int = 1) -> None:
        """Answer the next `times` requests with this HTTP status (and Twilio error code)."""
        self._failures.extend([(status, code)] * times)

    def fail_for(self, to: str, status: int, code: int | None = None, times: int = 1) -> None:
        """Answer the next `times` requests to the number `to` with this HTTP status."""
        self._failures_for.setdefault(to, deque()).extend([(status, code)] * times)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/2010-04-01/Accounts/{account_sid}/Messages.json",
                    self._create_message,
                    methods=["POST"],
                )
            ]
        )

    async def _create_message(self, request: Request) -> JSONResponse:
        self.requests += 1
        account_sid = request.path_params["account_sid"]
        if not self._authorised(request, account_sid):
            return _error(401, 20003, "Authenticate")
        if self._failures:
            status, code = self._failures.popleft()
            return _error(status, code, "Injected failure")
        form = await request.form()
        to = str(form.get("To", ""))
        if self._failures_for.get(to):
            status, code = self._failures_for[to].popleft()
            return _error(status, code, "Injected failure")
        if to in MAGIC_ERRORS:
            code, text = MAGIC_ERRORS[to]
            return _error(400, code, text)
        body = str(form.get("Body", ""))
        from_number = form.get("From")
        service = form.get("MessagingServiceSid")
        if not to or (from_number is None and service is None):
            return _error(400, 21604, "A 'To' and a 'From' or 'MessagingServiceSid' are required.")
        callback = form.get("StatusCallback")
        message = SentMessage(
            sid="SM" + secrets.token_hex(16),
            account_sid=account_sid,
            to=to,
            body=body,
            from_number=None if from_number is None else str(from_number),
            messaging_service_sid=None if service is None else str(service),
            media_urls=[str(url) for url in form.getlist("MediaUrl")],
            status_callback=None if callback is None else str(callback),
        )
        self.sent.append(message)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._answers.wait(), HOLD_LIMIT_S)
        return JSONResponse(_resource(message), status_code=201)

    def _authorised(self, request: Request, account_sid: str) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or account_sid != self.account_sid:
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return user == self.account_sid and password == self.auth_token


def _resource(message: SentMessage) -> dict[str, Any]:
    return {
        "sid": message.sid,
        "account_sid": message.account_sid,
        "to": message.to,
        "from": message.from_number,
        "messaging_service_sid": message.messaging_service_sid,
        "body": message.body,
        "num_media": str(len(message.media_urls)),
        "num_segments": "1",
        "status": "queued",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "error_code": None,
        "error_message": None,
        "uri": f"/2010-04-01/Accounts/{message.account_sid}/Messages/{message.sid}.json",
    }


def _error(status: int, code: int | None, message: str) -> JSONResponse:
    payload = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(payload, status_code=status)


@contextlib.asynccontextmanager
async def fake_twilio() -> AsyncIterator[tuple[FakeTwilio, str]]:
    """A fake Twilio on loopback: the fake (to inspect and steer) and its base URL."""
    fake = FakeTwilio()
    async with serving(fake.app()) as url:
        try:
            yield fake, url
        finally:
            fake.release_answers()  # held answers end before the server stops
