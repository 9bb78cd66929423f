"""Import jobs run as the worker runs them (domain/imports/running.py): a job claimed by
one run at a time, resumed after a run cut short, a dry run that writes nothing but its
report, a file that cannot be read FAILED, and uploads kept while a job needs them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.imports import loading
from domain.imports.formats import ImportKind
from domain.imports.running import MAX_RUNS, run_job, stale_jobs
from domain.imports.starting import start_import
from domain.imports.uploads import UploadWriter, delete_stale_uploads
from domain.uow import UnitOfWork
from tests.support.ledger import assert_ledger_sound

HEADER = "external_ref,email,points"


def customers(count: int) -> bytes:
    rows = [f"R{i},r{i}@example.com,{i}" for i in range(1, count + 1)]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


async def uploaded(engine: AsyncEngine, content: bytes, blocks: int = 3) -> str:
    writer = await UploadWriter.begin(UnitOfWork(engine), "people.csv", "test")
    size = max(1, len(content) // blocks)
    for i in range(0, len(content), size):
        await writer.add(content[i : i + size])
    return (await writer.complete()).id


async def started(engine: AsyncEngine, content: bytes, **more: Any) -> int:
    upload_id = await uploaded(engine, content)
    done = await start_import(UnitOfWork(engine), ImportKind.CUSTOMERS, upload_id, None,
                              "staff:1:test", **more)  # fmt: skip
    return done.job.id


class Killed(BaseException):
    """A run's worker killed: no handler of the run's sees it (as SIGKILL, or a time limit's
    interrupt)."""


async def one(engine: AsyncEngine, sql: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def test_a_run_cut_short_while_loading_is_resumed_by_the_next_run(
    clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = await started(clean_db, customers(1_000))
    # Given a run whose worker dies while loading its third chunk
    real = loading.LoadChunk.handle
    calls = 0

    async def dying(self: loading.LoadChunk, uow: UnitOfWork) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Killed
        return await real(self, uow)

    monkeypatch.setattr(loading.LoadChunk, "handle", dying)
    with pytest.raises(Killed):
        await run_job(UnitOfWork(clean_db), job_id, chunk_rows=200, every_s=0.01)
    # (the fourth chunk, loading beside the third, rolled back with it)
    assert await one(clean_db, "SELECT count(*) FROM customers") == 400
    calls_before = calls
    # When another run comes while the first may still be alive, it leaves the job be
    busy = await run_job(UnitOfWork(clean_db), job_id, chunk_rows=200)
    assert busy is not None and (busy.status, busy.rows_done) == ("LOADING", 400)
    # and once the job has been silent for the idle time, the sweep finds it, and a run
    # resumes it after the last chunk committed
    await _silent_for_minutes(clean_db, job_id, 2)
    assert await stale_jobs(UnitOfWork(clean_db)) == [job_id]
    job = await run_job(UnitOfWork(clean_db), job_id, chunk_rows=200)
    assert job is not None and job.status == "DONE", job
    assert (job.rows_total, job.rows_done, job.customers_created) == (1_000, 1_000, 1_000)
    assert job.points_opened == sum(range(1, 1_001))
    assert calls - calls_before == 3  # the chunks after the two committed, not all five
    assert await one(clean_db, "SELECT count(*) FROM customers") == 1_000
    await assert_ledger_sound(clean_db)
    # And a run delivered again after the end changes nothing
    again = await run_job(UnitOfWork(clean_db), job_id, chunk_rows=200, idle_s=0)
    assert again is not None and again.status == "DONE"
    assert await one(clean_db, "SELECT count(*) FROM ledger_entries") == 1_000


async def test_a_job_whose_runs_keep_dying_fails_and_starting_it_again_retries_it(
    clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a job whose every run dies while loading (a bug the file triggers, or its
    # worker killed each time)
    content = customers(10)
    job_id = await started(clean_db, content)
    real = loading.LoadChunk.handle

    async def dying(self: loading.LoadChunk, uow: UnitOfWork) -> Any:
        raise Killed

    monkeypatch.setattr(loading.LoadChunk, "handle", dying)
    # When the sweep sends it again each time its run has been silent for a while
    for _ in range(MAX_RUNS):
        with pytest.raises(Killed):
            await run_job(UnitOfWork(clean_db), job_id, chunk_rows=4)
        await _silent_for_minutes(clean_db, job_id, 2)
    failed = await run_job(UnitOfWork(clean_db), job_id, chunk_rows=4)
    # Then the run after the last one gives up: FAILED, saying why, and no longer sent
    assert failed is not None and failed.status == "FAILED" and failed.runs == MAX_RUNS
    assert failed.error is not None and f"{MAX_RUNS} runs" in failed.error
    assert await stale_jobs(UnitOfWork(clean_db)) == []
    assert await one(clean_db, "SELECT count(*) FROM customers") == 0
    # And once fixed, starting the same file again queues the same job again, which loads
    monkeypatch.setattr(loading.LoadChunk, "handle", real)
    again = await start_import(UnitOfWork(clean_db), ImportKind.CUSTOMERS,
                               await uploaded(clean_db, content), None, "staff:1:test")  # fmt: skip
    assert again.job.id == job_id and again.hand_over and again.job.status == "QUEUED"
    done = await run_job(UnitOfWork(clean_db), job_id, chunk_rows=4)
    assert done is not None and (done.status, done.runs, done.customers_created) == ("DONE", 1, 10)
    assert done.error is None
    await assert_ledger_sound(clean_db)


async def _silent_for_minutes(engine: AsyncEngine, job_id: int, minutes: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE import_jobs SET updated_at = now() - make_interval(mins => :m) "
                "WHERE id = :id"
            ),
            {"m": minutes, "id": job_id},
        )


async def test_a_dry_run_is_checked_and_writes_nothing_else(clean_db: AsyncEngine) -> None:
    bad = customers(3) + b"R2,dup@example.com,1\n"
    good_id = await started(clean_db, customers(3), dry_run=True)
    bad_id = await started(clean_db, bad, dry_run=True)
    good = await run_job(UnitOfWork(clean_db), good_id)
    rejected = await run_job(UnitOfWork(clean_db), bad_id)
    assert good is not None and (good.status, good.rows_total, good.dry_run) == ("CHECKED", 3, True)
    assert rejected is not None and rejected.status == "REJECTED"
    assert [p["line"] for p in rejected.problems] == [5]
    assert good.finished_at is not None and good.rows_expected == 3
    assert await one(clean_db, "SELECT count(*) FROM customers") == 0
    assert await one(clean_db, "SELECT count(*) FROM import_rows") == 0


async def test_a_file_that_cannot_be_read_fails_with_its_reason(clean_db: AsyncEngine) -> None:
    job_id = await started(clean_db, b"shoe_size,colour\n42,red\n")
    job = await run_job(UnitOfWork(clean_db), job_id)
    assert job is not None and job.status == "FAILED"
    assert job.error is not None and "shoe_size" in job.error
    # A failed job is not run again
    assert await stale_jobs(UnitOfWork(clean_db), idle_s=0) == []


async def test_uploads_go_after_a_day_unless_an_unfinished_job_needs_them(
    clean_db: AsyncEngine,
) -> None:
    unused = await uploaded(clean_db, customers(2))
    queued_job = await started(clean_db, customers(5))
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE import_uploads SET created_at = now() - interval '2 days'"))
    assert await delete_stale_uploads(UnitOfWork(clean_db)) == 1
    remaining = await one(clean_db, "SELECT count(*) FROM import_uploads")
    assert remaining == 1 and unused
    done = await run_job(UnitOfWork(clean_db), queued_job)
    assert done is not None and done.status == "DONE"
    assert await delete_stale_uploads(UnitOfWork(clean_db)) == 1
    assert await one(clean_db, "SELECT count(*) FROM import_upload_parts") == 0
