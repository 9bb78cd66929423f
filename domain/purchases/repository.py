"""Reading and writing purchase rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import exists, func, select, text, true
from sqlalchemy.exc import IntegrityError

from domain.cards.current_discounts import ISSUE_CTE
from domain.events.payloads import event_type_sql, payload_sql
from domain.events.sql import APPEND_EVENTS
from domain.events.types import PurchaseRecorded
from domain.ledger import posting as post
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.line_discounts import discounts_of
from domain.purchases.models import Purchase, PurchaseLine, award_key_sql
from domain.purchases.tables import purchase_lines, purchases, refunds
from domain.uow import Executor, UnitOfWork

_RECORDED_PAYLOAD = payload_sql(
    PurchaseRecorded,
    shop="p.shop",
    order_id="p.order_id",
    status="p.status",
    total_minor="p.total_minor",
)

_PURCHASE_CTES = f"""
    p AS (
        INSERT INTO purchases (shop, order_id, customer_id, channel, status, total_minor,
                               occurred_at, points_earned, awarded_at, earning_snapshot)
        VALUES (:shop, :order_id, :customer_id, :channel, :status, :total_minor,
                :occurred_at, :points_earned, :awarded_at, CAST(:earning_snapshot AS jsonb))
        ON CONFLICT (shop, order_id) DO NOTHING
        RETURNING id, customer_id, shop, order_id, status, total_minor),
    l AS (
        INSERT INTO purchase_lines (purchase_id, line_no, sku, quantity, unit_price_minor,
                                    discounted, product_line)
        SELECT p.id, t.line_no, t.sku, t.quantity, t.price, t.discounted, t.product_line
          FROM p, unnest(CAST(:skus AS text[]), CAST(:quantities AS bigint[]),
                         CAST(:prices AS bigint[]), CAST(:discounted AS boolean[]),
                         CAST(:line_product_lines AS text[]))
                  WITH ORDINALITY AS t(sku, quantity, price, discounted, product_line,
                                       line_no)),
    pev AS (
        {APPEND_EVENTS}
        SELECT {event_type_sql(PurchaseRecorded)}, p.customer_id, {_RECORDED_PAYLOAD}
          FROM p
        RETURNING id),
    {ISSUE_CTE}
"""

INSERT_NEW = text(f"WITH {_PURCHASE_CTES} SELECT id FROM p")

# The purchase and its award in one statement: the credit happens only if the purchase row
# was inserted (a repeated order writes nothing), and any failure undoes both. The guard
# reads pev, so PurchaseRecorded is written (and numbered) before PointsEarned.
INSERT_NEW_AND_AWARD = text(f"""
    WITH {_PURCHASE_CTES},
    {
    post.credit_ctes(
        guard="AND EXISTS (SELECT 1 FROM pev)", key_sql=award_key_sql("(SELECT id FROM p)")
    )
}
    SELECT p.id AS purchase_id, e.id, e.balance_after, e.created_at, acc.lifetime_earned,
           acc.lifetime_spent, acc.held, acc.lifetime_expired
      FROM p LEFT JOIN e ON true LEFT JOIN acc ON true
""")


async def insert_if_new(
    db: Executor,
    values: dict[str, Any],
    lines: list[Line],
    award: post.Posting | None,
    card_discounts_minor: int = 0,
) -> tuple[int | None, post.Posted | None]:
    """Insert the purchase, its lines, its PurchaseRecorded event, the current discount it
    gives a CURRENT_DISCOUNT card's holder (domain.cards.current_discounts: from the total
    less `card_discounts_minor`) and, if given, the award posting, in one statement.
    (None, None) when (shop, order_id) exists already.

    A concurrent insert of the same order waits for the first to commit, then gets None."""
    params = insert_params(values, lines, award, card_discounts_minor)
    if award is None:
        inserted = await db.fetch_row(INSERT_NEW, params)
        return (inserted["id"] if inserted else None), None
    try:
        row = await db.fetch_row(INSERT_NEW_AND_AWARD, params)
    except IntegrityError as error:
        raise post.refusal_for(error) from error
    if row is None:
        return None, None
    return row["purchase_id"], post.posted_from(row)


def insert_params(
    values: dict[str, Any],
    lines: list[Line],
    award: post.Posting | None,
    card_discounts_minor: int,
) -> dict[str, Any]:
    """INSERT_NEW's parameters, and INSERT_NEW_AND_AWARD's with the award's."""
    params: dict[str, Any] = {
        **values,
        "earning_snapshot": orjson.dumps(values["earning_snapshot"]).decode()
        if values.get("earning_snapshot") is not None
        else None,
        "skus": [ln.sku for ln in lines],
        "quantities": [ln.quantity for ln in lines],
        "prices": [ln.unit_price_minor for ln in lines],
        "discounted": [ln.discounted for ln in lines],
        "line_product_lines": [ln.product_line for ln in lines],
        "card_discounts_minor": card_discounts_minor,
    }
    if award is not None:
        params.update(post.posting_params(award))
    return params


@dataclass(frozen=True)
class OrderEarnings:
    """What an order's purchase earned and what its refunds took back or gave back."""

    customer_id: int
    points_earned: int  # net of what refunds took back
    points_returned: int  # points that paid the order, given back by refunds
    value_returned_minor: int  # their money


async def order_earnings(uow: UnitOfWork, shop: str, order_id: str) -> OrderEarnings | None:
    """The order's purchase, net of its refunds (None when the order was not recorded)."""
    refunded = (
        select(
            func.coalesce(func.sum(refunds.c.points_taken), 0).label("taken"),
            func.coalesce(func.sum(refunds.c.points_returned), 0).label("returned"),
            func.coalesce(func.sum(refunds.c.value_returned_minor), 0).label("value"),
        )
        .where(refunds.c.purchase_id == purchases.c.id)
        .lateral("refunded")
    )
    row = (
        await uow.execute(
            select(purchases.c.customer_id, purchases.c.points_earned, refunded)
            .select_from(purchases.join(refunded, true()))
            .where(purchases.c.shop == shop, purchases.c.order_id == order_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return OrderEarnings(
        row.customer_id, row.points_earned - int(row.taken), int(row.returned), int(row.value)
    )


async def order_recorded(uow: UnitOfWork, shop: str, order_id: str) -> bool:
    """Whether the order's sale has been recorded (a purchase exists for it)."""
    query = select(exists().where(purchases.c.shop == shop, purchases.c.order_id == order_id))
    return bool((await uow.execute(query)).scalar_one())


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


async def refunded_steps(uow: UnitOfWork, purchase_id: int) -> list[dict[int, int]]:
    """The purchase's refunds in the order they were made: each one's quantity per line."""
    query = (
        select(refunds.c.lines).where(refunds.c.purchase_id == purchase_id).order_by(refunds.c.id)
    )
    return [
        {int(item["line_no"]): int(item["quantity"]) for item in lines}
        for lines in (await uow.execute(query)).scalars()
    ]


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
                product_line=ln.product_line,
                line_no=ln.line_no,
                refunded_quantity=ln.refunded_quantity,
            )
            for ln in lines
        ],
        discounts=await discounts_of(uow, row.id),
    )


def remaining_lines(purchase: Purchase) -> list[Line]:
    """The lines as they stand after refunds: quantities not refunded yet."""
    return [
        Line(
            ln.sku,
            ln.quantity - ln.refunded_quantity,
            ln.unit_price_minor,
            ln.discounted,
            ln.product_line,
        )
        for ln in purchase.lines
        if ln.quantity > ln.refunded_quantity
    ]
