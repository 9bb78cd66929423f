"""CSV exports: GET /exports/voucher-batches/{id}.csv (a batch's codes, for mailings and
printers; MANAGE_VOUCHERS) and GET /exports/ledger-movements.csv (the report's movements,
filtered by query parameters; READ_REPORTS).

Authenticated like the GraphQL endpoint (`Authorization: Bearer <staff token>`, 401
without a valid one, 403 without the permission) and streamed from a server-side cursor,
so a 100,000-code batch or a whole ledger never sits in memory. Every parameter is checked
before the first byte is sent; a refusal is answered like the API's errors (JSON with
`errors[].extensions.code`, and `field` naming the parameter at fault)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from domain.access.permissions import Permission
from domain.access.principals import Anonymous, Principal
from domain.errors import DomainError, ErrorCode
from domain.reports.movements import EXPORT_COLUMNS as MOVEMENT_COLUMNS
from domain.reports.movements import MovementFilter, check_movement_filter, export_movements
from domain.uow import UnitOfWork
from domain.vouchers.queries import EXPORT_COLUMNS, export_batch, require_batch
from schema.auth import Authenticator, unauthenticated
from schema.body import unsafe_text_reason
from schema.responses import Refusal
from schema.vouchers.types import VOUCHER_BATCH_CSV
from tessera.csv_cells import csv_cell

ROWS_PER_CHUNK = 1000


def voucher_batch_export(new_uow: Callable[[], UnitOfWork], authenticator: Authenticator) -> Route:
    """The route serving a batch's CSV."""

    async def batch_csv(request: Request) -> Response:
        try:
            await admit(authenticator, request, Permission.MANAGE_VOUCHERS)
            try:
                batch = await require_batch(new_uow(), str(request.path_params["batch_id"]))
            except DomainError as error:
                raise bad_parameter(error) from None
        except Refusal as refusal:
            return refusal.response()
        rows = export_batch(new_uow(), batch.id)
        return csv_response(EXPORT_COLUMNS, rows, f"voucher-batch-{batch.id}.csv")

    path = VOUCHER_BATCH_CSV.format(batch_id="{batch_id:int}")
    return Route(path, batch_csv, methods=["GET"])


def ledger_movements_export(
    new_uow: Callable[[], UnitOfWork], authenticator: Authenticator
) -> Route:
    """The route serving the movements report as CSV. Query parameters, all optional, as
    the ledgerMovements filter: since, until (ISO 8601), customerId, minPoints, maxPoints,
    kinds (comma-separated), sourceType, reason; a bad one is a 400 naming it."""

    async def movements_csv(request: Request) -> Response:
        try:
            await admit(authenticator, request, Permission.READ_REPORTS)
            try:
                wanted = movement_filter(request.query_params)
                check_movement_filter(wanted)
            except DomainError as error:
                raise bad_parameter(error) from None
        except Refusal as refusal:
            return refusal.response()
        rows = export_movements(new_uow(), wanted)
        return csv_response(MOVEMENT_COLUMNS, rows, "ledger-movements.csv")

    return Route("/exports/ledger-movements.csv", movements_csv, methods=["GET"])


async def admit(
    authenticator: Authenticator, request: Request, permission: Permission
) -> Principal:
    """The caller; Refusal: 401 without a verified token (429 past the failed-authentication
    limit), 403 without `permission`."""
    principal = await authenticator.caller(request)
    if isinstance(principal, Anonymous):
        raise unauthenticated(principal)
    if not principal.can(permission):
        raise Refusal(403, f"Not allowed (needs {permission.value}).")
    return principal


def bad_parameter(error: DomainError) -> Refusal:
    """400 naming the parameter at fault (404 for a batch that does not exist)."""
    problem = error.problems[0]
    named = (problem.field or "").removeprefix("filter.")  # GraphQL's input path: filter.<name>
    status = 404 if problem.code is ErrorCode.NOT_FOUND else 400
    return Refusal(status, f"{named}: {problem.message}", field=named, reason=problem.code.value)


def csv_response(
    columns: Sequence[str], rows: AsyncIterator[tuple[Any, ...]], filename: str
) -> StreamingResponse:
    return StreamingResponse(
        _csv(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _csv(columns: Sequence[str], rows: AsyncIterator[tuple[Any, ...]]) -> AsyncIterator[str]:
    """The header, then the rows a chunk at a time."""
    chunk: list[tuple[Any, ...]] = []
    yield _lines([columns])
    async for row in rows:
        chunk.append(row)
        if len(chunk) == ROWS_PER_CHUNK:
            yield _lines(chunk)
            chunk = []
    if chunk:
        yield _lines(chunk)


def _lines(rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue()


def movement_filter(params: Mapping[str, str]) -> MovementFilter:
    """A movements filter from query parameters; DomainError naming the one that is bad."""
    for name, value in params.items():
        reason = unsafe_text_reason(value)
        if reason is not None:
            raise DomainError.one(name, ErrorCode.INVALID, f"The value {reason}.")
    kinds = tuple(k.strip() for k in params.get("kinds", "").split(",") if k.strip())
    return MovementFilter(
        since=moment_param(params, "since"),
        until=moment_param(params, "until"),
        customer_id=params.get("customerId"),
        min_points=integer_param(params, "minPoints"),
        max_points=integer_param(params, "maxPoints"),
        kinds=kinds,
        source_type=params.get("sourceType"),
        reason=params.get("reason"),
    )


def moment_param(params: Mapping[str, str], name: str) -> datetime | None:
    """The query parameter `name` as a time (None when absent); DomainError naming it."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:  # the range is the domain's (check_movement_filter)
        raise DomainError.one(
            name, ErrorCode.INVALID, "An ISO 8601 time, e.g. 2026-05-01T00:00:00Z."
        ) from None


def integer_param(params: Mapping[str, str], name: str) -> int | None:
    """The query parameter `name` as a whole number (None when absent); DomainError naming it."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise DomainError.one(name, ErrorCode.INVALID, "A whole number.") from None
