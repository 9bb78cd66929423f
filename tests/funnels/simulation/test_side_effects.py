"""Given an active funnel holding every kind of step, customers inside it already and a
program with points, messages, vouchers and limits, when it is dry-run (with and without
time travel, saved and as a definition), then no table a funnel run writes to changes: the
ledger and its lots, the balances, the domain events (the outbox), the messages, the
vouchers, the categories and attributes, the engine's enrollments, runs, goals and ticks.
And the transaction a dry run reads in refuses any write: PostgreSQL guarantees it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork, read_only
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from notifications.fatigue.models import LimitChannel, PeriodUnit
from notifications.store.models import Purpose, TemplateSpec, Translation
from notifications.store.services import create_template
from notifications.templates import Channel
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import START, active_funnel
from tests.funnels.simulation.support import balanced, simulate, table_counts
from tests.notifications.fatigue.support import NIGHT, cap, limits
from tests.support.builtins import customer, purchase


def every_step(batch: str) -> dict[str, Any]:
    return {
        "name": "Everything",
        "entry": {"trigger": {"campaign": {}}, "reentry": "WHEN_NOT_INSIDE"},
        "exit": {"filter": {"category": {"in": ["Premium"]}}, "events": ["REWARD_CLAIMED"]},
        "start": "split",
        "steps": [
            {"id": "split", "type": "randomSplit", "paths": [
                {"percent": 80, "next": "add"}, {"percent": 20, "next": "hold", "holdout": True}]},
            {"id": "add", "type": "addPoints", "points": 100, "next": "rich"},
            {"id": "rich", "type": "branch", "filter": {"balance": {"gte": 700}},
             "yes": "take", "no": "set"},
            {"id": "take", "type": "removePoints", "points": 50, "next": "voucher"},
            {"id": "set", "type": "setPoints", "points": 200, "next": "voucher"},
            {"id": "voucher", "type": "issueVoucher", "voucherBatch": batch, "next": "mail"},
            {"id": "mail", "type": "sendEmail", "template": "welcome", "next": "sms"},
            {"id": "sms", "type": "sendSms", "template": "voucher sms", "next": "mms"},
            {"id": "mms", "type": "sendMms", "template": "picture", "next": "nine"},
            {"id": "nine", "type": "wait", "untilTimeOfDay": "09:00", "next": "birthday"},
            {"id": "birthday", "type": "wait", "untilDate": {"attribute": "birthDate"},
             "next": "reply"},
            {"id": "reply", "type": "wait", "untilEvent": "PURCHASE_RECORDED",
             "timeout": "P3D", "timeoutNext": "tier", "next": "goal"},
            {"id": "tier", "type": "setCategory", "category": "Premium", "next": "tag"},
            {"id": "tag", "type": "setAttribute", "key": "vip", "value": True, "next": "tell"},
            {"id": "tell", "type": "notifyStaff", "subject": "VIP", "message": "[first_name]",
             "next": "goal"},
            {"id": "goal", "type": "goal", "name": "buy", "withinDays": 30, "next": "week"},
            {"id": "week", "type": "wait", "duration": "P7D", "next": "add"},
            {"id": "hold", "type": "exit", "reason": "holdout"},
        ],
    }  # fmt: skip


async def program(engine: AsyncEngine) -> tuple[int, list[int]]:
    """An active funnel of every step with customers inside, and what a program holds."""
    batch = (await seed_references(engine))["batch"]
    picture = Translation("en-US", text="Hi", media_urls=("https://shop.example/a.png",))
    spec = TemplateSpec("picture", Channel.MMS, Purpose.MARKETING, "en-US", (picture,))
    await create_template(UnitOfWork(engine), spec, "seed picture", "test")
    ids = []
    for i in range(12):
        ids.append(await customer(engine, f"c{i}", phone=f"+3933312345{i:02d}",
                                  consent_sms=i % 2 == 0, time_zone="Europe/Rome",
                                  birth_date=date(1990, 1 + i, 10)))  # fmt: skip
        await purchase(engine, ids[-1], f"o{i}", 10_000 * i)
    sms_cap = cap(LimitChannel.SMS, 1, 1, PeriodUnit.DAYS)
    await limits(engine, quiet_hours=NIGHT, channels=(sms_cap,))
    funnel = await active_funnel(engine, every_step(batch), "everything")
    async with UnitOfWork(engine) as uow:
        rule = EntryRule(Reentry.WHEN_NOT_INSIDE)
        await enter_ids(uow, Door(funnel, 1, "split", rule), ids[:3], START)
        await uow.commit()
    return funnel, ids


async def test_a_dry_run_writes_nothing_anywhere(clean_db: AsyncEngine) -> None:
    funnel, _ = await program(clean_db)
    before = await table_counts(clean_db)
    assert before["SELECT count(*) FROM funnel_enrollments"] == 3
    assert before["SELECT count(*) FROM ledger_entries"] > 0

    runs = [
        await simulate(clean_db, funnel_id=funnel),
        await simulate(clean_db, funnel_id=funnel, time_travel=True),
        await simulate(clean_db, definition=every_step("1") | {"name": "Unsaved"}),
    ]

    assert await table_counts(clean_db) == before
    # And the runs did walk every step
    for simulation in runs:
        assert balanced(simulation)
        assert all(s.reached for s in simulation.steps if s.step_id not in ("goal", "week"))
    assert [r.entered for r in runs] == [9, 9, 12]


async def test_the_dry_runs_transaction_refuses_writes(clean_db: AsyncEngine) -> None:
    async def write(uow: UnitOfWork) -> None:
        await uow.execute(text("UPDATE customers SET attributes = '{}'"))

    with pytest.raises(DBAPIError, match="read-only transaction"):
        await read_only(UnitOfWork(clean_db), write)
