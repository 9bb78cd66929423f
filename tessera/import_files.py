"""Import jobs over HTTP, beside startImport (docs/imports.md, "From GraphQL and the
console"):

- POST /imports/files: the file of an import, its raw bytes as the body (a staged upload:
  GraphQL bodies are capped at a megabyte, import files can be hundreds). The bearer token
  is checked before a byte of the body is read; the body is streamed into PostgreSQL part
  by part (domain/imports/uploads.py) under its own size limit (TESSERA_IMPORT_MAX_BYTES,
  413 above it, BodySizeLimit enforcing it). Answers `{"uploadId": ..., "bytes": N}`.
- GET /exports/import-jobs/{id}/problems.csv: a job's report of bad rows, as the CLI
  writes it (line, column, code, reason).

Both need MANAGE_INTEGRATIONS (bulk imports belong to it); refusals are answered in the
API's error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.access.permissions import Permission
from domain.errors import DomainError
from domain.imports.queries import require_job
from domain.imports.uploads import UploadWriter, checked_file_name
from domain.uow import UnitOfWork
from schema.auth import Authenticator
from schema.responses import Refusal
from tessera.exports import admit, bad_parameter, csv_response

UPLOAD_PATH = "/imports/files"
PROBLEMS_PATH = "/exports/import-jobs/{job_id}/problems.csv"
PROBLEM_COLUMNS = ("line", "column", "code", "reason")


def import_file_routes(
    new_uow: Callable[[], UnitOfWork], authenticator: Authenticator
) -> list[Route]:
    """The upload route and the problems report's."""

    async def upload(request: Request) -> Response:
        try:
            principal = await admit(authenticator, request, Permission.MANAGE_INTEGRATIONS)
            try:
                name = checked_file_name(request.query_params.get("fileName"))
            except DomainError as error:
                raise bad_parameter(error) from None
        except Refusal as refusal:
            return refusal.response()
        writer = await UploadWriter.begin(new_uow(), name, principal.actor)
        try:
            async for block in request.stream():
                await writer.add(block)
        except ClientDisconnect:
            # Nothing to answer; the incomplete upload is never usable and goes after a day.
            return Response(status_code=400)
        done = await writer.complete()
        return JSONResponse(
            {"uploadId": done.id, "bytes": done.bytes, "fileName": done.file_name},
            status_code=201,
        )

    async def problems_csv(request: Request) -> Response:
        try:
            await admit(authenticator, request, Permission.MANAGE_INTEGRATIONS)
            try:
                job = await require_job(new_uow(), str(request.path_params["job_id"]))
            except DomainError as error:
                raise bad_parameter(error) from None
        except Refusal as refusal:
            return refusal.response()
        rows = _rows(job.problems)
        return csv_response(PROBLEM_COLUMNS, rows, f"import-{job.id}.problems.csv")

    return [
        Route(UPLOAD_PATH, upload, methods=["POST"]),
        Route(PROBLEMS_PATH, problems_csv, methods=["GET"]),
    ]


async def _rows(problems: list[dict[str, Any]]) -> AsyncIterator[tuple[Any, ...]]:
    for p in problems:
        yield (p.get("line"), p.get("column"), p.get("code"), p.get("reason"))
