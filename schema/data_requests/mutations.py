"""A customer's data requests: export and erasure (MANAGE_DATA_REQUESTS), both logged."""

from __future__ import annotations

import strawberry

from data_protection.parts import PARTS
from domain.access.permissions import Permission
from domain.data_requests import services
from schema.context import Info
from schema.data_requests.types import (
    EraseCustomerInput,
    EraseCustomerPayload,
    ErasedCustomerType,
    ExportCustomerDataInput,
    ExportCustomerDataPayload,
)
from schema.errors import payload_on_error
from schema.permissions import requires


@strawberry.type
class DataRequestMutations:
    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_DATA_REQUESTS)],
        description="Everything Tessera holds on a customer, as one JSON document; the "
        "request is logged (who, when). Also GET /customers/{id}/data.json.",
    )
    @payload_on_error(ExportCustomerDataPayload)
    async def export_customer_data(
        self, info: Info, input: ExportCustomerDataInput
    ) -> ExportCustomerDataPayload:
        data = await services.export_customer_data(
            info.context.new_uow(), PARTS, input.customer_id, info.context.principal.actor
        )
        return ExportCustomerDataPayload(data=data)  # type: ignore[arg-type]

    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_DATA_REQUESTS)],
        description="Anonymize a customer's personal data everywhere, keeping the ledger's "
        "amounts; logged (who, when). Erasing an erased customer changes nothing.",
    )
    @payload_on_error(EraseCustomerPayload)
    async def erase_customer(self, info: Info, input: EraseCustomerInput) -> EraseCustomerPayload:
        erasure = await services.erase_customer(
            info.context.new_uow(),
            PARTS,
            input.customer_id,
            info.context.principal.actor,
            input.idempotency_key,
        )
        return EraseCustomerPayload(
            erasure=ErasedCustomerType.of(erasure), replayed=erasure.replayed
        )
