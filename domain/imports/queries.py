"""Reading import jobs for the API and the console: a page of them newest first, one job,
and how fast a running job goes (rows per second, seconds left), from its own times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from domain.errors import DomainError, ErrorCode
from domain.imports import jobs
from domain.imports.formats import ImportKind
from domain.imports.jobs import Job
from domain.imports.tables import import_jobs
from domain.pagination import Page
from domain.uow import UnitOfWork, read


class JobStatus(StrEnum):
    """Where an import job is (domain/imports/tables.py says what each means)."""

    QUEUED = "QUEUED"
    STAGING = "STAGING"
    LOADING = "LOADING"
    DONE = "DONE"
    REJECTED = "REJECTED"
    CHECKED = "CHECKED"
    FAILED = "FAILED"


class JobSource(StrEnum):
    CLI = "CLI"
    API = "API"


@dataclass(frozen=True)
class JobFilter:
    kind: ImportKind | None = None
    status: JobStatus | None = None


async def job_page(
    uow: UnitOfWork, where: JobFilter, limit: int, before_id: int | None
) -> Page[Job]:
    """A page of the jobs, CLI's and API's, newest first (ids below `before_id`)."""
    t = import_jobs.c
    conditions: list[Any] = []
    if where.kind is not None:
        conditions.append(t.kind == where.kind.value)
    if where.status is not None:
        conditions.append(t.status == where.status.value)
    if before_id is not None:
        conditions.append(t.id < before_id)
    query = select(import_jobs).where(*conditions).order_by(t.id.desc()).limit(limit + 1)

    async def fetch(u: UnitOfWork) -> list[Job]:
        return [jobs.job_of(row) for row in (await u.execute(query)).all()]

    return Page.from_rows(await read(uow, fetch), limit)


async def require_job(uow: UnitOfWork, job_id: str) -> Job:
    """The job of this id; DomainError NOT_FOUND on `id` otherwise."""
    found = None
    if job_id.isdigit() and len(job_id) < 19:
        found = await read(uow, lambda u: jobs.get_job(u, int(job_id)))
    if found is None:
        raise DomainError.one("id", ErrorCode.NOT_FOUND, "No import job has this id.")
    return found


@dataclass(frozen=True)
class Speed:
    """A running job's phase: rows done of rows to do, rows a second, seconds left (None:
    not known yet, or not running)."""

    done: int
    total: int | None
    rows_per_second: float | None
    seconds_left: int | None


def speed(job: Job, now: datetime) -> Speed:
    """How far the job's current phase is and how fast it goes, from the rows it counted and
    the time its phase began: checking (STAGING) counts the rows read of the rows expected,
    loading the rows loaded of the rows checked. A resumed run's rate counts the rows of
    the runs before it too: an estimate."""
    if job.status == "STAGING":
        done, total = job.rows_total, job.rows_expected
    elif job.status == "LOADING":
        done, total = job.rows_done, job.rows_total
    else:
        return Speed(job.rows_done or job.rows_total, None, None, None)
    since = job.phase_started_at
    elapsed = (now - since).total_seconds() if since is not None else 0.0
    if elapsed <= 0 or done <= 0:
        return Speed(done, total, None, None)
    rate = done / elapsed
    left = None if total is None else max(0, round((total - done) / rate))
    return Speed(done, total, rate, left)
