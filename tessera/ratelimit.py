"""Rate limits (schema/throttle.py's rules) on the `limits` library's moving windows, counted
in Redis so that every API process shares them.

Where the counters live: TESSERA_RATE_LIMIT_URL, else the broker's Redis
(TESSERA_BROKER_URL when it is a Redis URL), else this process's memory (a single-process
demo; each process then counts alone).

When Redis is unreachable the limits fail open: the request is served uncounted and a
warning is logged, and Redis is not asked again for REDIS_RETRY_S, so an outage costs each
request nothing beyond that. Rate limiting guards against guessing and floods; taking the
tills down with Redis would be the worse failure. Each Redis call is bounded by
REDIS_TIMEOUT_S."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from schema.throttle import ThrottleRule

logger = logging.getLogger("tessera.ratelimit")

REDIS_TIMEOUT_S = 0.25
REDIS_RETRY_S = 5.0
KEY_PREFIX = "tessera-limits"


class RateLimits:
    """A Throttle: each rule's limit (e.g. "120/minute") counted per key."""

    def __init__(self, storage_url: str | None, limits: dict[ThrottleRule, str]) -> None:
        self._items: dict[ThrottleRule, RateLimitItem] = {
            rule: parse(text) for rule, text in limits.items()
        }
        self._storage = _storage(storage_url)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._skip_until = 0.0
        self.shared = storage_url is not None

    async def hit(self, rule: ThrottleRule, *keys: str) -> float | None:
        return await self._wait_s(rule, keys, self._limiter.hit, "counted")

    async def waiting(self, rule: ThrottleRule, *keys: str) -> float | None:
        return await self._wait_s(rule, keys, self._limiter.test, "checked")

    async def _wait_s(
        self,
        rule: ThrottleRule,
        keys: tuple[str, ...],
        check: Callable[[RateLimitItem, str, str], Awaitable[bool]],
        what: str,
    ) -> float | None:
        """`check` (count, or only test) each key; the wait when one is past the limit."""
        item = self._items[rule]
        if time.monotonic() < self._skip_until:
            return None
        try:
            allowed = await asyncio.gather(*(check(item, rule.value, key) for key in keys))
            refused = [key for key, ok in zip(keys, allowed, strict=True) if not ok]
            if not refused:
                return None
            stats = await self._limiter.get_window_stats(item, rule.value, refused[0])
        except Exception as error:  # storage unreachable or failing: fail open, see above
            self._skip_until = time.monotonic() + REDIS_RETRY_S
            logger.warning(
                "rate limits not %s for %.0f s: their storage failed (%s)",
                what,
                REDIS_RETRY_S,
                error,
            )
            return None
        return max(stats.reset_time - time.time(), 1.0)


def _storage(url: str | None) -> Storage:
    if url is None:
        return MemoryStorage()
    scheme, sep, rest = url.partition("://")
    schemes = {"redis": "async+redis", "rediss": "async+rediss", "unix": "async+redis+unix"}
    if not sep or scheme not in schemes:
        raise ValueError(f"TESSERA_RATE_LIMIT_URL must be a Redis URL, got {url!r}")
    return RedisStorage(
        f"{schemes[scheme]}://{rest}",
        implementation="redispy",
        key_prefix=KEY_PREFIX,
        wrap_exceptions=True,
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
    )


def storage_url(rate_limit_url: str | None, broker_url: str | None) -> str | None:
    """Where the counters live: the configured URL, else the broker's when it is Redis."""
    if rate_limit_url:
        return rate_limit_url
    if broker_url and broker_url.startswith(("redis://", "rediss://", "unix://")):
        return broker_url
    return None
