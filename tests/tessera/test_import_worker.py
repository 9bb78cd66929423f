"""Import jobs run by real `tessera worker` processes on the session's Redis: a file
uploaded and started through the API (a server with the broker configured) is run by a
worker to DONE; a worker killed with SIGKILL while loading leaves the job LOADING, and once
it has been silent for the idle time the periodic resume_import_jobs sends it again and
another worker finishes it, each customer imported once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.access.tokens import create_staff_token
from domain.uow import UnitOfWork
from tests.support.api import GraphQLClient, running_server
from tests.support.funnel_workers import db, funnel_workers, scalar, workers_db
from tests.support.imports import GOOD_CUSTOMERS, settled, start, upload
from tests.support.ledger import assert_ledger_sound
from tests.support.worker_processes import WorkerStarter
from tests.tessera.test_worker import actors

__all__ = ["actors", "db", "workers_db"]  # the fixtures, used by name

WAIT_S = 90.0
ROWS = 9_000


@pytest.fixture
def workers(
    actors: ModuleType, workers_db: str, broker_url: str, tmp_path: Path
) -> Iterator[WorkerStarter]:
    with funnel_workers(actors, workers_db, broker_url, tmp_path,
                        TESSERA_IMPORT_CHUNK_ROWS="300") as starter:  # fmt: skip
        yield starter


async def job_row(conn: AsyncConnection, job_id: str) -> tuple[str, int]:
    """The job's status and rows loaded, its row locked until the transaction ends."""
    found = await conn.execute(
        text("SELECT status, rows_done FROM import_jobs WHERE id = :id FOR UPDATE"),
        {"id": int(job_id)},
    )
    status, done = found.one()
    return str(status), int(done)


async def job_row_now(db: AsyncEngine, job_id: str) -> tuple[str, int]:
    async with db.begin() as conn:
        return await job_row(conn, job_id)


def many_customers() -> str:
    rows = [f"W-{i},w{i}@example.com,Name{i},{i % 7}" for i in range(1, ROWS + 1)]
    return "external_ref,email,first_name,points\n" + "\n".join(rows) + "\n"


async def test_a_worker_runs_an_import_started_from_the_api_and_one_killed_is_resumed(
    actors: ModuleType, db: AsyncEngine, workers: WorkerStarter, workers_db: str, broker_url: str
) -> None:
    token = await create_staff_token(UnitOfWork(db), "admin", "admin")
    first = workers.start()
    async with (
        running_server(workers_db, broker_url=broker_url) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        gql = GraphQLClient(http, token)
        # Given a small file started from the API: a worker runs it to DONE
        small = await start(gql, await upload(http, token, GOOD_CUSTOMERS))
        done = await settled(gql, small["job"]["id"], WAIT_S)
        assert (done["status"], done["customersCreated"], done["rowsLoaded"]) == ("DONE", 3, 3)
        # When a larger one's worker is killed while loading
        big = await start(gql, await upload(http, token, many_customers(), "many.csv"))
        job_id = big["job"]["id"]
        # (the test holds the job's row lock between two chunks, so the worker is killed
        # waiting for it, its last chunk committed)
        async with db.connect() as conn:
            seen = []
            while True:
                async with conn.begin():
                    status, loaded = await job_row(conn, job_id)
                    seen.append((status, loaded))
                    if status == "LOADING" and loaded >= 600:
                        first.kill()
                        break
                await asyncio.sleep(0.01)
        assert 0 < loaded < ROWS, (sorted(set(seen)), first.log())
        assert await job_row_now(db, job_id) == ("LOADING", loaded)
        # and it has been silent past the idle time, and the sweep runs on another worker
        async with db.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE import_jobs SET updated_at = now() - interval '2 minutes' "
                    "WHERE id = :id"
                ),
                {"id": int(job_id)},
            )
        second = workers.start()
        actors.resume_import_jobs.send()
        job = await settled(gql, job_id, WAIT_S)
    # Then the import is DONE, every customer once, the ledger sound
    assert job["status"] == "DONE", second.log()
    assert (job["rowsLoaded"], job["customersCreated"]) == (ROWS, ROWS)
    assert await scalar(db, "SELECT count(*) FROM customers WHERE external_ref LIKE 'W-%'") == ROWS
    await assert_ledger_sound(db)
    second.kill()
