"""A customer's data requests (GDPR): the export of everything Tessera holds on them
(articles 15 and 20) and their erasure (article 17), each logged with who asked and when.

Both run the areas' parts they are given (domain.data_requests.parts): the export gathers
each part's rows into one JSON document, the erasure runs each part's erase, all in one
transaction with the customer's row locked. Neither deletes a row: the customer's id,
created_at, ledger, purchases and every amount stay (accounting obligations, and the
ledger's invariants and the reports hold as before); what names or reaches the person is
anonymized."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.commands import Command, run
from domain.customers import customer_data as customers
from domain.data_requests.log import (
    DataRequest,
    RequestKind,
    erasure_of,
    log_request,
    request_by_key,
)
from domain.data_requests.parts import CustomerDataPart
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import CustomerErased
from domain.idempotency import require_same
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text

# The export's format: a consumer reads `format` and `version` first.
EXPORT_FORMAT = "tessera.customer-data"
EXPORT_VERSION = 1
KEY_CONSTRAINT = "uq_data_requests_idempotency_key"


@dataclass(frozen=True)
class Erasure:
    """An erased customer: when and by whom (the first erasure's, on every replay)."""

    customer_id: int
    erased_at: datetime
    erased_by: str
    replayed: bool = False


async def export_customer_data(
    uow: UnitOfWork, parts: Sequence[CustomerDataPart], customer_id: str | int, actor: str
) -> dict[str, Any]:
    """Everything the parts hold on the customer, as one JSON document (format, version,
    the time of the export, then each area's tables with the customer's rows), read in the
    transaction that logs the request (the log row is in the document). NOT_FOUND when there
    is no such customer. An erased customer's export holds what erasure kept."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    problems.raise_if_any()
    return await run(uow, ExportCustomerData(cid, tuple(parts), actor))


@dataclass(frozen=True)
class ExportCustomerData(Command[dict[str, Any]]):
    customer_id: int
    parts: tuple[CustomerDataPart, ...]
    actor: str

    async def handle(self, uow: UnitOfWork) -> dict[str, Any]:
        if await customers.lock_erasure_mark(uow, self.customer_id) is None:
            raise _no_such_customer()
        logged = await log_request(uow, self.customer_id, RequestKind.EXPORT, self.actor)
        areas = {part.area: await part.export(uow, self.customer_id) for part in self.parts}
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "customerId": self.customer_id,
            "exportedAt": logged.created_at.astimezone(UTC).isoformat(),
            "exportedBy": self.actor,
            "areas": areas,
        }


async def erase_customer(
    uow: UnitOfWork,
    parts: Sequence[CustomerDataPart],
    customer_id: str | int,
    actor: str,
    idempotency_key: str,
) -> Erasure:
    """Anonymize the customer everywhere (each part's erase), mark them erased by `actor`
    now and log the request, in one transaction. Erasing an erased customer writes nothing
    and answers the first erasure (replayed); so does a retry with the same key (a key used
    for another customer: IDEMPOTENCY_CONFLICT)."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, EraseCustomer(cid, tuple(parts), actor, key))


@dataclass(frozen=True)
class EraseCustomer(Command[Erasure]):
    customer_id: int
    parts: tuple[CustomerDataPart, ...]
    actor: str
    key: str

    key_constraints = (KEY_CONSTRAINT,)

    async def handle(self, uow: UnitOfWork) -> Erasure:
        mark = await customers.lock_erasure_mark(uow, self.customer_id)
        if mark is None:
            raise _no_such_customer()
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        if mark.erased_at is not None:
            assert mark.erased_by is not None
            return Erasure(self.customer_id, mark.erased_at, mark.erased_by, replayed=True)
        for part in self.parts:
            if part.erase is not None:
                await part.erase(uow, self.customer_id, self.actor)
        mark = await customers.mark_erased(uow, self.customer_id, self.actor)
        uow.record(CustomerErased(customer_id=self.customer_id))
        await log_request(uow, self.customer_id, RequestKind.ERASURE, self.actor, self.key)
        assert mark.erased_at is not None and mark.erased_by is not None
        return Erasure(self.customer_id, mark.erased_at, mark.erased_by)

    async def replay(self, uow: UnitOfWork) -> Erasure | None:
        found = await request_by_key(uow, self.key)
        if found is None:
            return None
        require_same(
            (found.kind, found.customer_id),
            (RequestKind.ERASURE, self.customer_id),
            "request",
        )
        first = await erasure_of(uow, self.customer_id)
        assert first is not None
        return _answer(first)


def _answer(request: DataRequest) -> Erasure:
    return Erasure(request.customer_id, request.created_at, request.actor, replayed=True)


def _no_such_customer() -> DomainError:
    return DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
