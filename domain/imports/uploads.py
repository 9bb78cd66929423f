"""The files uploaded for import jobs (POST /imports/files): written into PostgreSQL part by
part as the body arrives (a transaction a part, about a megabyte each, so a body of
hundreds of megabytes never sits in memory), hashed and counted as it passes, and read back
part by part into a file by the worker that runs the job. API processes and workers need no
disk in common."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import bindparam, func, select, text, update

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode
from domain.imports.tables import import_upload_parts, import_uploads
from domain.uow import UnitOfWork

PART_BYTES = 1 << 20
MAX_FILE_NAME_CHARS = 255
# An upload no unfinished job needs is deleted after this long (a day).
KEPT_S = 86_400.0


@dataclass(frozen=True)
class Upload:
    """A complete upload: its bytes' count, sha256 and lines (for the rows expected)."""

    id: str
    file_name: str
    bytes: int
    lines: int
    sha256: str
    created_by: str
    created_at: datetime


def checked_file_name(name: str | None) -> str:
    """The name an upload is known by (its last path part); DomainError on `fileName`."""
    if name is None or not name.strip():
        return "upload.csv"
    cleaned = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if (
        not cleaned
        or cleaned in (".", "..")
        or len(cleaned) > MAX_FILE_NAME_CHARS
        or any(ord(c) < 32 or ord(c) == 127 for c in cleaned)
    ):
        raise DomainError.one(
            "fileName",
            ErrorCode.INVALID,
            f"A file name of 1 to {MAX_FILE_NAME_CHARS} characters, without control characters.",
        )
    return cleaned


@dataclass(frozen=True)
class _CreateUpload(Command[None]):
    upload_id: uuid.UUID
    file_name: str
    actor: str

    async def handle(self, uow: UnitOfWork) -> None:
        await uow.execute(
            import_uploads.insert().values(
                id=self.upload_id, file_name=self.file_name, created_by=self.actor
            )
        )


@dataclass(frozen=True)
class _WritePart(Command[None]):
    upload_id: uuid.UUID
    part_no: int
    data: bytes

    async def handle(self, uow: UnitOfWork) -> None:
        await uow.execute(
            import_upload_parts.insert().values(
                upload_id=self.upload_id, part_no=self.part_no, data=self.data
            )
        )


@dataclass(frozen=True)
class _CompleteUpload(Command[None]):
    upload_id: uuid.UUID
    bytes: int
    lines: int
    sha256: str

    async def handle(self, uow: UnitOfWork) -> None:
        await uow.execute(
            update(import_uploads)
            .where(import_uploads.c.id == self.upload_id)
            .values(bytes=self.bytes, lines=self.lines, sha256=self.sha256, completed_at=func.now())
        )


class UploadWriter:
    """An upload being received: `add` the body's blocks as they come, then `complete`.
    Parts are committed as they fill, so an upload cut short leaves an incomplete upload
    (never usable, deleted after a day) and nothing else."""

    def __init__(self, uow: UnitOfWork, upload_id: uuid.UUID) -> None:
        self._uow = uow
        self.id = upload_id
        self._buffer = bytearray()
        self._parts = 0
        self._bytes = 0
        self._newlines = 0
        self._last = b"\n"
        self._sha256 = hashlib.sha256()

    @classmethod
    async def begin(cls, uow: UnitOfWork, file_name: str, actor: str) -> UploadWriter:
        writer = cls(uow, uuid.uuid4())
        await run(uow, _CreateUpload(writer.id, file_name, actor))
        return writer

    async def add(self, block: bytes) -> None:
        if not block:
            return
        self._sha256.update(block)
        self._bytes += len(block)
        self._newlines += block.count(b"\n")
        self._last = block[-1:]
        self._buffer += block
        while len(self._buffer) >= PART_BYTES:
            await self._write(bytes(self._buffer[:PART_BYTES]))
            del self._buffer[:PART_BYTES]

    async def complete(self) -> Upload:
        """Write what is left and mark the upload complete; the upload as a job sees it."""
        if self._buffer:
            await self._write(bytes(self._buffer))
            self._buffer.clear()
        lines = self._newlines + (self._bytes > 0 and self._last != b"\n")
        digest = self._sha256.hexdigest()
        await run(self._uow, _CompleteUpload(self.id, self._bytes, lines, digest))
        async with self._uow:
            found = await get_upload(self._uow, str(self.id))
        assert found is not None
        return found

    async def _write(self, data: bytes) -> None:
        self._parts += 1
        await run(self._uow, _WritePart(self.id, self._parts, data))


def _uuid(upload_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(upload_id)
    except ValueError:
        return None


async def get_upload(uow: UnitOfWork, upload_id: str) -> Upload | None:
    """The complete upload of this id (None: unknown, malformed, or still arriving)."""
    key = _uuid(upload_id)
    if key is None:
        return None
    u = import_uploads.c
    query = select(import_uploads).where(u.id == key, u.completed_at.is_not(None))
    row = (await uow.execute(query)).one_or_none()
    if row is None:
        return None
    return Upload(str(row.id), row.file_name, int(row.bytes), int(row.lines), row.sha256,
                  row.created_by, row.created_at)  # fmt: skip


async def write_to(uow: UnitOfWork, upload_id: str, path: Path) -> bool:
    """Write the complete upload's bytes into `path`, a part at a time (one part in memory);
    False when there is no such upload (deleted, or never completed)."""
    if await get_upload(uow, upload_id) is None:
        return False
    key = _uuid(upload_id)
    part = select(import_upload_parts.c.data).where(
        import_upload_parts.c.upload_id == key, import_upload_parts.c.part_no == bindparam("n")
    )
    with path.open("wb") as f:
        n = 1
        while (data := (await uow.execute(part, {"n": n})).scalar_one_or_none()) is not None:
            f.write(data)
            n += 1
    return True


# Unfinished jobs keep their upload: a worker killed mid-import reads it again.
_DELETE_STALE = text("""
    DELETE FROM import_uploads u
     WHERE u.created_at < now() - make_interval(secs => :kept_s)
       AND NOT EXISTS (SELECT 1 FROM import_jobs j
                        WHERE j.upload_id = u.id
                          AND j.status IN ('QUEUED', 'STAGING', 'LOADING'))""")


@dataclass(frozen=True)
class DeleteStaleUploads(Command[int]):
    kept_s: float = KEPT_S

    async def handle(self, uow: UnitOfWork) -> int:
        result = await uow.execute(_DELETE_STALE, {"kept_s": self.kept_s})
        return int(result.rowcount)  # type: ignore[attr-defined]


# Uploads a job has read and no unfinished job needs: what an erasure deletes at once.
_DELETE_READ = text("""
    DELETE FROM import_uploads u
     WHERE EXISTS (SELECT 1 FROM import_jobs j WHERE j.upload_id = u.id)
       AND NOT EXISTS (SELECT 1 FROM import_jobs j
                        WHERE j.upload_id = u.id
                          AND j.status IN ('QUEUED', 'STAGING', 'LOADING'))""")


async def delete_read_uploads(uow: UnitOfWork) -> int:
    """Delete, in the open unit of work, every upload whose jobs have all finished, whatever
    its age (with its parts); how many. An erasure runs it: any such file may name the
    customer, and no job needs it any more."""
    result = await uow.execute(_DELETE_READ)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_stale_uploads(uow: UnitOfWork, kept_s: float = KEPT_S) -> int:
    """Delete the uploads older than `kept_s` that no QUEUED, STAGING or LOADING job needs
    (with their parts); how many. Safe to run anywhere, any number of times."""
    return await run(uow, DeleteStaleUploads(kept_s))
