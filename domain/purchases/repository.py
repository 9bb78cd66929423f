"""Reading and writing purchase rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.models import Purchase, PurchaseLine
from domain.purchases.tables import purchase_lines, purchases
from domain.uow import UnitOfWork


async def insert_if_new(uow: UnitOfWork, values: dict[str, Any], lines: list[Line]) -> int | None:
    """Insert the purchase and its lines; None when (shop, order_id) exists already.

    A concurrent insert of the same order waits for the first to commit, then gets None."""
    new_id = (
        await uow.execute(
            pg_insert(purchases)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["shop", "order_id"])
            .returning(purchases.c.id)
        )
    ).scalar_one_or_none()
    if new_id is not None:
        await uow.execute(
            insert(purchase_lines),
            [
                {
                    "purchase_id": new_id,
                    "line_no": no,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price_minor": line.unit_price_minor,
                    "discounted": line.discounted,
                }
                for no, line in enumerate(lines, start=1)
            ],
        )
    return new_id


async def lock_purchase(uow: UnitOfWork, shop: str, order_id: str) -> Purchase | None:
    """The purchase, its row locked until the end of the transaction."""
    row = (
        await uow.execute(
            select(purchases)
            .where(purchases.c.shop == shop, purchases.c.order_id == order_id)
            .with_for_update()
        )
    ).one_or_none()
    return await _with_lines(uow, row) if row else None


async def get_purchase(uow: UnitOfWork, purchase_id: int) -> Purchase | None:
    row = (await uow.execute(select(purchases).where(purchases.c.id == purchase_id))).one_or_none()
    return await _with_lines(uow, row) if row else None


async def earning_snapshot_json(uow: UnitOfWork, purchase_id: int) -> dict[str, Any] | None:
    query = select(purchases.c.earning_snapshot).where(purchases.c.id == purchase_id)
    value: dict[str, Any] | None = (await uow.execute(query)).scalar_one()
    return value


async def _with_lines(uow: UnitOfWork, row: Any) -> Purchase:
    lines = await uow.execute(
        select(purchase_lines)
        .where(purchase_lines.c.purchase_id == row.id)
        .order_by(purchase_lines.c.line_no)
    )
    return Purchase(
        id=row.id,
        shop=row.shop,
        order_id=row.order_id,
        customer_id=row.customer_id,
        channel=row.channel,
        status=PurchaseStatus(row.status),
        total_minor=row.total_minor,
        occurred_at=row.occurred_at,
        points_earned=row.points_earned,
        awarded_at=row.awarded_at,
        lines=[
            PurchaseLine(
                sku=ln.sku,
                quantity=ln.quantity,
                unit_price_minor=ln.unit_price_minor,
                discounted=ln.discounted,
                line_no=ln.line_no,
                refunded_quantity=ln.refunded_quantity,
            )
            for ln in lines
        ],
    )


def remaining_lines(purchase: Purchase) -> list[Line]:
    """The lines as they stand after refunds: quantities not refunded yet."""
    return [
        Line(ln.sku, ln.quantity - ln.refunded_quantity, ln.unit_price_minor, ln.discounted)
        for ln in purchase.lines
        if ln.quantity > ln.refunded_quantity
    ]
