"""Test databases: find a PostgreSQL server, create a fresh database on it, drop it after."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.tables import metadata
from funnels.tables import segments  # noqa: F401  (its tables are emptied too)
from notifications.tables import messages  # noqa: F401  (its tables are emptied too)
from tessera.database import asyncpg_dsn
from tessera.embedded import start_temporary_postgres
from tessera.migrate import upgrade

LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# Configuration rows the migration seeds; tests reset them instead of truncating them.
SEEDED_TABLES = frozenset({"earning_rules", "point_categories", "redemption_rules"})


def port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def find_server(scratch_dir: Path) -> tuple[str, Callable[[], None]]:
    """A server URL to create test databases on, and how to stop it when the session ends.

    Order: TESSERA_TEST_DATABASE_URL, TESSERA_DATABASE_URL, a PostgreSQL on 127.0.0.1:5432,
    else a temporary embedded one.
    """
    for name in ("TESSERA_TEST_DATABASE_URL", "TESSERA_DATABASE_URL"):
        if url := os.environ.get(name):
            return url, lambda: None
    if port_answers("127.0.0.1", 5432):
        return LOCAL_SERVER_URL, lambda: None
    return start_temporary_postgres(scratch_dir)


def with_database(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database(server_url: str, *, migrate: bool = True) -> AsyncIterator[str]:
    """Create a uniquely named database (migrated to head unless told not to), then drop it."""
    name = f"tessera_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(server_url, name)
    try:
        if migrate:
            # Alembic's env.py calls asyncio.run, which cannot nest in the running loop.
            await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await drop_database(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def reset_tables(engine: AsyncEngine) -> None:
    """Empty every table, and put the seeded configuration back as the migration left it."""
    names = ", ".join(t.name for t in metadata.sorted_tables if t.name not in SEEDED_TABLES)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await conn.execute(
            text(
                "UPDATE earning_rules SET points_per_unit = 1, spend_unit_minor = 100, "
                "award_status = 'PAID', min_order_minor = 0, exclude_discounted = false "
                "WHERE id = 1"
            )
        )
        await conn.execute(
            text(
                "UPDATE redemption_rules SET points_per_unit = 100, value_per_unit_minor = 100, "
                "min_balance_points = 0, min_cart_minor = 0, max_discount_minor = NULL, "
                "max_discount_bp = NULL, exclude_discounted = false, "
                "earn_on_points_paid = false WHERE id = 1"
            )
        )
        await conn.execute(text("DELETE FROM point_categories WHERE NOT is_default"))
        await conn.execute(
            text("UPDATE point_categories SET name = 'Base', earn_multiplier = 1 WHERE is_default")
        )
