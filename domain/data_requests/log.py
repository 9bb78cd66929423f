"""The data requests' log: one row per export or erasure, who asked and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert, select

from domain.data_requests.tables import data_requests
from domain.uow import UnitOfWork


class RequestKind(StrEnum):
    EXPORT = "EXPORT"  # articles 15 and 20: access, portability
    ERASURE = "ERASURE"  # article 17


@dataclass(frozen=True)
class DataRequest:
    id: int
    customer_id: int
    kind: RequestKind
    actor: str
    idempotency_key: str | None
    created_at: datetime


def _request(row: object) -> DataRequest:
    r = row._mapping  # type: ignore[attr-defined]
    return DataRequest(
        r["id"], r["customer_id"], RequestKind(r["kind"]), r["actor"],
        r["idempotency_key"], r["created_at"],
    )  # fmt: skip


async def log_request(
    uow: UnitOfWork, customer_id: int, kind: RequestKind, actor: str, key: str | None = None
) -> DataRequest:
    """Append a request to the log, in the open unit of work."""
    row = (
        await uow.execute(
            insert(data_requests)
            .values(customer_id=customer_id, kind=kind.value, actor=actor, idempotency_key=key)
            .returning(*data_requests.c)
        )
    ).one()
    return _request(row)


async def request_by_key(uow: UnitOfWork, key: str) -> DataRequest | None:
    """The request logged under this idempotency key, if any."""
    row = (
        await uow.execute(select(data_requests).where(data_requests.c.idempotency_key == key))
    ).one_or_none()
    return None if row is None else _request(row)


async def erasure_of(uow: UnitOfWork, customer_id: int) -> DataRequest | None:
    """The customer's (first) erasure, if any."""
    row = (
        await uow.execute(
            select(data_requests)
            .where(
                data_requests.c.customer_id == customer_id,
                data_requests.c.kind == RequestKind.ERASURE.value,
            )
            .order_by(data_requests.c.id)
            .limit(1)
        )
    ).one_or_none()
    return None if row is None else _request(row)
