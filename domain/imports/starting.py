"""Starting an import job from the API (startImport): a file already uploaded, a kind, a
mapping, a dry run or not. The job is created QUEUED for a worker to run (running.py), or
found: the same file, kind and mapping is the same import as on the command line, so
starting it again returns its job whatever its status, and only a QUEUED job is handed to
the workers again (its first message may have been lost). A dry run is a job of its own
each time (its digest is random), unless started again under the same idempotency key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode
from domain.idempotency import require_same
from domain.imports import jobs, uploads
from domain.imports.formats import ColumnMapping, FormatError, ImportKind, read_mapping
from domain.imports.jobs import Job
from domain.imports.kinds import steps_for
from domain.imports.reading import import_digest
from domain.imports.tables import import_jobs
from domain.uow import UnitOfWork

MAX_KEY_CHARS = 255
# Statuses whose run is still to come or under way.
UNFINISHED = ("QUEUED", "STAGING", "LOADING")


@dataclass(frozen=True)
class Started:
    """The job; `existing`: started before (by this key, or the same import), so nothing
    was created now; `hand_over`: the job waits for a worker (send it one)."""

    job: Job
    existing: bool
    hand_over: bool


def checked_mapping(text: str | None, kind: ImportKind) -> ColumnMapping:
    """The mapping's YAML read for `kind`; DomainError on `mapping` when it is not one."""
    if text is None or not text.strip():
        return ColumnMapping()
    try:
        return read_mapping(text, kind)
    except FormatError as error:
        raise DomainError.one("mapping", ErrorCode.INVALID, str(error)) from None


async def start_import(
    uow: UnitOfWork,
    kind: ImportKind,
    upload_id: str,
    mapping_text: str | None,
    actor: str,
    *,
    dry_run: bool = False,
    earn: bool = False,
    idempotency_key: str | None = None,
) -> Started:
    """Create or find the import job of an upload (see the module's docstring). Guarantees:
    a bad mapping (field `mapping`), `earn` for another kind than purchases (`earn`), an unknown
    upload (`uploadId`) or a key used for another start (`idempotencyKey`) writes nothing;
    one job per import whatever the concurrent or repeated starts."""
    mapping = checked_mapping(mapping_text, kind)
    try:
        steps = steps_for(kind, earn=earn)
    except ValueError as error:
        raise DomainError.one("earn", ErrorCode.INVALID, f"{error}.") from None
    options: dict[str, Any] = {"earn": True} if earn else {}
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_KEY_CHARS:
        raise DomainError.one(
            "idempotencyKey", ErrorCode.INVALID, f"1 to {MAX_KEY_CHARS} characters."
        )
    async with uow:
        upload = await uploads.get_upload(uow, upload_id)
    if upload is None:
        raise DomainError.one(
            "uploadId",
            ErrorCode.NOT_FOUND,
            "No complete upload has this id (uploads are kept for a day).",
        )
    digest = (
        f"dry-run:{uuid.uuid4().hex}"
        if dry_run
        else import_digest(kind, mapping, upload.sha256, steps.identity())
    )
    return await run(
        uow,
        StartJob(
            kind=kind,
            digest=digest,
            upload=upload,
            # Kept whenever it reads the file otherwise than no mapping (its columns, or
            # only its delimiter): the worker reads the file with it.
            mapping=None if mapping == ColumnMapping() else mapping_text,
            actor=actor,
            dry_run=dry_run,
            options=options,
            idempotency_key=idempotency_key,
        ),
    )


@dataclass(frozen=True)
class StartJob(Command[Started]):
    key_constraints: ClassVar[tuple[str, ...]] = ("ix_import_jobs_idempotency_key",)

    kind: ImportKind
    digest: str
    upload: uploads.Upload
    mapping: str | None
    actor: str
    dry_run: bool
    options: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None

    async def handle(self, uow: UnitOfWork) -> Started:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        if not self.dry_run:
            found = await jobs.find_job(uow, self.kind, self.digest)
            if found is not None and found.status == "FAILED":
                # Read again under its lock: the command line takes a FAILED job too
                # (loading.CreateJob), and whichever locks it first runs it.
                found = await jobs.get_job(uow, found.id, lock=True)
                assert found is not None
            if found is not None and found.status == "FAILED":
                # Tried again (its runs failed, or the file could not be read).
                await jobs.queue_again(uow, found.id, self.upload.id, mapping=self.mapping)
                found = await jobs.get_job(uow, found.id)
                assert found is not None
                return Started(found, existing=True, hand_over=True)
            if found is not None:
                return Started(found, existing=True, hand_over=found.status == "QUEUED")
        statement = pg_insert(import_jobs).values(
            kind=self.kind.value,
            digest=self.digest,
            file_name=self.upload.file_name,
            status="QUEUED",
            actor=self.actor,
            source="API",
            dry_run=self.dry_run,
            upload_id=uuid.UUID(self.upload.id),
            mapping=self.mapping,
            options=self.options,
            rows_expected=max(0, self.upload.lines - 1),
            idempotency_key=self.idempotency_key,
        )
        # A concurrent start of the same import inserted it first: that one is the job.
        await uow.execute(statement.on_conflict_do_nothing(index_elements=["kind", "digest"]))
        job = await jobs.find_job(uow, self.kind, self.digest)
        assert job is not None
        return Started(job, existing=False, hand_over=job.status == "QUEUED")

    async def replay(self, uow: UnitOfWork) -> Started | None:
        if self.idempotency_key is None:
            return None
        query = select(import_jobs.c.id).where(
            import_jobs.c.idempotency_key == self.idempotency_key
        )
        job_id = (await uow.execute(query)).scalar_one_or_none()
        if job_id is None:
            return None
        job = await jobs.get_job(uow, int(job_id))
        assert job is not None
        require_same(
            (job.kind, job.upload_id, job.dry_run, job.mapping, job.options),
            (self.kind, self.upload.id, self.dry_run, self.mapping, self.options),
            "import",
        )
        return Started(job, existing=True, hand_over=job.status == "QUEUED")
