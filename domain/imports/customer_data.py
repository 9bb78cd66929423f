"""The imports' part of a customer's data. Uploaded files are kept as their bytes, for a
day (docs/imports.md), and are not searched for a customer: an erasure deletes every upload
whose jobs have all finished, since any of them may name the customer. A file an unfinished
job still reads is deleted a day after it came, as always; the job's rows of a customer
erased meanwhile are not loaded (docs/data-protection.md). The checked rows a job stages
are dropped when it finishes."""

from __future__ import annotations

from domain.data_requests.parts import CustomerDataPart, Exported
from domain.imports.uploads import delete_read_uploads
from domain.uow import UnitOfWork


async def export(uow: UnitOfWork, customer_id: int) -> Exported:
    """Nothing: no table of the imports holds rows by customer."""
    return {}


async def erase(uow: UnitOfWork, customer_id: int, actor: str) -> None:
    await delete_read_uploads(uow)


PART = CustomerDataPart("imports", (), export, erase)
