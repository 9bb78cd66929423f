"""Turning an Authorization header into a principal, with a short cache for staff tokens."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from domain.access.principals import Anonymous, Principal, Staff
from domain.access.tokens import InvalidToken, customer_for_jwt, is_staff_token, staff_for_token
from domain.uow import UnitOfWork

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
    ) -> None:
        self._new_uow = new_uow
        self._jwt_secret = jwt_secret
        self._jwt_audience = jwt_audience
        self._staff: OrderedDict[str, tuple[float, Staff]] = OrderedDict()

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
