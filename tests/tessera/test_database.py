"""Given Tessera's engine, when it connects, then its sessions run in UTC and without JIT
(whose compiling cost set-based statements up to 0.8 s each: tessera/database.py)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_the_engines_sessions_run_in_utc_without_jit(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        settings = (
            await conn.execute(text("SELECT current_setting('jit'), current_setting('TimeZone')"))
        ).one()
    assert tuple(settings) == ("off", "UTC")
