"""The customers' part of a customer's data: the profile and the history of consents; and
the erasure of the profile: the row stays (its id and created_at are what the ledger and
the reports count), its personal fields are anonymized, consent withdrawn, and it is marked
erased, by whom and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update

from domain.customers.consent import lock_consent, record_consent_changes
from domain.customers.models import ConsentSource
from domain.customers.tables import consent_changes, customers
from domain.data_requests.parts import (
    ERASED,
    CustomerDataPart,
    Exported,
    erase_customer_actor,
    rows_where,
)
from domain.uow import UnitOfWork

# The personal fields an erasure empties (external_ref, unique, becomes erased:<id>), and
# what could recognise them: the key a client created them under (a platform's holds their
# email) and the fingerprint of that request.
_EMPTIED: dict[str, Any] = {
    "idempotency_key": None,
    "request_digest": None,
    "email": None,
    "phone": None,
    "first_name": None,
    "last_name": None,
    "birth_date": None,
    "locale": None,
    "time_zone": None,
    "attributes": text("'{}'::jsonb"),
}
_NO_CONSENT = {"consent_email": False, "consent_sms": False}


@dataclass(frozen=True)
class ErasedMark:
    """Whether a customer's row exists and, when erased, when and by whom."""

    erased_at: datetime | None
    erased_by: str | None


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's row and consent changes."""
    return {
        "customers": await rows_where(
            uow, customers, customers.c.id == customer_id, leave_out=("request_digest",)
        ),
        "consent_changes": await rows_where(
            uow, consent_changes, consent_changes.c.customer_id == customer_id
        ),
    }


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    """Anonymize the profile and withdraw consent (recorded in the consent history, by
    `actor`; the customer's own earlier changes of it named customer:erased); the row must
    be locked (lock_erasure_mark)."""
    before = await lock_consent(uow, customer_id)
    if before is None:
        return
    await uow.execute(erase_customer_actor(consent_changes, customer_id))
    await record_consent_changes(uow, customer_id, before, _NO_CONSENT, ConsentSource.STAFF, actor)
    await uow.execute(
        update(customers)
        .where(customers.c.id == customer_id)
        .values(
            **_EMPTIED,
            **_NO_CONSENT,
            external_ref=f"{ERASED}:{customer_id}",
            updated_at=func.now(),
        )
    )


async def lock_erasure_mark(uow: UnitOfWork, customer_id: int) -> ErasedMark | None:
    """The customer's erasure mark, its row locked until the transaction ends (two erasures
    of one customer run one after the other, and an export sees one whole, before or
    after); None when there is no such customer."""
    row = (
        await uow.execute(
            select(customers.c.erased_at, customers.c.erased_by)
            .where(customers.c.id == customer_id)
            .with_for_update()
        )
    ).one_or_none()
    return None if row is None else ErasedMark(row.erased_at, row.erased_by)


async def mark_erased(uow: UnitOfWork, customer_id: int, actor: str) -> ErasedMark:
    """Stamp the customer erased now, by `actor`."""
    row = (
        await uow.execute(
            update(customers)
            .where(customers.c.id == customer_id)
            .values(erased_at=func.now(), erased_by=actor)
            .returning(customers.c.erased_at, customers.c.erased_by)
        )
    ).one()
    return ErasedMark(row.erased_at, row.erased_by)


PART = CustomerDataPart("customers", (customers, consent_changes), export, erase)
