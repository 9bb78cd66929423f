"""Turning an Authorization header into a principal, with a short cache for staff tokens and
console sessions, and refusing a request whose token does not verify before anything else
reads it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import HTTPConnection

from domain.access.principals import Anonymous, Credential, Principal, Staff
from domain.access.tokens import InvalidToken, customer_for_jwt, is_staff_token, staff_for_token
from domain.staff.sessions import SessionPolicy, is_session_token, staff_for_session
from domain.uow import UnitOfWork
from schema.responses import Refusal
from schema.throttle import Throttle, ThrottleRule, Unthrottled, retry_after_s

STAFF_CACHE_TTL = timedelta(seconds=30)
STAFF_CACHE_SIZE = 1_000


@dataclass(frozen=True)
class _Verified:
    checked_at: datetime  # when the database said so (by the sessions' clock)
    staff: Staff
    valid_until: datetime | None = None  # a session's end unless used again


class Authenticator:
    """Verifies bearer tokens. A verified staff token or session is remembered for 30 s, so
    hot paths skip a database round trip; a revocation elsewhere (`tessera token revoke`,
    `tessera user disable`, another process's logout) takes effect within that time. A
    session is never remembered past its idle or absolute end, and a logout served by this
    process forgets it at once (`forget_session`)."""

    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        jwt_secret: str | None,
        jwt_audience: str | None = None,
        throttle: Throttle | None = None,
        sessions: SessionPolicy | None = None,
    ) -> None:
        self._new_uow = new_uow
        self._jwt_secret = jwt_secret
        self._jwt_audience = jwt_audience
        self._throttle = throttle or Unthrottled()
        self._sessions = sessions or SessionPolicy()
        self._staff: OrderedDict[str, _Verified] = OrderedDict()

    async def caller(self, request: HTTPConnection) -> Principal:
        """The verified caller of `request`: Anonymous() when it sends no Authorization
        header (the endpoint decides what an anonymous caller may do). A header that does
        not verify is refused here: 401 UNAUTHENTICATED, or 429 RATE_LIMITED once its client
        address failed more than the failed-authentication limit allows."""
        principal = await self.principal(request.headers.get("authorization"))
        if not isinstance(principal, Anonymous) or principal.reason is None:
            return principal
        wait_s = await self._throttle.hit(
            ThrottleRule.FAILED_AUTHENTICATION, f"address:{client_address(request)}"
        )
        if wait_s is not None:
            seconds = retry_after_s(wait_s)
            raise Refusal(
                429,
                f"Too many failed authentications from this address; retry in {seconds} s.",
                headers={"Retry-After": str(seconds)},
                retryAfter=seconds,
            )
        raise unauthenticated(principal)

    async def principal(self, authorization: str | None) -> Principal:
        if not authorization:
            return Anonymous()
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return Anonymous("the Authorization header must be 'Bearer <token>'")
        try:
            if is_staff_token(token) or is_session_token(token):
                return await self._staff_for(token)
            if self._jwt_secret is None:
                return Anonymous("customer tokens are not accepted: TESSERA_JWT_SECRET is unset")
            return customer_for_jwt(token, self._jwt_secret, self._jwt_audience)
        except InvalidToken as error:
            return Anonymous(f"invalid token: {error}")

    def forget_session(self, session_id: int) -> None:
        """Stop accepting a session this process remembers (it was just ended)."""
        for token, verified in list(self._staff.items()):
            staff = verified.staff
            if staff.credential is Credential.SESSION and staff.credential_id == session_id:
                del self._staff[token]

    async def _staff_for(self, token: str) -> Staff:
        # One clock for the cache and the sessions it holds: a test that moves it sees both
        # age together, as they do in real time.
        now = self._sessions.clock()
        cached = self._staff.get(token)
        if cached is not None and self._still_valid(cached, now):
            return cached.staff
        if is_session_token(token):
            session = await staff_for_session(self._new_uow(), token, self._sessions)
            verified = _Verified(now, session.staff, session.valid_until)
        else:
            verified = _Verified(now, await staff_for_token(self._new_uow(), token))
        self._staff[token] = verified
        self._staff.move_to_end(token)
        while len(self._staff) > STAFF_CACHE_SIZE:
            self._staff.popitem(last=False)
        return verified.staff

    @staticmethod
    def _still_valid(cached: _Verified, now: datetime) -> bool:
        # A clock set back makes the entry stale rather than young again.
        if not cached.checked_at <= now < cached.checked_at + STAFF_CACHE_TTL:
            return False
        return cached.valid_until is None or now < cached.valid_until


def unauthenticated(principal: Anonymous) -> Refusal:
    """401 UNAUTHENTICATED saying how to authenticate (and why a token was refused)."""
    why = f" ({principal.reason})" if principal.reason else ""
    return Refusal(
        401,
        f"Authentication required: send 'Authorization: Bearer <token>'{why}.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def client_address(request: HTTPConnection) -> str:
    """The client's address (behind a proxy, as the server's proxy-headers setting trusts)."""
    return request.client.host if request.client else "unknown"
