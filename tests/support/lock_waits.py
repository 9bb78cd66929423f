"""Waiting, in a race test, until a request has reached the lock another connection holds."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock' AND query ILIKE :pattern"
)


async def wait_for_lock_waiters(
    engine: AsyncEngine, pattern: str = "%", count: int = 1, deadline_s: float = 10.0
) -> None:
    """Poll until `count` backends of this database wait for a lock while running a
    statement like `pattern` (SQL ILIKE); AssertionError past the deadline."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        async with engine.connect() as conn:
            if (await conn.execute(_WAITING, {"pattern": pattern})).scalar_one() >= count:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} statements like {pattern!r} waited for a lock")
