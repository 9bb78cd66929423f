"""Importing a file of historical purchases (one row per order line): the same phases and
guarantees as services.import_file's (see its docstring and docs/imports.md), with the
purchases' own checks and loading.

1. Staging: every row is checked in worker processes (purchase_rows: the API's rules), then
   in file order by an OrderBook (the rows of an order agree, and stay within the API's
   caps), which numbers each order; lines naming no customer are bad rows too. The good
   lines are copied (COPY) into import_rows with their order's number.
2. A file with any bad row is REJECTED: nothing is loaded.
3. Loading: ranges of orders, a chunk a transaction (about `chunk_rows` lines, never an
   order cut in two), written by the purchases area (bulk_import.import_history) and, with
   `earn`, credited by the ledger's; the job's progress in the same transaction.
4. DONE. The same file run again changes nothing. With `earn` it is another import (its
   identity includes it), whose orders are all in Tessera already: it changes nothing
   either."""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from domain.commands import run
from domain.imports import jobs
from domain.imports.formats import ColumnMapping, ImportKind
from domain.imports.jobs import Job
from domain.imports.loading import CreateJob, EndStaging, FinishLoading, JobMoved, RestartStaging
from domain.imports.purchase_loading import LoadOrders, StagePurchaseChunk, next_orders
from domain.imports.purchase_loading import split_unknown_customers as split_unknown
from domain.imports.purchase_rows import OrderBook
from domain.imports.reading import Chunk, CsvFile, file_digest
from domain.imports.services import (
    CHECK_AHEAD,
    CHUNK_ROWS,
    Checked,
    Checker,
    ImportBusyError,
    Outcome,
    Progress,
    check_here,
)
from domain.uow import UnitOfWork


async def import_purchases(
    uow: UnitOfWork,
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
    """Import the purchases file (see the module's docstring). Guarantees: a file with a
    bad row loads nothing; each order is written once, whatever runs are repeated or cut
    short, and an order already in Tessera is left as it is (counted as skipped); every
    ledger invariant holds after each chunk. FormatError when the header or the mapping
    cannot be read."""
    csv_file = CsvFile(path, ImportKind.PURCHASES, mapping)
    tell = progress or (lambda phase, done, total: None)
    if dry_run:
        return await _check_only(uow, csv_file, tell, check, chunk_rows)
    digest = await asyncio.to_thread(file_digest, path, ImportKind.PURCHASES, mapping)
    if earn:  # another import of the same file: the one that earns
        digest = hashlib.sha256(f"{digest}\nearn".encode()).hexdigest()
    job = await run(uow, CreateJob(ImportKind.PURCHASES, digest, path.name, actor))
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
    outcome.job = await _load(uow, job, actor, earn, tell, chunk_rows)
    return outcome


async def _each_checked(
    csv_file: CsvFile,
    check: Checker,
    chunk_rows: int,
    on_chunk: Callable[[Chunk, Checked], Awaitable[None]],
) -> None:
    """Check the file's chunks (CHECK_AHEAD at once) and hand each, in order, to
    `on_chunk`, its good rows numbered with their orders (OrderBook)."""
    today = datetime.now(UTC).date()
    book = OrderBook(csv_file.headers)
    pending: deque[tuple[Chunk, asyncio.Future[Checked]]] = deque()

    async def take() -> None:
        chunk, future = pending.popleft()
        staged, problems = await future
        numbered, refused = book.add(staged)
        problems = sorted(problems + refused + chunk.problems, key=lambda p: p.line)
        await on_chunk(chunk, (numbered, problems))

    for chunk in csv_file.chunks(chunk_rows):
        future = asyncio.ensure_future(check(csv_file.kind, chunk.rows, csv_file.headers, today))
        pending.append((chunk, future))
        if len(pending) > CHECK_AHEAD:
            await take()
    while pending:
        await take()


def _read(chunk: Chunk) -> int:
    return len(chunk.rows) + len(chunk.problems)


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
        lines = [line for line, _ in chunk.rows] + [p.line for p in chunk.problems]
        end = max([last_line, *lines])
        staged, problems = checked
        found = await run(
            uow,
            StagePurchaseChunk(
                job_id,
                last_line,
                end,
                staged,
                problems,
                csv_file.headers["customer_ref"],
                _read(chunk),
            ),
        )
        outcome.problems += sorted(found, key=lambda p: p.line)
        outcome.rows += _read(chunk)
        last_line = end
        tell("checking", outcome.rows, total)

    await _each_checked(csv_file, check, chunk_rows, stage)
    tell("checking", outcome.rows, outcome.rows)
    return last_line


async def _load(
    uow: UnitOfWork, job: Job, actor: str, earn: bool, tell: Progress, chunk_rows: int
) -> Job:
    """Load the staged orders, a range a transaction; a run that finds another run did a
    range re-reads the job and goes on after it (or stops once it is no longer LOADING)."""
    total = job.rows_total
    while True:
        async with uow:
            upto = await next_orders(uow, job.id, job.last_line, chunk_rows)
        try:
            if upto is None:
                return await run(uow, FinishLoading(job.id, job.last_line))
            job = await run(uow, LoadOrders(job.id, job.last_line, upto, actor, earn))
        except JobMoved:
            async with uow:
                found = await jobs.get_job(uow, job.id)
            assert found is not None
            if found.status != "LOADING":
                return found
            job = found
        tell("loading", job.rows_done, total)


async def _check_only(
    uow: UnitOfWork, csv_file: CsvFile, tell: Progress, check: Checker, chunk_rows: int
) -> Outcome:
    """A dry run: every check a real run makes (customers looked up), nothing written."""
    outcome = Outcome(None)
    total = csv_file.estimated_rows()
    ref_column = csv_file.headers["customer_ref"]

    async def note(chunk: Chunk, checked: Checked) -> None:
        staged, problems = checked
        if staged:
            async with uow:
                by_ref = [(line, values[1:]) for line, values in staged]
                _, unknown = await split_unknown(uow, by_ref, ref_column)
            problems = problems + unknown
        outcome.problems += sorted(problems, key=lambda p: p.line)
        outcome.rows += _read(chunk)
        tell("checking", outcome.rows, total)

    await _each_checked(csv_file, check, chunk_rows, note)
    tell("checking", outcome.rows, outcome.rows)
    return outcome
