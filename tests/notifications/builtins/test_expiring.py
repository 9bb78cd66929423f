"""Given customers whose lots expire on a date, when the daily reminder runs N days before
it, then each customer hears once per lot date and channel (their points of that date
summed), whatever the reruns, batches and concurrent runs; other dates wait their turn."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.expiring_soon import expiring_soon
from domain.ledger.services import adjust_points
from domain.ledger.validity import update_expiry_rule
from domain.uow import UnitOfWork
from notifications.builtins.expiring import remind_expiring_points
from notifications.builtins.models import BuiltInKind
from tessera.database import create_engine
from tests.support.builtins import (
    SHOP,
    customer,
    email_template,
    messages_of,
    switch_on,
    text_template,
)


async def _lot_date(engine: AsyncEngine, customer_id: int) -> date:
    async with UnitOfWork(engine) as uow:
        found = (await expiring_soon(uow, [customer_id], 400))[customer_id]
    return found[0].date


async def _credit(engine: AsyncEngine, customer_id: int, points: int, key: str) -> None:
    await adjust_points(UnitOfWork(engine), str(customer_id), points, "test", key, "test")


async def _reminders_on(engine: AsyncEngine, days_before: int = 7) -> tuple[int, int]:
    email = await email_template(
        engine, {"en-US": ("[points_expiring] points expire", "on [expiry_date]")}
    )
    sms = await text_template(engine, {"en-US": "[points_expiring] pts expire [expiry_date]"})
    await switch_on(
        engine, BuiltInKind.POINTS_EXPIRING, email=email, text=sms, days_before=days_before
    )
    return email, sms


async def test_each_customer_is_reminded_once_per_lot_date(clean_db: AsyncEngine) -> None:
    # Given points valid 30 days, and a reminder 7 days before they expire
    await _reminders_on(clean_db)
    await update_expiry_rule(UnitOfWork(clean_db), 30, None)
    # And five customers credited today (Ann twice, and she has a phone)
    ann = await customer(clean_db, "ann", phone="+393331234567")
    others = [await customer(clean_db, f"c{n}") for n in range(4)]
    for cid in (ann, *others):
        await _credit(clean_db, cid, 100, f"a-{cid}")
    await _credit(clean_db, ann, 20, "a-again")
    # And Zoe, whose points expire on another date (credited under a longer validity)
    await update_expiry_rule(UnitOfWork(clean_db), 60, None)
    zoe = await customer(clean_db, "zoe")
    await _credit(clean_db, zoe, 100, "z")
    lot_date = await _lot_date(clean_db, ann)
    today = lot_date - timedelta(days=7)
    # When the reminder runs that day, two customers per batch
    sent: list[int] = []
    run = await remind_expiring_points(
        UnitOfWork(clean_db), SHOP, today, batch_customers=2, created=sent.extend
    )
    # Then the five are reminded of that date, Ann of her 120 points by email and SMS
    assert (run.lot_date, run.customers, run.messages) == (lot_date, 5, 6)
    made = await messages_of(clean_db)
    assert len(sent) == len(made) == 6
    assert zoe not in {m.customer_id for m in made}
    anns = await messages_of(clean_db, ann)
    shown = lot_date.strftime("%b %-d, %Y")
    assert [m.content.get("subject") or m.content["text"] for m in anns] == [
        "120 points expire",
        f"120 pts expire {shown}",
    ]
    assert anns[0].content["text"] == f"on {shown}"
    assert [m.dedupe_key for m in anns] == [
        f"expiring:{ann}:{lot_date.isoformat()}:EMAIL",
        f"expiring:{ann}:{lot_date.isoformat()}:SMS",
    ]
    # And running again the same day reminds no one twice
    again = await remind_expiring_points(UnitOfWork(clean_db), SHOP, today)
    assert (again.customers, again.messages) == (0, 0)
    assert len(await messages_of(clean_db)) == 6
    # And Zoe's turn comes 7 days before her own date
    zoe_day = await _lot_date(clean_db, zoe) - timedelta(days=7)
    later = await remind_expiring_points(UnitOfWork(clean_db), SHOP, zoe_day)
    assert (later.customers, later.messages) == (1, 1)


async def test_thirty_runs_at_once_remind_each_customer_once(
    clean_db: AsyncEngine, database_url: str
) -> None:
    await _reminders_on(clean_db, days_before=3)
    await update_expiry_rule(UnitOfWork(clean_db), 10, None)
    ids = [await customer(clean_db, f"c{n}") for n in range(25)]
    for cid in ids:
        await _credit(clean_db, cid, 10, f"k-{cid}")
    today = await _lot_date(clean_db, ids[0]) - timedelta(days=3)
    wide = create_engine(database_url, pool_size=30)
    try:
        runs = await asyncio.gather(
            *(
                remind_expiring_points(UnitOfWork(wide), SHOP, today, batch_customers=4)
                for _ in range(30)
            )
        )
    finally:
        await wide.dispose()
    assert sum(r.customers for r in runs) == 25
    made = await messages_of(clean_db)
    assert sorted(m.customer_id or 0 for m in made) == sorted(ids)


async def test_nothing_is_reminded_while_the_notification_is_off(clean_db: AsyncEngine) -> None:
    await update_expiry_rule(UnitOfWork(clean_db), 10, None)
    ann = await customer(clean_db, "ann")
    await _credit(clean_db, ann, 10, "k")
    today = datetime.now(UTC).date()
    for day in range(15):
        run = await remind_expiring_points(UnitOfWork(clean_db), SHOP, today + timedelta(day))
        assert (run.lot_date, run.customers) == (None, 0)
    assert await messages_of(clean_db) == []
