"""The data requests' own part of a customer's data: the log of their exports and erasures
(kept by an erasure: it is the record of who erased them and when)."""

from __future__ import annotations

from domain.data_requests.parts import CustomerDataPart, Exported, rows_where
from domain.data_requests.tables import data_requests
from domain.uow import UnitOfWork


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """The customer's data requests, this export's included."""
    return {
        "data_requests": await rows_where(
            uow, data_requests, data_requests.c.customer_id == customer_id
        )
    }


PART = CustomerDataPart("data_requests", (data_requests,), export)
