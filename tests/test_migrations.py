"""The migrations match the table definitions and can be undone and redone."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command

from tessera.database import asyncpg_dsn
from tessera.migrate import alembic_config, upgrade
from tests.support.databases import fresh_database

# Alembic's env.py calls asyncio.run, so its commands run in a thread, off the test loop.


async def test_models_match_migrations(database_url: str) -> None:
    # Raises when autogenerate would find differences between metadata and the database.
    await asyncio.to_thread(command.check, alembic_config(database_url))


async def test_downgrade_to_base_then_upgrade_to_head(postgres_server: str) -> None:
    async with fresh_database(postgres_server) as url:
        # When every migration is undone
        await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
        # Then only Alembic's own bookkeeping table is left
        assert await _tables(url) == ["alembic_version"]
        # And redoing them gives the complete schema again
        await asyncio.to_thread(upgrade, url)
        assert "ledger_entries" in await _tables(url)
        await asyncio.to_thread(command.check, alembic_config(url))


async def _tables(url: str) -> list[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        return [row["tablename"] for row in rows]
    finally:
        await conn.close()
