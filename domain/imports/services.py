"""Importing a file of customers, opening balances or historical purchases: checked whole
first, then loaded chunk by chunk, resumable and idempotent (see docs/imports.md). What
differs between the kinds is kinds.py's.

1. Staging: every row is checked (rows.check_rows: the API's rules, in worker processes
   when the caller gives them) and then in file order (an external_ref repeated, the rows
   of a purchase that disagree), and the good ones are copied (COPY) into import_rows, a
   chunk a transaction. A row naming no customer (balances, purchases) is a bad row too.
2. A file with any bad row is REJECTED: nothing is loaded, the job keeps the report.
3. Loading: the staged rows, a chunk a transaction, by set-based statements of the areas
   that own what is written (customers, ledger, purchases); the job's progress is written
   in the same transaction, so a run cut short resumes after its last chunk.
4. DONE: the staged rows are dropped. The same file (kind, bytes, mapping, earning or not)
   run again finds its job DONE (or REJECTED) and changes nothing; found QUEUED (the API's
   job, waiting for a worker) or FAILED, the run takes it and runs it (a FAILED one from
   the start: loading.CreateJob).

A dry run does steps 1 and 2 without writing anything (it reads the customers the file
names) and returns every problem."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from domain.commands import run
from domain.imports import jobs
from domain.imports.formats import ColumnMapping, ImportKind
from domain.imports.jobs import Job
from domain.imports.kinds import Steps, steps_for
from domain.imports.loading import CreateJob, EndStaging, FinishLoading, JobMoved, RestartStaging
from domain.imports.reading import Chunk, CsvFile, Row, file_digest
from domain.imports.rows import RowProblem, Staged, check_rows
from domain.uow import UnitOfWork

CHUNK_ROWS = 50_000
# Chunks checked ahead of the one being staged (by worker processes, when given).
CHECK_AHEAD = 3

Checked = tuple[list[tuple[int, Staged]], list[RowProblem]]
# Checks a chunk's rows: check_rows here, or the same in a worker process (the CLI's).
Checker = Callable[[ImportKind, list[Row], Mapping[str, str], date], Awaitable[Checked]]
# Told (phase, rows done, rows in all or None) as an import goes.
Progress = Callable[[str, int, int | None], None]


async def check_here(
    kind: ImportKind, rows: list[Row], headers: Mapping[str, str], today: date
) -> Checked:
    return check_rows(kind, rows, headers, today)


class ImportBusyError(Exception):
    """Another run of the same file started checking it meanwhile: that run goes on, this
    one stops (nothing was loaded yet)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"another run of this file (import {job_id}) is checking it")
        self.job_id = job_id


@dataclass
class Outcome:
    """What a run did (or a dry run found): the job (None for a dry run), the rows read,
    and the problems (all of them: the job keeps the first jobs.KEPT_PROBLEMS)."""

    job: Job | None
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    already_done: bool = False


@dataclass(frozen=True)
class _Run:
    """One run's file, steps and ways (shared by its phases)."""

    uow: UnitOfWork
    csv_file: CsvFile
    steps: Steps
    tell: Progress
    check: Checker
    chunk_rows: int

    @property
    def ref_header(self) -> str:
        return self.csv_file.headers[self.steps.ref_column]


async def import_file(
    uow: UnitOfWork,
    kind: ImportKind,
    path: Path,
    mapping: ColumnMapping,
    actor: str,
    *,
    earn: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    check: Checker = check_here,
    chunk_rows: int = CHUNK_ROWS,
) -> Outcome:
    """Import the file (see the module's docstring); `earn`: a purchases file's orders earn
    points (the same file imported with and without it are two imports). Guarantees: a
    file with a bad row loads nothing; a file loaded is loaded once, whatever runs are
    repeated or cut short; every ledger invariant holds after each chunk. FormatError when
    the header or the mapping cannot be read; ValueError for `earn` with another kind."""
    steps = steps_for(kind, earn=earn)
    this = _Run(
        uow,
        CsvFile(path, kind, mapping),
        steps,
        progress or (lambda phase, done, total: None),
        check,
        chunk_rows,
    )
    if dry_run:
        return await _check_only(this)
    digest = await asyncio.to_thread(file_digest, path, kind, mapping, steps.identity())
    job = await run(uow, CreateJob(kind, digest, path.name, actor))
    if job.status in ("DONE", "REJECTED"):
        return Outcome(job, job.rows_total, already_done=True)
    outcome = Outcome(job)
    if job.status == "STAGING":
        try:
            await run(uow, RestartStaging(job.id))
            last_line = await _stage(this, job.id, outcome)
            job = await run(uow, EndStaging(job.id, last_line))
        except JobMoved:
            raise ImportBusyError(job.id) from None
        if job.status == "REJECTED":
            outcome.job = job
            return outcome
    outcome.job = await _load(this, job, actor)
    return outcome


async def _each_checked(this: _Run, on_chunk: Callable[[Chunk, Checked], Awaitable[None]]) -> None:
    """Check the file's chunks (CHECK_AHEAD at once) and hand each, in order, to
    `on_chunk`, as the kind takes its rows in file order (kinds.InOrder)."""
    today = datetime.now(UTC).date()
    csv_file = this.csv_file
    in_order = this.steps.in_order(csv_file.headers)
    pending: deque[tuple[Chunk, asyncio.Future[Checked]]] = deque()

    async def take() -> None:
        chunk, future = pending.popleft()
        staged, problems = await future
        kept, refused = in_order.add(staged)
        problems = sorted(problems + refused + chunk.problems, key=lambda p: p.line)
        await on_chunk(chunk, (kept, problems))

    for chunk in csv_file.chunks(this.chunk_rows):
        future = asyncio.ensure_future(
            this.check(csv_file.kind, chunk.rows, csv_file.headers, today)
        )
        pending.append((chunk, future))
        if len(pending) > CHECK_AHEAD:
            await take()
    while pending:
        await take()


def _rows_read(chunk: Chunk) -> int:
    return len(chunk.rows) + len(chunk.problems)


async def _stage(this: _Run, job_id: int, outcome: Outcome) -> int:
    total = this.csv_file.estimated_rows()
    last_line = 0

    async def stage(chunk: Chunk, checked: Checked) -> None:
        nonlocal last_line
        lines = [line for line, _ in chunk.rows] + [p.line for p in chunk.problems]
        end = max([last_line, *lines])
        staged, problems = checked
        command = this.steps.stage(
            job_id, last_line, end, staged, problems, this.ref_header, _rows_read(chunk)
        )
        found = await run(this.uow, command)
        outcome.problems += sorted(found, key=lambda p: p.line)
        outcome.rows += _rows_read(chunk)
        last_line = end
        this.tell("checking", outcome.rows, total)

    await _each_checked(this, stage)
    this.tell("checking", outcome.rows, outcome.rows)
    return last_line


async def _load(this: _Run, job: Job, actor: str) -> Job:
    """Load the staged rows after the job's last line, then finish; after another run of
    the same file moved the job on, carry on from where it is."""
    while True:
        try:
            job = await _load_chunks(this, job, actor)
            return await run(this.uow, FinishLoading(job.id, job.last_line))
        except JobMoved:
            async with this.uow:
                found = await jobs.get_job(this.uow, job.id)
            assert found is not None
            if found.status != "LOADING":
                return found
            job = found


async def _load_chunks(this: _Run, job: Job, actor: str) -> Job:
    """The chunks after the job's last line, the kind's load_connections at once (each
    chunk commits after the one before it: loading.LoadChunk); the job as the last chunk
    left it."""
    uow, at_once = this.uow, this.steps.load_connections
    async with uow:
        ends = await this.steps.chunk_ends(uow, job.id, job.last_line, this.chunk_rows)
    units = [uow, *(UnitOfWork(uow.engine) for _ in range(at_once - 1))]
    loading: deque[asyncio.Task[Job]] = deque()
    after = job.last_line
    try:
        for n, upto in enumerate(ends):
            if len(loading) == at_once:
                job = await loading.popleft()
                this.tell("loading", job.rows_done, job.rows_total)
            previous = loading[-1] if loading else None
            command = this.steps.load(job.id, after, upto, actor, this.ref_header, previous)
            loading.append(asyncio.create_task(run(units[n % at_once], command)))
            after = upto
        while loading:
            job = await loading.popleft()
            this.tell("loading", job.rows_done, job.rows_total)
    finally:
        for task in loading:
            task.cancel()
        await asyncio.gather(*loading, return_exceptions=True)
    return job


async def _check_only(this: _Run) -> Outcome:
    outcome = Outcome(None)
    total = this.csv_file.estimated_rows()

    async def note(chunk: Chunk, checked: Checked) -> None:
        staged, problems = checked
        if staged:
            async with this.uow:
                unknown = await this.steps.unknown_customers(this.uow, staged, this.ref_header)
            problems = problems + unknown
        outcome.problems += sorted(problems, key=lambda p: p.line)
        outcome.rows += _rows_read(chunk)
        this.tell("checking", outcome.rows, total)

    await _each_checked(this, note)
    this.tell("checking", outcome.rows, outcome.rows)
    return outcome
