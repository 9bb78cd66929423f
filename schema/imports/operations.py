"""Import job queries and startImport (MANAGE_INTEGRATIONS). The file is uploaded first
(POST /imports/files, tessera/import_files.py); startImport names its upload."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.imports.queries import JobFilter, JobStatus, job_page, require_job
from domain.imports.starting import start_import
from schema.context import Info
from schema.errors import UserError, answered, payload_on_error
from schema.imports.types import ImportJobStatusEnum, ImportJobType, ImportKindEnum
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import requires

_MANAGE = [requires(Permission.MANAGE_INTEGRATIONS)]


@strawberry.input(description="An import of an uploaded file, or a dry run of it.")
class StartImportInput:
    kind: ImportKindEnum  # type: ignore[valid-type]
    upload_id: strawberry.ID = strawberry.field(description="POST /imports/files' uploadId.")
    mapping: str | None = strawberry.field(
        default=None, description="A mapping file's YAML, naming the file's own headers."
    )
    dry_run: bool = strawberry.field(
        default=False, description="Check every row and write nothing but the job's report."
    )
    earn: bool = strawberry.field(
        default=False,
        description="PURCHASES only: each order earns the points the earning rule in force "
        "now gives it (default: history only, no points).",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Starting again with the same key returns the same job (a dry run "
        "included); the same file, kind and mapping is the same import anyway.",
    )


@strawberry.type
class StartImportPayload:
    job: ImportJobType | None = None
    existing: bool = strawberry.field(
        default=False,
        description="The job was started before (this key, or the same import): it is "
        "returned as it is, and run again only if it still waits for a worker.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ImportQueries:
    @strawberry.field(
        permission_classes=_MANAGE,
        description="Import jobs, the command line's and the API's, newest first.",
    )
    async def import_jobs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        kind: ImportKindEnum | None = None,  # type: ignore[valid-type]
        status: ImportJobStatusEnum | None = None,  # type: ignore[valid-type]
    ) -> Connection[ImportJobType]:
        limit = page_size(first, info.context.max_page_size)
        before_id = decode_cursor("ImportJob", after)
        wanted = JobFilter(kind=kind, status=None if status is None else JobStatus(status))
        page = await job_page(info.context.new_uow(), wanted, limit, before_id)
        jobs = [ImportJobType.of(j) for j in page.items]
        return connection(jobs, page.has_next, "ImportJob")

    @strawberry.field(permission_classes=_MANAGE, description="One import job.")
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJobType:
        job = await answered(require_job(info.context.new_uow(), str(id)))
        return ImportJobType.of(job)


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        permission_classes=_MANAGE,
        description="Start importing an uploaded file (or checking it: dryRun); a worker "
        "runs it. Poll importJob for its progress.",
    )
    @payload_on_error(StartImportPayload)
    async def start_import(self, info: Info, input: StartImportInput) -> StartImportPayload:
        started = await start_import(
            info.context.new_uow(),
            input.kind,
            str(input.upload_id),
            input.mapping,
            info.context.principal.actor,
            dry_run=input.dry_run,
            earn=input.earn,
            idempotency_key=input.idempotency_key,
        )
        if started.hand_over and info.context.import_handover is not None:
            await info.context.import_handover(started.job.id)
        return StartImportPayload(job=ImportJobType.of(started.job), existing=started.existing)
