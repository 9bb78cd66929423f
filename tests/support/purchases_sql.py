"""Purchases, lines and refunds written straight in SQL at chosen times, for the analytics
and BI tests: the reports read what shops reported, whenever it happened (the services
stamp purchases with the current time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import count

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_orders = count(1)


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    unit_price_minor: int
    product_line: str | None = None
    refunded_quantity: int = 0


async def add_purchase(
    engine: AsyncEngine,
    customer_id: int,
    at: datetime,
    total_minor: int,
    *,
    shop: str = "main",
    channel: str = "POS",
    status: str = "PAID",
    lines: list[Line] | None = None,
    refunded_minor: int = 0,
    order_id: str | None = None,
) -> int:
    """A purchase (and its lines, and one refund of `refunded_minor` when given); its id."""
    async with engine.begin() as conn:
        purchase_id: int = (
            await conn.execute(
                text(
                    "INSERT INTO purchases (shop, order_id, customer_id, channel, status, "
                    "total_minor, occurred_at) VALUES (:shop, :order, :cid, :channel, :status, "
                    ":total, :at) RETURNING id"
                ),
                {
                    "shop": shop,
                    "order": order_id or f"o-{next(_orders)}",
                    "cid": customer_id,
                    "channel": channel,
                    "status": status,
                    "total": total_minor,
                    "at": at,
                },
            )
        ).scalar_one()
        for no, line in enumerate(lines or [], start=1):
            await conn.execute(
                text(
                    "INSERT INTO purchase_lines (purchase_id, line_no, sku, quantity, "
                    "unit_price_minor, discounted, product_line, refunded_quantity) VALUES "
                    "(:p, :no, :sku, :q, :price, false, :pl, :rq)"
                ),
                {
                    "p": purchase_id,
                    "no": no,
                    "sku": line.sku,
                    "q": line.quantity,
                    "price": line.unit_price_minor,
                    "pl": line.product_line,
                    "rq": line.refunded_quantity,
                },
            )
        if refunded_minor:
            await conn.execute(
                text(
                    "INSERT INTO refunds (purchase_id, idempotency_key, lines, amount_minor, "
                    "points_due, points_taken, points_uncollected) VALUES "
                    "(:p, :key, '[]', :amount, 0, 0, 0)"
                ),
                {"p": purchase_id, "key": f"refund-{purchase_id}", "amount": refunded_minor},
            )
    return purchase_id


async def set_registered(engine: AsyncEngine, customer_id: int, at: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE customers SET created_at = :at WHERE id = :id"),
            {"at": at, "id": customer_id},
        )


async def refund_line(engine: AsyncEngine, purchase_id: int, line_no: int, quantity: int) -> None:
    """Return `quantity` more units of a line, with the refund row recording it, in one
    transaction (as domain/purchases/refunds.py does, points aside)."""
    async with engine.begin() as conn:
        price = (
            await conn.execute(
                text(
                    "UPDATE purchase_lines SET refunded_quantity = refunded_quantity + :q "
                    "WHERE purchase_id = :p AND line_no = :no RETURNING unit_price_minor"
                ),
                {"p": purchase_id, "no": line_no, "q": quantity},
            )
        ).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO refunds (purchase_id, idempotency_key, lines, amount_minor, "
                "points_due, points_taken, points_uncollected) VALUES "
                "(:p, :key, '[]', :amount, 0, 0, 0)"
            ),
            {
                "p": purchase_id,
                "key": f"refund-{purchase_id}-{next(_orders)}",
                "amount": quantity * price,
            },
        )
