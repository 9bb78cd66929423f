"""GET /exports/voucher-batches/{id}.csv: a batch's codes as CSV, for mailings and printers.

Authenticated like the GraphQL endpoint (`Authorization: Bearer <staff token>`, 401
without a valid one, 403 without MANAGE_VOUCHERS) and streamed from a server-side cursor,
so a 100,000-code batch never sits in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from domain.access.permissions import Permission
from domain.access.principals import Anonymous
from domain.errors import DomainError
from domain.uow import UnitOfWork
from domain.vouchers.queries import EXPORT_COLUMNS, export_batch, require_batch
from schema.auth import Authenticator

ROWS_PER_CHUNK = 1000
# A cell a spreadsheet would read as a formula (CSV injection) is written as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def voucher_batch_export(new_uow: Callable[[], UnitOfWork], authenticator: Authenticator) -> Route:
    """The route serving a batch's CSV."""

    async def batch_csv(request: Request) -> Response:
        principal = await authenticator.principal(request.headers.get("authorization"))
        if isinstance(principal, Anonymous):
            return PlainTextResponse(
                "Authentication required: send 'Authorization: Bearer <token>'.",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not principal.can(Permission.MANAGE_VOUCHERS):
            return PlainTextResponse("Not allowed (needs MANAGE_VOUCHERS).", status_code=403)
        try:
            batch = await require_batch(new_uow(), str(request.path_params["batch_id"]))
        except DomainError as error:
            return PlainTextResponse(str(error.problems[0].message), status_code=404)
        return StreamingResponse(
            _csv(export_batch(new_uow(), batch.id)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="voucher-batch-{batch.id}.csv"'},
        )

    return Route("/exports/voucher-batches/{batch_id:int}.csv", batch_csv, methods=["GET"])


async def _csv(rows: AsyncIterator[tuple[Any, ...]]) -> AsyncIterator[str]:
    """The header, then the rows a chunk at a time."""
    chunk: list[tuple[Any, ...]] = []
    yield _lines([EXPORT_COLUMNS])
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
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
