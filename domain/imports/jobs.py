"""The import_jobs rows and the staged rows of import_rows: reads and writes, in the open
unit of work (the commands of loading.py call them)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.imports.formats import ImportKind
from domain.imports.rows import STAGED_COLUMNS, RowProblem, Staged
from domain.imports.tables import import_jobs, import_rows
from domain.uow import UnitOfWork

# The problems a job keeps (the CLI's report file has them all); the count is exact.
KEPT_PROBLEMS = 1_000


@dataclass(frozen=True)
class Job:
    id: int
    kind: ImportKind
    file_name: str
    status: str
    rows_total: int
    rows_done: int
    rows_rejected: int
    last_line: int
    customers_created: int
    balances_opened: int
    points_opened: int
    problems: list[dict[str, Any]]
    purchases_created: int = 0
    purchases_skipped: int = 0
    points_earned: int = 0
    # Where it came from and how it is run (CLI jobs: CLI, no upload, no mapping text).
    actor: str = ""
    source: str = "CLI"
    dry_run: bool = False
    upload_id: str | None = None
    mapping: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    rows_expected: int | None = None
    error: str | None = None
    runs: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None
    phase_started_at: datetime | None = None
    finished_at: datetime | None = None


def job_of(row: Any) -> Job:
    return Job(
        id=int(row.id),
        kind=ImportKind(row.kind),
        file_name=row.file_name,
        status=row.status,
        rows_total=int(row.rows_total),
        rows_done=int(row.rows_done),
        rows_rejected=int(row.rows_rejected),
        last_line=int(row.last_line),
        customers_created=int(row.customers_created),
        balances_opened=int(row.balances_opened),
        points_opened=int(row.points_opened),
        problems=list(row.problems),
        purchases_created=int(row.purchases_created),
        purchases_skipped=int(row.purchases_skipped),
        points_earned=int(row.points_earned),
        actor=row.actor,
        source=row.source,
        dry_run=bool(row.dry_run),
        upload_id=None if row.upload_id is None else str(row.upload_id),
        mapping=row.mapping,
        options=dict(row.options),
        rows_expected=None if row.rows_expected is None else int(row.rows_expected),
        error=row.error,
        runs=int(row.runs),
        created_at=row.created_at,
        updated_at=row.updated_at,
        started_at=row.started_at,
        phase_started_at=row.phase_started_at,
        finished_at=row.finished_at,
    )


async def find_job(
    uow: UnitOfWork, kind: ImportKind, digest: str, *, lock: bool = False
) -> Job | None:
    query = select(import_jobs).where(
        import_jobs.c.kind == kind.value, import_jobs.c.digest == digest
    )
    if lock:
        query = query.with_for_update()
    row = (await uow.execute(query)).one_or_none()
    return None if row is None else job_of(row)


async def get_job(uow: UnitOfWork, job_id: int, *, lock: bool = False) -> Job | None:
    query = select(import_jobs).where(import_jobs.c.id == job_id)
    if lock:
        query = query.with_for_update()
    row = (await uow.execute(query)).one_or_none()
    return None if row is None else job_of(row)


async def insert_job(
    uow: UnitOfWork, kind: ImportKind, digest: str, file_name: str, actor: str
) -> None:
    """The file's job (STAGING), unless a job of the same file exists (concurrent runs)."""
    statement = pg_insert(import_jobs).values(
        kind=kind.value,
        digest=digest,
        file_name=file_name,
        status="STAGING",
        actor=actor,
        started_at=func.now(),
        phase_started_at=func.now(),
    )
    await uow.execute(statement.on_conflict_do_nothing())


async def restart_staging(uow: UnitOfWork, job_id: int) -> None:
    """Forget what a job staged (a staging interrupted is done again from the start)."""
    await uow.execute(delete(import_rows).where(import_rows.c.job_id == job_id))
    await _set(uow, job_id, last_line=0, rows_total=0, rows_rejected=0, problems=[])


async def stage(
    uow: UnitOfWork,
    job: Job,
    rows: Sequence[tuple[int, Staged]],
    problems: list[RowProblem],
    last_line: int,
    rows_read: int,
    columns: Sequence[str] = STAGED_COLUMNS,
) -> None:
    """COPY a chunk's checked rows (`rows_read` rows were read; their values are
    `columns`') and count its refused ones."""
    if rows:
        await uow.copy_records(
            import_rows.name,
            ("job_id", "line", *columns),
            ((job.id, line, *values) for line, values in rows),
        )
    room = max(0, KEPT_PROBLEMS - len(job.problems))
    kept = job.problems + [p.as_dict() for p in problems[:room]]
    await _set(
        uow,
        job.id,
        last_line=last_line,
        rows_total=job.rows_total + rows_read,
        rows_rejected=job.rows_rejected + len({p.line for p in problems}),
        problems=kept,
    )


async def analyze_staged(uow: UnitOfWork) -> None:
    """Give the planner import_rows' size: the loading statements join a chunk of it with
    their CTEs, and a fresh table's estimate (one row) makes them nested loops over tens of
    thousands of rows each."""
    await uow.execute(text("ANALYZE import_rows"))


async def chunk_ends(uow: UnitOfWork, job_id: int, after_line: int, rows: int) -> list[int]:
    """The lines that end each run of `rows` staged rows after `after_line` (the last one
    ends the staged rows), in order: the chunks a load writes."""
    query = text("""
        SELECT line FROM (
            SELECT line, row_number() OVER (ORDER BY line) AS n, count(*) OVER () AS rows
              FROM import_rows WHERE job_id = :job AND line > :after) r
         WHERE n % :rows = 0 OR n = rows
         ORDER BY line""")
    found = await uow.execute(query, {"job": job_id, "after": after_line, "rows": rows})
    return [int(line) for line in found.scalars()]


# A chunk of staged rows as a relation (`ord`: the file's order), for the customers and
# ledger areas' set-based statements.
STAGED_CHUNK = """
    SELECT r.line AS ord, r.* FROM import_rows r
     WHERE r.job_id = :job AND r.line > :after AND r.line <= :upto"""


async def count_staged(uow: UnitOfWork, job_id: int, after_line: int, upto: int) -> int:
    query = text(f"SELECT count(*) FROM ({STAGED_CHUNK}) s")
    return int(
        (await uow.execute(query, {"job": job_id, "after": after_line, "upto": upto})).scalar_one()
    )


# The counters a chunk loaded adds to, by kind of file.
COUNTERS = (
    "customers_created",
    "balances_opened",
    "points_opened",
    "purchases_created",
    "purchases_skipped",
    "points_earned",
)


async def loaded(
    uow: UnitOfWork,
    job: Job,
    upto: int,
    rows: int,
    not_loaded: Sequence[RowProblem] = (),
    **counts: int,
) -> None:
    """A chunk of `rows` rows gone through loading, up to `upto` (a line; for a purchases
    file, an order's number), less the rows `not_loaded` names (their customer went away
    since checking: they count as rejected, and join the job's problems); `counts` adds to
    the COUNTERS named."""
    unknown = set(counts) - set(COUNTERS)
    if unknown:
        raise ValueError(f"no import counter {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {name: getattr(job, name) + added for name, added in counts.items()}
    refused = len({p.line for p in not_loaded})
    if refused:
        room = max(0, KEPT_PROBLEMS - len(job.problems))
        values["rows_rejected"] = job.rows_rejected + refused
        values["problems"] = job.problems + [p.as_dict() for p in not_loaded[:room]]
    await _set(uow, job.id, last_line=upto, rows_done=job.rows_done + rows - refused, **values)


async def finish(uow: UnitOfWork, job_id: int, status: str, **values: Any) -> None:
    """DONE, REJECTED (CHECKED, FAILED): the staged rows are dropped."""
    await uow.execute(delete(import_rows).where(import_rows.c.job_id == job_id))
    await _set(uow, job_id, status=status, finished_at=func.now(), **values)


async def set_status(uow: UnitOfWork, job_id: int, status: str) -> None:
    await _set(uow, job_id, status=status, last_line=0, phase_started_at=func.now())


async def queue_again(
    uow: UnitOfWork, job_id: int, upload_id: str | None = None, *, mapping: str | None = None
) -> None:
    """A FAILED job queued again, from nothing: whatever an earlier run loaded is found
    loaded again (customers by reference, openings and orders by key), and the counters
    count what this run writes. startImport's start gives its `upload_id` (the same file)
    and its `mapping`'s text (the same mapping: the job's identity includes it); the
    command line's run keeps the job's own."""
    source: dict[str, Any] = {}
    if upload_id is not None:
        source = {"upload_id": uuid.UUID(upload_id), "mapping": mapping}
    await _set(
        uow,
        job_id,
        status="QUEUED",
        runs=0,
        error=None,
        last_line=0,
        rows_total=0,
        rows_done=0,
        rows_rejected=0,
        problems=[],
        started_at=None,
        phase_started_at=None,
        finished_at=None,
        **dict.fromkeys(COUNTERS, 0),
        **source,
    )


async def start_run(uow: UnitOfWork, job: Job) -> None:
    """A QUEUED job taken by a run (a worker's, or the command line's): STAGING from now,
    one run more."""
    await _set(
        uow,
        job.id,
        status="STAGING",
        started_at=func.now(),
        phase_started_at=func.now(),
        runs=job.runs + 1,
    )


async def set_values(uow: UnitOfWork, job_id: int, **values: Any) -> None:
    """Set columns of the job (and its updated_at)."""
    await _set(uow, job_id, **values)


async def _set(uow: UnitOfWork, job_id: int, **values: Any) -> None:
    await uow.execute(
        update(import_jobs)
        .where(import_jobs.c.id == job_id)
        .values(**values, updated_at=func.now())
    )
