"""Importing a file of customers or opening balances: checked whole first, then loaded
chunk by chunk, resumable and idempotent (see docs/imports.md).

1. Staging: every row is checked (rows.check_row: the API's rules) and the good ones are
   copied (COPY) into import_rows, a chunk a transaction. An external_ref repeated in the
   file, and in a balances file one naming no customer, is a bad row too.
2. A file with any bad row is REJECTED: nothing is loaded, the job keeps the report.
3. Loading: the staged rows, a chunk a transaction, by set-based statements of the
   customers area (register_many) and the ledger (open_balances); the job's progress is
   written in the same transaction, so a run cut short resumes after its last chunk.
4. DONE: the staged rows are dropped. The same file (kind, bytes, mapping) run again finds
   its job DONE (or REJECTED) and changes nothing.

A dry run does steps 1 and 2 without writing anything (it reads the customers a balances
file names) and returns every problem."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from domain.commands import run
from domain.errors import ErrorCode
from domain.imports import jobs
from domain.imports.formats import ColumnMapping, ImportKind
from domain.imports.jobs import Job
from domain.imports.loading import (
    CreateJob,
    EndStaging,
    FinishLoading,
    JobMoved,
    LoadChunk,
    RestartStaging,
    StageChunk,
    split_unknown,
)
from domain.imports.reading import Chunk, CsvFile, Row, file_digest
from domain.imports.rows import RowProblem, Staged, check_rows
from domain.uow import UnitOfWork

CHUNK_ROWS = 50_000
# Chunks loaded at once, each on a connection of its own (the database's work is most of a
# load, and one connection keeps one core busy).
LOAD_CONNECTIONS = 2
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


async def import_file(
    uow: UnitOfWork,
    kind: ImportKind,
    path: Path,
    mapping: ColumnMapping,
    actor: str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    check: Checker = check_here,
    chunk_rows: int = CHUNK_ROWS,
) -> Outcome:
    """Import the file (see the module's docstring). Guarantees: a file with a bad row
    loads nothing; a file loaded is loaded once, whatever runs are repeated or cut short;
    every ledger invariant holds after each chunk. FormatError when the header or the
    mapping cannot be read."""
    csv_file = CsvFile(path, kind, mapping)
    tell = progress or (lambda phase, done, total: None)
    if dry_run:
        return await _check_only(uow, csv_file, tell, check, chunk_rows)
    digest = await asyncio.to_thread(file_digest, path, kind, mapping)
    job = await run(uow, CreateJob(kind, digest, path.name, actor))
    if job.status in ("DONE", "REJECTED"):
        return Outcome(job, job.rows_total, already_done=True)
    outcome = Outcome(job)
    if job.status == "STAGING":
        try:
            await run(uow, RestartStaging(job.id))
            last_line = await _stage(uow, job.id, csv_file, outcome, tell, check, chunk_rows)
            job = await run(uow, EndStaging(job.id, last_line))
        except JobMoved:
            raise ImportBusyError(job.id) from None
        if job.status == "REJECTED":
            outcome.job = job
            return outcome
    outcome.job = await _load(uow, job, actor, tell, chunk_rows)
    return outcome


async def _each_checked(
    csv_file: CsvFile,
    check: Checker,
    chunk_rows: int,
    on_chunk: Callable[[Chunk, Checked], Awaitable[None]],
) -> None:
    """Check the file's chunks (CHECK_AHEAD at once) and hand each, in order, to
    `on_chunk`, with repeated external references turned into problems."""
    today = datetime.now(UTC).date()
    first_line: dict[str, int] = {}
    pending: deque[tuple[Chunk, asyncio.Future[Checked]]] = deque()

    async def take() -> None:
        chunk, future = pending.popleft()
        staged, problems = await future
        unique: list[tuple[int, Staged]] = []
        for line, values in staged:
            seen = first_line.setdefault(values[0], line)
            if seen == line:
                unique.append((line, values))
            else:
                problems.append(
                    RowProblem(
                        line,
                        csv_file.headers["external_ref"],
                        ErrorCode.DUPLICATE.value,
                        f"This external_ref is on line {seen} already.",
                    )
                )
        problems += chunk.problems
        problems.sort(key=lambda p: p.line)
        await on_chunk(chunk, (unique, problems))

    for chunk in csv_file.chunks(chunk_rows):
        future = asyncio.ensure_future(check(csv_file.kind, chunk.rows, csv_file.headers, today))
        pending.append((chunk, future))
        if len(pending) > CHECK_AHEAD:
            await take()
    while pending:
        await take()


def _last_line(chunk: Chunk, current: int) -> int:
    lines = [line for line, _ in chunk.rows] + [p.line for p in chunk.problems]
    return max([current, *lines])


async def _stage(
    uow: UnitOfWork,
    job_id: int,
    csv_file: CsvFile,
    outcome: Outcome,
    tell: Progress,
    check: Checker,
    chunk_rows: int,
) -> int:
    total = csv_file.estimated_rows()
    last_line = 0

    async def stage(chunk: Chunk, checked: Checked) -> None:
        nonlocal last_line
        end = _last_line(chunk, last_line)
        staged, problems = checked
        found = await run(
            uow,
            StageChunk(
                job_id,
                last_line,
                end,
                staged,
                problems,
                csv_file.headers["external_ref"],
                len(chunk.rows) + len(chunk.problems),
            ),
        )
        outcome.problems += sorted(found, key=lambda p: p.line)
        outcome.rows += len(chunk.rows) + len(chunk.problems)
        last_line = end
        tell("checking", outcome.rows, total)

    await _each_checked(csv_file, check, chunk_rows, stage)
    tell("checking", outcome.rows, outcome.rows)
    return last_line


async def _load(uow: UnitOfWork, job: Job, actor: str, tell: Progress, chunk_rows: int) -> Job:
    """Load the staged rows after the job's last line, then finish; after another run of
    the same file moved the job on, carry on from where it is."""
    while True:
        try:
            job = await _load_chunks(uow, job, actor, tell, chunk_rows)
            return await run(uow, FinishLoading(job.id, job.last_line))
        except JobMoved:
            async with uow:
                found = await jobs.get_job(uow, job.id)
            assert found is not None
            if found.status != "LOADING":
                return found
            job = found


async def _load_chunks(
    uow: UnitOfWork, job: Job, actor: str, tell: Progress, chunk_rows: int
) -> Job:
    """The chunks after the job's last line, LOAD_CONNECTIONS at once (each chunk commits
    after the one before it: loading.LoadChunk); the job as the last chunk left it."""
    async with uow:
        ends = await jobs.chunk_ends(uow, job.id, job.last_line, chunk_rows)
    units = [uow, *(UnitOfWork(uow.engine) for _ in range(LOAD_CONNECTIONS - 1))]
    loading: deque[asyncio.Task[Job]] = deque()
    after = job.last_line
    try:
        for n, upto in enumerate(ends):
            if len(loading) == LOAD_CONNECTIONS:
                job = await loading.popleft()
                tell("loading", job.rows_done, job.rows_total)
            previous = loading[-1] if loading else None
            command = LoadChunk(job.id, after, upto, actor, after_previous=previous)
            loading.append(asyncio.create_task(run(units[n % LOAD_CONNECTIONS], command)))
            after = upto
        while loading:
            job = await loading.popleft()
            tell("loading", job.rows_done, job.rows_total)
    finally:
        for task in loading:
            task.cancel()
        await asyncio.gather(*loading, return_exceptions=True)
    return job


async def _check_only(
    uow: UnitOfWork, csv_file: CsvFile, tell: Progress, check: Checker, chunk_rows: int
) -> Outcome:
    outcome = Outcome(None)
    total = csv_file.estimated_rows()

    async def note(chunk: Chunk, checked: Checked) -> None:
        staged, problems = checked
        if csv_file.kind is ImportKind.BALANCES and staged:
            async with uow:
                _, unknown = await split_unknown(uow, staged, csv_file.headers["external_ref"])
            problems = problems + unknown
        outcome.problems += sorted(problems, key=lambda p: p.line)
        outcome.rows += len(chunk.rows) + len(chunk.problems)
        tell("checking", outcome.rows, total)

    await _each_checked(csv_file, check, chunk_rows, note)
    tell("checking", outcome.rows, outcome.rows)
    return outcome
