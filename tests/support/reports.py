"""Ledger rows written straight in SQL for the report tests: entries at chosen times, and of
kinds that other parts of the issue add (ACTION, GIFT, EXPIRY), which no service here writes.
Balances stay consistent (balance_after is the running total, the account follows); lots are
not written, so the lot invariants are not checked on these rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True)
class Row:
    kind: str
    points: int
    at: datetime
    note: str | None = None
    source_type: str | None = None
    reverses: int | None = None  # the index, in the same call, of the entry reversed


async def new_customer(engine: AsyncEngine, ref: str, category_id: int | None = None) -> int:
    async with engine.begin() as conn:
        customer_id: int = (
            await conn.execute(
                text(
                    "INSERT INTO customers (external_ref, first_name, category_id) VALUES "
                    "(:ref, :ref, COALESCE(:category, "
                    "(SELECT id FROM point_categories WHERE is_default))) RETURNING id"
                ),
                {"ref": ref, "category": category_id},
            )
        ).scalar_one()
        await conn.execute(
            text("INSERT INTO point_accounts (customer_id) VALUES (:id)"), {"id": customer_id}
        )
    return customer_id


async def write_entries(engine: AsyncEngine, customer_id: int, rows: list[Row]) -> list[int]:
    """Append the rows to the customer's ledger in order; their ids."""
    ids: list[int] = []
    async with engine.begin() as conn:
        for row in rows:
            balance = (
                await conn.execute(
                    text(
                        "UPDATE point_accounts SET balance = balance + :p WHERE customer_id = :c "
                        "RETURNING balance"
                    ),
                    {"p": row.points, "c": customer_id},
                )
            ).scalar_one()
            entry_id: int = (
                await conn.execute(
                    text(
                        "INSERT INTO ledger_entries (customer_id, points, balance_after, kind, "
                        "note, source_type, actor, reverses_entry_id, created_at) VALUES "
                        "(:c, :p, :b, :k, :note, :source, 'test', :reverses, :at) RETURNING id"
                    ),
                    {
                        "c": customer_id,
                        "p": row.points,
                        "b": balance,
                        "k": row.kind,
                        "note": row.note,
                        "source": row.source_type,
                        "reverses": None if row.reverses is None else ids[row.reverses],
                        "at": row.at,
                    },
                )
            ).scalar_one()
            ids.append(entry_id)
    return ids
