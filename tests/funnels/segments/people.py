"""Customers, purchases, badges and vouchers written straight into the tables, so that each
segment test states exactly the facts its conditions read (times included)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import Problems
from domain.uow import UnitOfWork
from funnels.segments import (
    FunnelConditions,
    check_filter,
    compile_filter,
    load_saved,
    segment_query,
)


async def person(
    engine: AsyncEngine,
    *,
    balance: int = 0,
    held: int = 0,
    earned: int = 0,
    spent: int = 0,
    category: str | None = None,
    birth_date: date | None = None,
    time_zone: str | None = None,
    locale: str | None = None,
    attributes: dict[str, Any] | None = None,
    email: bool = False,
    sms: bool = False,
    registered: datetime | None = None,
) -> int:
    """A customer with these facts (in the default category unless `category` names
    another), and its balance row."""
    async with engine.begin() as conn:
        row = await conn.execute(
            text(
                "INSERT INTO customers (category_id, birth_date, time_zone, locale, attributes,"
                " consent_email, consent_sms, created_at)"
                " SELECT id, CAST(:birth AS date), CAST(:tz AS text), CAST(:locale AS text),"
                " CAST(:attrs AS jsonb), :email, :sms,"
                "        COALESCE(CAST(:registered AS timestamptz), now())"
                "   FROM point_categories WHERE (CAST(:category AS text) IS NULL AND is_default)"
                "     OR name = :category RETURNING id"
            ),
            {
                "birth": birth_date,
                "tz": time_zone,
                "locale": locale,
                "attrs": json.dumps(attributes or {}),
                "email": email,
                "sms": sms,
                "registered": registered,
                "category": category,
            },
        )
        cid = int(row.scalar_one())
        await conn.execute(
            text(
                "INSERT INTO point_accounts (customer_id, balance, held, lifetime_earned,"
                " lifetime_spent) VALUES (:c, :b, :h, :e, :s)"
            ),
            {"c": cid, "b": balance, "h": held, "e": earned, "s": spent},
        )
    return cid


async def execute(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.begin() as conn:
        return await conn.execute(text(sql), params)


async def purchase(
    engine: AsyncEngine,
    customer_id: int,
    at: datetime,
    total_minor: int = 1000,
    *,
    shop: str = "milano",
    status: str = "PAID",
    refunded_minor: int = 0,
) -> None:
    """An order of the customer at `at`, and a refund of part of it when given."""
    row = await execute(
        engine,
        "INSERT INTO purchases (shop, order_id, customer_id, channel, status, total_minor,"
        " occurred_at) VALUES (:shop, gen_random_uuid()::text, :c, 'POS', :status, :t, :at)"
        " RETURNING id",
        shop=shop,
        c=customer_id,
        status=status,
        t=total_minor,
        at=at,
    )
    pid = row.scalar_one()
    if refunded_minor:
        await execute(
            engine,
            "INSERT INTO refunds (purchase_id, idempotency_key, lines, amount_minor, points_due,"
            " points_taken, points_uncollected) VALUES (:p, gen_random_uuid()::text, '[]',"
            " :a, 0, 0, 0)",
            p=pid,
            a=refunded_minor,
        )


async def category(engine: AsyncEngine, name: str) -> int:
    row = await execute(
        engine,
        "INSERT INTO point_categories (name, earn_multiplier) VALUES (:n, 2) RETURNING id",
        n=name,
    )
    return int(row.scalar_one())


async def matching(
    engine: AsyncEngine,
    raw: object,
    now: datetime,
    funnels: FunnelConditions | None = None,
) -> set[int]:
    """The ids of the customers the filter (JSON) matches at `now`. Each customer is also
    asked about alone (the filter compiled for one customer, as pricing asks): the answers
    must agree with the whole segment's."""
    problems = Problems()
    checked = check_filter(problems, raw, "filter")
    assert checked is not None and not problems.items, problems.items
    async with UnitOfWork(engine) as uow:
        query = await segment_query(uow, checked, now, funnels)
        found = {row[0] for row in await uow.execute(query)}
        saved = await load_saved(uow, checked)
        everyone = (await uow.execute(text("SELECT id FROM customers"))).scalars()
        for cid in everyone.all():
            alone = compile_filter(checked, now, saved=saved, funnels=funnels, customer_id=cid)
            selected = {row[0] for row in await uow.execute(alone)}
            assert selected == ({cid} & found), (cid, raw)
    return found
