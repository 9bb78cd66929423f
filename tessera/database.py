"""Database URLs and the async engine: psql-style URLs in, SQLAlchemy + asyncpg out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from domain.uow import UnitOfWork

T = TypeVar("T")


def sqlalchemy_url(url: str) -> URL:
    """Turn `postgresql://user@host:port/db` (or `...?host=/socket/dir`) into an asyncpg URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"TESSERA_DATABASE_URL must be a postgresql:// URL, got {url!r}")
    return parsed.set(drivername="postgresql+asyncpg")


def asyncpg_dsn(url: str) -> str:
    """The same database as a plain DSN for asyncpg.connect (benchmarks, tests)."""
    return sqlalchemy_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# Every connection's session settings. JIT off: Tessera's statements are short ones, or
# set-based ones over arrays and CTEs whose row estimates run far above the rows they
# touch, and PostgreSQL compiled those for 0.3 to 0.8 s a statement to save nothing (a
# funnel batch's voucher statement spent 0.77 s of its 1.3 s compiling; the monthly flow
# report a sixth of its time). The benches' SQL baselines connect with the same settings.
SESSION_SETTINGS = {"timezone": "UTC", "jit": "off"}


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    """An engine whose connections are plain asyncpg connections in UTC, without JIT."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        connect_args={"server_settings": {**SESSION_SETTINGS, "application_name": "tessera"}},
    )


def run_with_engine(
    database_url: str, work: Callable[[AsyncEngine], Awaitable[T]], pool_size: int = 1
) -> T:
    """Run `work` on a small engine (`pool_size` connections, as many again when busy) in a
    new event loop, then dispose of it (for actors and commands, which run one unit of work
    and exit)."""

    async def run() -> T:
        engine = create_engine(database_url, pool_size=pool_size)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def run_with_uow(database_url: str, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """`work` given a unit of work on a one-connection engine (see run_with_engine)."""
    return run_with_engine(database_url, lambda engine: work(UnitOfWork(engine)))
