"""The embedded PostgreSQL that lets Tessera and its tests run without any setup."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from pathlib import Path

import asyncpg

from tessera.database import asyncpg_dsn
from tessera.embedded import ensure_database_url, start_temporary_postgres, stop_embedded
from tessera.migrate import upgrade
from tessera.settings import Settings


async def test_temporary_postgres_runs_migrations_and_is_deleted_when_stopped(
    tmp_path: Path,
) -> None:
    # Given a temporary embedded server
    url, stop = await asyncio.to_thread(start_temporary_postgres, tmp_path)
    try:
        # When the migrations run on it
        await asyncio.to_thread(upgrade, url)
        # Then Tessera's tables exist, seeded
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            assert await conn.fetchval("SELECT to_regclass('public.ledger_entries')::text")
            assert await conn.fetchval("SELECT name FROM point_categories") == "Base"
        finally:
            await conn.close()
    finally:
        await asyncio.to_thread(stop)
    # And stopping it leaves nothing behind
    assert await asyncio.to_thread(os.listdir, tmp_path) == []


def test_configured_database_url_is_returned_unchanged(tmp_path: Path) -> None:
    configured = "postgresql://someone@db.example:6543/loyalty"
    settings = dataclasses.replace(Settings.from_env(), database_url=configured, data_dir=tmp_path)
    assert ensure_database_url(settings) == configured
    # No embedded server was started for it
    assert list(tmp_path.iterdir()) == []


async def test_given_no_database_url_when_ensured_then_a_persistent_server_that_stops_on_demand(
    tmp_path: Path,
) -> None:
    settings = dataclasses.replace(Settings.from_env(), database_url=None, data_dir=tmp_path)
    try:
        # When no URL is configured, an embedded server with a `tessera` database starts
        url = await asyncio.to_thread(ensure_database_url, settings)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await conn.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")
        finally:
            await conn.close()
        # And asking again reuses the running server
        assert await asyncio.to_thread(ensure_database_url, settings) == url
    finally:
        # Then `tessera stop-embedded` stops it
        assert await asyncio.to_thread(stop_embedded, settings) == [
            f"PostgreSQL ({(tmp_path / 'pgdata').resolve()})"
        ]
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
    # And its data is still there when it starts again
    url = await asyncio.to_thread(ensure_database_url, settings)
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            assert await conn.fetchval("SELECT n FROM kept") == 42
        finally:
            await conn.close()
    finally:
        await asyncio.to_thread(stop_embedded, settings)
