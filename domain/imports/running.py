"""Running an import job started from the API (the `run_import_job` actor's work): the job
is claimed, its upload written back into a temporary file (under a name of ours: the
upload's is a label), and import_file run on it (a dry run: checked only) while its
progress is written to the job about every second.

Delivery is at least once, and a worker may be killed anywhere: a run claims a QUEUED job,
or one whose last run has written nothing for `idle_s` (its worker died); otherwise
another run has it and this one leaves. A claimed real import resumes where its last run
stopped (import_file is resumable); a dry run, which writes nothing until it ends, checks
again from the start."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import and_, func, or_, select, update

from domain.commands import Command, run
from domain.imports import jobs, uploads
from domain.imports.formats import FormatError, ImportKind
from domain.imports.jobs import KEPT_PROBLEMS, Job
from domain.imports.reading import Row
from domain.imports.rows import RowProblem, check_rows
from domain.imports.services import CHUNK_ROWS, Checked, ImportBusyError, import_file
from domain.imports.starting import UNFINISHED, checked_mapping
from domain.imports.tables import import_jobs
from domain.uow import UnitOfWork

# A run writes its progress every PROGRESS_EVERY_S; one silent for IDLE_S has died.
PROGRESS_EVERY_S = 1.0
IDLE_S = 60.0
# A QUEUED job waits for a worker; one that waited this long may have lost its message.
QUEUED_IDLE_S = 600.0
# Runs of a job (each resuming the one before, whose worker died) before it is FAILED.
MAX_RUNS = 5
# The name of the upload's copy a run reads (in a directory of its own).
UPLOAD_COPY = "upload.csv"


@dataclass(frozen=True)
class ClaimRun(Command[Job | None]):
    """The job for this run (QUEUED becomes STAGING), or None: it is finished, or another
    run wrote to it less than `idle_s` ago. A job that MAX_RUNS runs claimed without
    finishing is FAILED now (returned so)."""

    job_id: int
    idle_s: float

    async def handle(self, uow: UnitOfWork) -> Job | None:
        job = await jobs.get_job(uow, self.job_id, lock=True)
        if job is None or job.upload_id is None or job.status not in UNFINISHED:
            return None
        if job.status == "QUEUED":
            await jobs.start_run(uow, job)
        else:
            fresh = await uow.execute(
                select(import_jobs.c.updated_at > func.now() - func.make_interval(
                    0, 0, 0, 0, 0, 0, self.idle_s)).where(import_jobs.c.id == job.id)
            )  # fmt: skip
            if fresh.scalar_one():
                return None
            if job.runs >= MAX_RUNS:
                error = (
                    f"Stopped after {job.runs} runs that did not finish (the workers' log "
                    "says why); nothing more is loaded. Start the file again once fixed."
                )
                await jobs.finish(uow, job.id, "FAILED", error=error)
            else:  # ours now: others see it fresh
                await jobs.set_values(uow, job.id, runs=job.runs + 1)
        return await jobs.get_job(uow, job.id)


@dataclass(frozen=True)
class RecordProgress(Command[None]):
    """The rows expected (while checking) and, for a dry run, the rows checked; and that
    the run is alive (updated_at)."""

    job_id: int
    rows_expected: int | None
    rows_checked: int | None

    async def handle(self, uow: UnitOfWork) -> None:
        t = import_jobs.c
        values: dict[str, object] = {"updated_at": func.now()}
        if self.rows_expected is not None:
            values["rows_expected"] = self.rows_expected
        if self.rows_checked is not None:
            values["rows_total"] = self.rows_checked
        await uow.execute(
            update(import_jobs)
            .where(t.id == self.job_id, t.status.in_(("STAGING", "LOADING")))
            .values(**values)
        )


@dataclass(frozen=True)
class EndDryRun(Command[Job | None]):
    """CHECKED when every row is good, else REJECTED with the first problems."""

    job_id: int
    rows: int
    problems: tuple[RowProblem, ...]

    async def handle(self, uow: UnitOfWork) -> Job | None:
        job = await jobs.get_job(uow, self.job_id, lock=True)
        if job is None or job.status != "STAGING" or not job.dry_run:
            return job
        await jobs.finish(
            uow,
            job.id,
            "REJECTED" if self.problems else "CHECKED",
            rows_total=self.rows,
            rows_rejected=len({p.line for p in self.problems}),
            problems=[p.as_dict() for p in self.problems[:KEPT_PROBLEMS]],
        )
        return await jobs.get_job(uow, job.id)


@dataclass(frozen=True)
class FailJob(Command[Job | None]):
    """FAILED: the file cannot be read at all, or the run stopped on an error (`error` says
    why); its staged rows dropped."""

    job_id: int
    error: str

    async def handle(self, uow: UnitOfWork) -> Job | None:
        job = await jobs.get_job(uow, self.job_id, lock=True)
        if job is None or job.status not in UNFINISHED:
            return job
        await jobs.finish(uow, job.id, "FAILED", error=self.error[:1000])
        return await jobs.get_job(uow, job.id)


class ProgressRecorder:
    """Keeps the last progress import_file told, and writes it to the job every `every_s`
    (on its own unit of work, beside the import's) while `recording()`."""

    def __init__(self, uow: UnitOfWork, job: Job, every_s: float) -> None:
        self._uow = uow
        self._job = job
        self._every_s = every_s
        self._expected: int | None = None
        self._checked: int | None = None
        self._stop = asyncio.Event()

    def tell(self, phase: str, done: int, total: int | None) -> None:
        if phase == "checking":
            self._expected = total if total is not None else self._expected
            if self._job.dry_run:
                self._checked = done

    @contextlib.asynccontextmanager
    async def recording(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self._loop())
        try:
            yield
        finally:
            # Stopped between writes, never cancelled in the middle of one.
            self._stop.set()
            await task

    async def _loop(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._every_s)
            await run(self._uow, RecordProgress(self._job.id, self._expected, self._checked))


async def check_in_thread(
    kind: ImportKind, rows: list[Row], headers: Mapping[str, str], today: date
) -> Checked:
    """check_rows off the event loop, which goes on writing the progress meanwhile."""
    return await asyncio.to_thread(check_rows, kind, rows, headers, today)


async def run_job(
    uow: UnitOfWork,
    job_id: int,
    *,
    idle_s: float = IDLE_S,
    every_s: float = PROGRESS_EVERY_S,
    chunk_rows: int = CHUNK_ROWS,
) -> Job | None:
    """Run the job if this run may (see the module's docstring); the job after it. Every
    guarantee of import_file holds; a file that cannot be read, or a file system that
    refuses its copy, ends the job FAILED with the reason in its `error`. Any other error
    stops the run as a kill does: the job is resumed (up to MAX_RUNS runs)."""
    job = await run(uow, ClaimRun(job_id, idle_s))
    if job is None or job.status == "FAILED":
        async with uow:
            return await jobs.get_job(uow, job_id)
    try:
        return await _run_claimed(uow, job, every_s, chunk_rows)
    except ImportBusyError:  # a run of the same file elsewhere (the CLI) goes on
        async with uow:
            return await jobs.get_job(uow, job.id)
    except (FormatError, OSError, UnicodeDecodeError) as error:
        return await run(uow, FailJob(job.id, str(error)))


async def _run_claimed(uow: UnitOfWork, job: Job, every_s: float, chunk_rows: int) -> Job | None:
    assert job.upload_id is not None
    with tempfile.TemporaryDirectory(prefix="tessera-import-") as directory:
        # The upload's own name is a label only (any length, any characters): the copy
        # has a name of ours.
        path = Path(directory) / UPLOAD_COPY
        async with uow:
            found = await uploads.write_to(uow, job.upload_id, path)
        if not found:
            return await run(uow, FailJob(job.id, "The uploaded file is gone (kept a day)."))
        recorder = ProgressRecorder(UnitOfWork(uow.engine), job, every_s)
        async with recorder.recording():
            mapping = checked_mapping(job.mapping, job.kind)
            outcome = await import_file(
                uow,
                job.kind,
                path,
                mapping,
                job.actor,
                earn=bool(job.options.get("earn")),
                dry_run=job.dry_run,
                progress=recorder.tell,
                check=check_in_thread,
                chunk_rows=chunk_rows,
            )
    if job.dry_run:
        return await run(uow, EndDryRun(job.id, outcome.rows, tuple(outcome.problems)))
    return outcome.job


async def stale_jobs(uow: UnitOfWork, idle_s: float = IDLE_S) -> list[int]:
    """The API's unfinished jobs no run has written to for `idle_s` (QUEUED ones for
    QUEUED_IDLE_S): their worker died, or their message was lost."""
    t = import_jobs.c

    def silent_for(seconds: float):  # type: ignore[no-untyped-def]
        return t.updated_at < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, seconds)

    query = (
        select(t.id)
        .where(
            t.source == "API",
            t.upload_id.is_not(None),
            or_(
                and_(t.status == "QUEUED", silent_for(QUEUED_IDLE_S)),
                and_(t.status.in_(("STAGING", "LOADING")), silent_for(idle_s)),
            ),
        )
        .order_by(t.id)
    )
    async with uow:
        return [int(i) for i in (await uow.execute(query)).scalars()]
