"""Import job types: a job with its counters, speed and first problems."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from domain.imports.formats import ImportKind
from domain.imports.jobs import Job
from domain.imports.queries import JobSource, JobStatus, speed
from schema.scalars import BigInt

ImportKindEnum = strawberry.enum(ImportKind, name="ImportKind", description="What a file holds.")
ImportJobStatusEnum = strawberry.enum(
    JobStatus,
    name="ImportJobStatus",
    description="QUEUED (waiting for a worker), STAGING (rows being checked), LOADING, DONE; "
    "REJECTED (bad rows: nothing loaded), CHECKED (a dry run whose rows are all good), "
    "FAILED (the file cannot be read at all: see error).",
)
ImportJobSourceEnum = strawberry.enum(
    JobSource, name="ImportJobSource", description="Where a job was started."
)
MAX_PROBLEMS = 100


@strawberry.type(name="ImportProblem", description="A bad row's problem, as the report has it.")
class ImportProblemType:
    line: int = strawberry.field(description="The file's line the row starts on (header: 1).")
    column: str | None = strawberry.field(
        description="The file's own header name (null: the whole row)."
    )
    code: str
    reason: str


@strawberry.type(name="ImportJob", description="A file's import (or dry run) and its progress.")
class ImportJobType:
    id: strawberry.ID
    job: strawberry.Private[Job]

    @classmethod
    def of(cls, job: Job) -> ImportJobType:
        return cls(id=strawberry.ID(str(job.id)), job=job)

    @strawberry.field
    def kind(self) -> ImportKindEnum:  # type: ignore[valid-type]
        return self.job.kind

    @strawberry.field
    def file_name(self) -> str:
        return self.job.file_name

    @strawberry.field
    def status(self) -> ImportJobStatusEnum:  # type: ignore[valid-type]
        return JobStatus(self.job.status)

    @strawberry.field
    def dry_run(self) -> bool:
        return self.job.dry_run

    @strawberry.field
    def source(self) -> ImportJobSourceEnum:  # type: ignore[valid-type]
        return JobSource(self.job.source)

    @strawberry.field(description="Who started it (the entries it writes name them).")
    def actor(self) -> str:
        return self.job.actor

    @strawberry.field(description="Whether a purchases import's orders earn points.")
    def earn(self) -> bool:
        return bool(self.job.options.get("earn"))

    @strawberry.field(description="The file's estimated rows (its lines less the header).")
    def rows_expected(self) -> BigInt | None:
        return None if self.job.rows_expected is None else BigInt(self.job.rows_expected)

    @strawberry.field(description="Rows read and checked, good and bad.")
    def rows_checked(self) -> BigInt:
        return BigInt(self.job.rows_total)

    @strawberry.field
    def rows_loaded(self) -> BigInt:
        return BigInt(self.job.rows_done)

    @strawberry.field(description="Rows with at least one problem.")
    def rows_rejected(self) -> BigInt:
        return BigInt(self.job.rows_rejected)

    @strawberry.field
    def customers_created(self) -> BigInt:
        return BigInt(self.job.customers_created)

    @strawberry.field
    def balances_opened(self) -> BigInt:
        return BigInt(self.job.balances_opened)

    @strawberry.field
    def points_opened(self) -> BigInt:
        return BigInt(self.job.points_opened)

    @strawberry.field(description="PURCHASES: orders written now.")
    def purchases_created(self) -> BigInt:
        return BigInt(self.job.purchases_created)

    @strawberry.field(description="PURCHASES: orders already in Tessera, left as they were.")
    def purchases_skipped(self) -> BigInt:
        return BigInt(self.job.purchases_skipped)

    @strawberry.field(description="PURCHASES with earn: the points the orders earned.")
    def points_earned(self) -> BigInt:
        return BigInt(self.job.points_earned)

    @strawberry.field(description="Why a FAILED job's file could not be read.")
    def error(self) -> str | None:
        return self.job.error

    @strawberry.field
    def created_at(self) -> datetime:
        assert self.job.created_at is not None
        return self.job.created_at

    @strawberry.field
    def started_at(self) -> datetime | None:
        return self.job.started_at

    @strawberry.field
    def finished_at(self) -> datetime | None:
        return self.job.finished_at

    @strawberry.field
    def updated_at(self) -> datetime:
        assert self.job.updated_at is not None
        return self.job.updated_at

    @strawberry.field(
        description="While STAGING or LOADING: rows a second in the current phase (null: "
        "not known yet)."
    )
    def rows_per_second(self) -> float | None:
        rate = speed(self.job, datetime.now(UTC)).rows_per_second
        return None if rate is None else round(rate, 1)

    @strawberry.field(description="While STAGING or LOADING: the current phase's time left.")
    def seconds_left(self) -> int | None:
        return speed(self.job, datetime.now(UTC)).seconds_left

    @strawberry.field(
        description=f"The first problems, in the file's order (at most {MAX_PROBLEMS} here; "
        "the job keeps the first 1,000, the problems.csv export has them)."
    )
    def problems(self, first: int = 20) -> list[ImportProblemType]:
        wanted = max(0, min(first, MAX_PROBLEMS))
        return [
            ImportProblemType(
                line=int(p["line"]), column=p.get("column"), code=p["code"], reason=p["reason"]
            )
            for p in self.job.problems[:wanted]
        ]

    @strawberry.field(description="Rows with a problem (as rowsRejected).")
    def problems_count(self) -> BigInt:
        return BigInt(self.job.rows_rejected)

    @strawberry.field(description="Where the report of bad rows downloads (CSV).")
    def problems_path(self) -> str:
        return f"/exports/import-jobs/{self.job.id}/problems.csv"
