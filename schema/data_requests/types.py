"""A customer's data requests in GraphQL: the export's and the erasure's inputs and
payloads."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.data_requests.services import Erasure
from schema.errors import UserError
from schema.scalars import JSON


@strawberry.input(description="Export everything Tessera holds on a customer (GDPR art. 15, 20).")
class ExportCustomerDataInput:
    customer_id: strawberry.ID


@strawberry.type
class ExportCustomerDataPayload:
    data: JSON | None = strawberry.field(
        default=None,
        description="The export: one JSON document (format tessera.customer-data, version, "
        "each area's tables with the customer's rows; ISO dates, money in minor units). "
        "docs/data-protection.md describes it.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(
    description="Erase a customer's personal data (GDPR art. 17): anonymized in place, the "
    "ledger's amounts kept; pending messages and funnel enrollments cancelled."
)
class EraseCustomerInput:
    customer_id: strawberry.ID
    idempotency_key: str = strawberry.field(
        description="A retry with the same key answers the first erasure."
    )


@strawberry.type(name="ErasedCustomer", description="An erased customer: when and by whom.")
class ErasedCustomerType:
    customer_id: strawberry.ID
    erased_at: datetime
    erased_by: str

    @staticmethod
    def of(erasure: Erasure) -> ErasedCustomerType:
        return ErasedCustomerType(
            customer_id=strawberry.ID(str(erasure.customer_id)),
            erased_at=erasure.erased_at,
            erased_by=erasure.erased_by,
        )


@strawberry.type
class EraseCustomerPayload:
    erasure: ErasedCustomerType | None = None
    replayed: bool = strawberry.field(
        default=False, description="The customer was already erased: nothing was written."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
