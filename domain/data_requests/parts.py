"""What each area contributes to a customer's data request: its part of the export, and
what an erasure changes in its tables.

Each area owns its tables, so each area writes its own part (a `customer_data.py` module
beside its tables) and hands it over as a `CustomerDataPart`; the export and the erasure
(domain.data_requests.services) only run the parts they are given. The parts list naming
every area lives outside the domain (data_protection/parts.py), since notifications and
funnels own customers' rows too and the domain may not import them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, Update, select, update

from domain.uow import UnitOfWork

# One area's part of an export: each of its tables' name with that customer's rows.
Rows = list[dict[str, Any]]
Exported = dict[str, Rows]

# What replaces an erased text (a unique one gets the row's id after it: erased:12).
ERASED = "erased"

# What replaces the actor of a customer's own action (a customer token's: customer:<their
# external ref>) on their rows; on a customer's rows, a customer actor can only be them.
ERASED_CUSTOMER_ACTOR = "customer:erased"


def erase_customer_actor(table: Table, customer_id: int) -> Update:
    """The statement replacing the customer's own actor on their rows of `table` (which has
    `customer_id` and `actor`)."""
    c = table.c
    return (
        update(table)
        .where(c.customer_id == customer_id, c.actor.like("customer:%"))
        .where(c.actor != ERASED_CUSTOMER_ACTOR)
        .values(actor=ERASED_CUSTOMER_ACTOR)
    )


@dataclass(frozen=True)
class CustomerDataPart:
    """An area's part: the tables it covers (a test checks that every table holding a
    customer_id is covered by some part), how it exports a customer's rows of them, and,
    when they hold personal data or pending work, how it erases them (in the open unit of
    work of the erasure, for a customer whose row is locked; with the actor erasing)."""

    area: str
    tables: tuple[Table, ...]
    export: Callable[[UnitOfWork, int], Awaitable[Exported]]
    erase: Callable[[UnitOfWork, int, str], Awaitable[None]] | None = None


async def rows_where(
    uow: UnitOfWork,
    table: Table,
    condition: ColumnElement[bool],
    *,
    leave_out: tuple[str, ...] = (),
) -> Rows:
    """The rows of `table` meeting `condition`, in key order, as JSON values (ISO dates and
    times, decimals as text, integers as they are: money stays in minor units); the columns
    in `leave_out` left out (hashes, request fingerprints: nothing a person can read)."""
    columns = [c for c in table.c if c.name not in leave_out]
    order = list(table.primary_key.columns) or columns[:1]
    result = await uow.execute(select(*columns).where(condition).order_by(*order))
    return [{str(k): _json(v) for k, v in row.items()} for row in result.mappings()]


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value
