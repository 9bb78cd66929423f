"""The writes of an import, each one command (one transaction): create the job, stage a
chunk, reject or start loading, load a chunk, finish. Each checks, under the job's row
lock, that the job is where it expects, so two runs of the same file at once never do a
step twice (the later one's transaction rolls back); and each step is idempotent in itself
(customers by external reference, openings by their key), so a step cut short is simply
done again.

Chunks load two at a time (services.LOAD_CONNECTIONS), each on a connection of its own: a
chunk does its writes, then waits for the chunk before it to commit, and only then claims
its place under the job's lock (the job's `last_line` must be where the chunk starts) and
commits. So the job's progress only ever moves chunk after chunk, and a run cut short
resumes after the last chunk committed, whichever of the two was cut."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import text

from domain.commands import Command
from domain.customers.bulk_register import known_refs, lock_named, register_many
from domain.customers.sql import CUSTOMER_REFS
from domain.errors import ErrorCode
from domain.imports import jobs
from domain.imports.formats import ImportKind
from domain.imports.jobs import STAGED_CHUNK, Job
from domain.imports.rows import RowProblem, Staged
from domain.ledger.opening import open_balances, open_new_accounts
from domain.uow import UnitOfWork

# The opening balances of a chunk, by customer (the customers area's references).
_OPENINGS = """
    SELECT c.id AS customer_id, s.points, s.expires_at,
           'import:' || CAST(:job AS text) || ':' || s.line AS source_ref
      FROM ({staged}) s JOIN ({refs}) c ON c.external_ref = s.external_ref"""


# The staged rows of a relation (with `line` and `external_ref`) that name no customer now.
_UNRESOLVED = """
    SELECT s.line FROM ({staged}) s
     WHERE NOT EXISTS (SELECT 1 FROM ({refs}) c WHERE c.external_ref = s.external_ref)
     ORDER BY s.line"""

_GONE = (
    "Not loaded: the customer was erased, or their external_ref changed, after the file "
    "was checked."
)


async def unresolved_rows(
    uow: UnitOfWork, staged: str, params: Mapping[str, object], ref_column: str
) -> list[RowProblem]:
    """Before a chunk of a balances or purchases file is loaded by reference: its customers
    locked until the chunk commits (customers.bulk_register.lock_named), and a NOT_FOUND
    problem for each row of `staged` whose customer was erased, or whose reference changed,
    since the file was checked. Those rows are not loaded (the loading statements join the
    same references), and the job reports them."""
    await lock_named(uow, staged, params)
    found = await uow.execute(text(_UNRESOLVED.format(staged=staged, refs=CUSTOMER_REFS)), params)
    return [
        RowProblem(int(line), ref_column, ErrorCode.NOT_FOUND.value, _GONE)
        for line in found.scalars()
    ]


class JobMoved(Exception):
    """Another run of the same file did this step first: re-read the job and go on."""


async def locked(uow: UnitOfWork, job_id: int, status: str, last_line: int) -> Job:
    """The job, its row locked, when it is `status` at `last_line`; JobMoved otherwise."""
    job = await jobs.get_job(uow, job_id, lock=True)
    if job is None or job.status != status or job.last_line != last_line:
        raise JobMoved
    return job


@dataclass(frozen=True)
class CreateJob(Command[Job]):
    """The file's job for this run: created STAGING, or found. Found QUEUED (the API's
    job of the same file, waiting for a worker) it is this run's now, as a worker claims
    it (running.ClaimRun); found FAILED it is run again from the start, as startImport
    queues it again. Under the job's lock, so a worker's claim or a start of the same file
    at the same moment finds it taken (STAGING) and leaves it to this run."""

    kind: ImportKind
    digest: str
    file_name: str
    actor: str

    async def handle(self, uow: UnitOfWork) -> Job:
        await jobs.insert_job(uow, self.kind, self.digest, self.file_name, self.actor)
        job = await jobs.find_job(uow, self.kind, self.digest, lock=True)
        assert job is not None
        if job.status == "FAILED":
            await jobs.queue_again(uow, job.id)
            job = await jobs.get_job(uow, job.id)
            assert job is not None
        if job.status == "QUEUED":
            await jobs.start_run(uow, job)
            job = await jobs.get_job(uow, job.id)
            assert job is not None
        return job


@dataclass(frozen=True)
class RestartStaging(Command[None]):
    job_id: int

    async def handle(self, uow: UnitOfWork) -> None:
        job = await jobs.get_job(uow, self.job_id, lock=True)
        if job is None or job.status != "STAGING":
            raise JobMoved
        await jobs.restart_staging(uow, self.job_id)


@dataclass(frozen=True)
class StageChunk(Command[list[RowProblem]]):
    """COPY a chunk's checked rows into import_rows; a balances file's rows naming no
    customer become problems. Once a job has a problem, nothing more is copied (it will be
    rejected) but the rows are still counted and reported."""

    job_id: int
    after_line: int
    last_line: int
    rows: Sequence[tuple[int, Staged]]
    problems: Sequence[RowProblem]
    ref_column: str  # the file's name of external_ref, for the report
    rows_read: int  # rows of the chunk, good and bad

    async def handle(self, uow: UnitOfWork) -> list[RowProblem]:
        job = await locked(uow, self.job_id, "STAGING", self.after_line)
        rows, problems = list(self.rows), list(self.problems)
        if job.kind is ImportKind.BALANCES and rows:
            rows, unknown = await split_unknown(uow, rows, self.ref_column)
            problems += unknown
        if problems or job.rows_rejected:
            rows = []
        await jobs.stage(uow, job, rows, problems, self.last_line, self.rows_read)
        return problems


async def split_unknown(
    uow: UnitOfWork, rows: list[tuple[int, Staged]], ref_column: str
) -> tuple[list[tuple[int, Staged]], list[RowProblem]]:
    """A balances file's rows whose customer exists, and a NOT_FOUND problem for each other."""
    known = await known_refs(uow, [values[0] for _, values in rows])
    unknown = [
        RowProblem(
            line, ref_column, ErrorCode.NOT_FOUND.value, "No customer has this external_ref."
        )
        for line, values in rows
        if values[0] not in known
    ]
    return [row for row in rows if row[1][0] in known], unknown


@dataclass(frozen=True)
class EndStaging(Command[Job]):
    """REJECTED (its staged rows dropped) when some row was bad, else LOADING."""

    job_id: int
    last_line: int

    async def handle(self, uow: UnitOfWork) -> Job:
        job = await locked(uow, self.job_id, "STAGING", self.last_line)
        if job.rows_rejected:
            await jobs.finish(uow, job.id, "REJECTED")
        else:
            await jobs.analyze_staged(uow)
            await jobs.set_status(uow, job.id, "LOADING")
        found = await jobs.get_job(uow, job.id)
        assert found is not None
        return found


@dataclass(frozen=True)
class LoadChunk(Command[Job]):
    """The staged rows after `after_line` up to `upto`: customers registered (a customers
    file), openings posted, set-based; then, once `after_previous` (the loading of the
    chunk before, None for the first) has committed, the job moved on in the same
    transaction."""

    job_id: int
    after_line: int
    upto: int
    actor: str
    ref_column: str  # the file's name of external_ref, for the report
    after_previous: Awaitable[object] | None = None

    async def handle(self, uow: UnitOfWork) -> Job:
        job = await jobs.get_job(uow, self.job_id)
        if job is None or job.status != "LOADING" or job.last_line > self.after_line:
            raise JobMoved  # another run loaded it: nothing to write
        params = {"job": job.id, "after": self.after_line, "upto": self.upto}
        note = f"Opening balance imported from {job.file_name}"
        openings = _OPENINGS.format(staged=STAGED_CHUNK, refs=CUSTOMER_REFS)
        rows = await jobs.count_staged(uow, job.id, self.after_line, self.upto)
        created = posted = points = 0
        gone: list[RowProblem] = []
        if job.kind is ImportKind.BALANCES:
            # A customers file registers whom it names: every row resolves.
            gone = await unresolved_rows(uow, STAGED_CHUNK, params, self.ref_column)
        if job.kind is ImportKind.CUSTOMERS:
            new_ids = await register_many(
                uow, STAGED_CHUNK, params, self.actor, open_accounts_too=False
            )
            fresh = await open_new_accounts(uow, openings, params, self.actor, note)
            created, posted, points = len(new_ids), fresh.posted, fresh.points
        if created < rows:
            # Customers registered before: a balances file's, or a customer already there
            # (the new ones have their opening now: their keys are taken).
            known = await open_balances(uow, openings, params, self.actor, note)
            posted, points = posted + known.posted, points + known.points
        if self.after_previous is not None:
            await self.after_previous
        job = await locked(uow, self.job_id, "LOADING", self.after_line)
        await jobs.loaded(
            uow,
            job,
            self.upto,
            rows,
            gone,
            customers_created=created,
            balances_opened=posted,
            points_opened=points,
        )
        found = await jobs.get_job(uow, job.id)
        assert found is not None
        return found


@dataclass(frozen=True)
class FinishLoading(Command[Job]):
    job_id: int
    last_line: int

    async def handle(self, uow: UnitOfWork) -> Job:
        job = await locked(uow, self.job_id, "LOADING", self.last_line)
        await jobs.finish(uow, job.id, "DONE")
        found = await jobs.get_job(uow, job.id)
        assert found is not None
        return found
