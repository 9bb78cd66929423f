"""Database URLs and the async engine: psql-style URLs in, SQLAlchemy + asyncpg out."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def sqlalchemy_url(url: str) -> URL:
    """Turn `postgresql://user@host:port/db` (or `...?host=/socket/dir`) into an asyncpg URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"TESSERA_DATABASE_URL must be a postgresql:// URL, got {url!r}")
    return parsed.set(drivername="postgresql+asyncpg")


def asyncpg_dsn(url: str) -> str:
    """The same database as a plain DSN for asyncpg.connect (benchmarks, tests)."""
    return sqlalchemy_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    """An engine whose connections are plain asyncpg connections in UTC."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        connect_args={"server_settings": {"timezone": "UTC", "application_name": "tessera"}},
    )
