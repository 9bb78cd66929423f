"""Turning an Authorization header into a principal, with a short cache for staff tokens, and
refusing a request whose token does not verify before anything else reads it."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.requests import HTTPConnection

from domain.access.principals import Anonymous, Principal, Staff
from domain.access.tokens import InvalidToken, customer_for_jwt, is_staff_token, staff_for_token
from domain.uow import UnitOfWork
from schema.responses import Refusal
from schema.throttle import Throttle, ThrottleRule, Unthrottled, retry_after_s

STAFF_CACHE_TTL_S = 30.0
STAFF_CACHE_SIZE = 1_000


class Authenticator:
    """Verifies bearer tokens. A verified staff token is remembered for 30 s, so a
    revocation takes effect within that time and hot paths skip a database round trip."""

    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        jwt_secret: str | None,
        jwt_audience: str | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self._new_uow = new_uow
        self._jwt_secret = jwt_secret
        self._jwt_audience = jwt_audience
        self._throttle = throttle or Unthrottled()
        self._staff: OrderedDict[str, tuple[float, Staff]] = OrderedDict()

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
            if is_staff_token(token):
                return await self._staff_for(token)
            if self._jwt_secret is None:
                return Anonymous("customer tokens are not accepted: TESSERA_JWT_SECRET is unset")
            return customer_for_jwt(token, self._jwt_secret, self._jwt_audience)
        except InvalidToken as error:
            return Anonymous(f"invalid token: {error}")

    async def _staff_for(self, token: str) -> Staff:
        now = time.monotonic()
        cached = self._staff.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        staff = await staff_for_token(self._new_uow(), token)
        self._staff[token] = (now + STAFF_CACHE_TTL_S, staff)
        self._staff.move_to_end(token)
        while len(self._staff) > STAFF_CACHE_SIZE:
            self._staff.popitem(last=False)
        return staff


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
