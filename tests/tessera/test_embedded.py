"""The embedded PostgreSQL that lets Tessera and its tests run without any setup."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from tessera.database import asyncpg_dsn
from tessera.embedded import (
    ensure_database_url,
    rootless_namespace_problem,
    start_temporary_postgres,
    stop_embedded,
)
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


# --- a rootless user namespace, where pgserver's `pgserver` user cannot own files ----------

FULL_MAP = "         0          0 4294967295\n"


@pytest.mark.parametrize(
    ("euid", "uid_map", "pgserver_uid", "can_run"),
    [
        (0, FULL_MAP, 1001, True),  # root on a machine: pgserver's user owns the data
        (0, FULL_MAP, None, True),  # ...and the user does not exist yet
        (1000, "0 1000 1\n", None, True),  # not root: pgserver runs PostgreSQL as us
        (0, None, None, True),  # no /proc/self/uid_map: not Linux
        (0, "0 0 1\n", 1001, False),  # unshare --user --map-root-user, as root
        (0, "0 1000 1\n", None, False),  # a rootless container mapping only root
        (0, "0 1000 1\n1 100000 65536\n", 1001, True),  # podman: a range of subuids
        (0, "0 1000 1\n1 100000 500\n", 1001, False),  # a range that misses pgserver's uid
    ],
)
def test_the_rootless_namespace_check_tells_where_pgserver_cannot_run(
    euid: int, uid_map: str | None, pgserver_uid: int | None, can_run: bool
) -> None:
    problem = rootless_namespace_problem(euid, uid_map, pgserver_uid)

    assert (problem is None) is can_run
    if problem is not None:
        assert "TESSERA_DATABASE_URL" in problem
        assert "user namespace" in problem


def _unshare_works() -> bool:
    try:
        probe = ["unshare", "--user", "--map-root-user", "true"]
        return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(
    os.geteuid() != 0 or not _unshare_works(),
    reason="needs root and `unshare --user --map-root-user` to make a namespace mapping only root",
)
def test_given_a_namespace_mapping_only_root_when_the_demo_needs_postgres_then_it_explains(
    tmp_path: Path,
) -> None:
    # Given root in a user namespace that maps only uid 0, and no database configured
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "TESSERA_DATABASE_URL"}
    env["TESSERA_DATA_DIR"] = str(data_dir)

    # When a command needs the database
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", sys.executable, "-m", "tessera.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Then it stops with an explanation and a way out, having touched nothing
    assert done.returncode == 1
    assert "The embedded PostgreSQL cannot run here" in done.stderr
    assert "TESSERA_DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(data_dir.iterdir()) == []
