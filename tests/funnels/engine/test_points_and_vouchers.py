"""Given active funnels with points and voucher steps, when the engine runs them for a batch
of customers, then each customer's entry is posted once under the step run's key with a
source naming the funnel, version, step and enrollment; removals stop at what the balance
allows and record the rest; setPoints lands exactly on its target; each customer gets one
voucher code, shown by the SMS after it; and a batch out of codes fails the rest."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ledger.invariants import find_violations
from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import Clock, active_funnel, advance
from tests.support.builtins import customer, purchase


def points_funnel(start: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": "Points", "entry": {"trigger": {"campaign": {}}}, "start": start,
            "steps": steps}  # fmt: skip


async def enter(engine: AsyncEngine, funnel: int, start: str, ids: list[int], clock: Clock) -> None:
    async with UnitOfWork(engine) as uow:
        await enter_ids(uow, Door(funnel, 1, start, EntryRule(Reentry.ONCE)), ids, clock())
        await uow.commit()


async def balances(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT customer_id, balance FROM point_accounts"))
        return {r.customer_id: r.balance for r in rows}


async def test_add_remove_and_set_points_post_once_with_their_source(
    clean_db: AsyncEngine,
) -> None:
    funnel = await active_funnel(clean_db, points_funnel("add", [
        {"id": "add", "type": "addPoints", "points": 100, "next": "remove"},
        {"id": "remove", "type": "removePoints", "points": 250, "next": "set"},
        {"id": "set", "type": "setPoints", "points": 40},
    ]), "points")  # fmt: skip
    rich, poor = await customer(clean_db, "rich"), await customer(clean_db, "poor")
    await purchase(clean_db, rich, "o-1", 50000)  # 500 points
    clock = Clock()
    await enter(clean_db, funnel, "add", [rich, poor], clock)

    await advance(clean_db, clock)
    await advance(clean_db, clock)

    assert await balances(clean_db) == {rich: 40, poor: 40}
    async with clean_db.connect() as conn:
        entries = (await conn.execute(text(
            "SELECT customer_id, points, source_type, source_ref, idempotency_key "
            "FROM ledger_entries WHERE source_type = 'funnel' ORDER BY id"))).all()  # fmt: skip
        rest: dict[int, int | None] = dict((await conn.execute(text(
            "SELECT e.customer_id, (r.detail->>'notRemoved')::int FROM funnel_step_runs r "
            "JOIN funnel_enrollments e ON e.id = r.enrollment_id "
            "WHERE r.step_id = 'remove'"))).all())  # fmt: skip
        enrollments: dict[int, int] = dict((await conn.execute(text(
            "SELECT customer_id, id FROM funnel_enrollments"))).all())  # fmt: skip
    by_customer: dict[int, list[int]] = {}
    for entry in entries:
        by_customer.setdefault(entry.customer_id, []).append(entry.points)
        enrollment = enrollments[entry.customer_id]
        assert entry.source_ref.startswith(f"funnel:{funnel}:v1:")
        assert entry.source_ref.endswith(f":{enrollment}")
        assert entry.idempotency_key.startswith(f"funnel-run:{enrollment}:")
    assert by_customer == {rich: [100, -250, -310], poor: [100, -100, 40]}
    assert rest == {rich: None, poor: 150}
    async with clean_db.connect() as conn:
        assert await find_violations(conn) == []


async def test_each_customer_gets_one_code_and_the_rest_fail_when_codes_run_out(
    clean_db: AsyncEngine,
) -> None:
    refs = await seed_references(clean_db)  # a batch of 5 codes
    funnel = await active_funnel(clean_db, points_funnel("voucher", [
        {"id": "voucher", "type": "issueVoucher", "voucherBatch": refs["batch"],
         "next": "sms"},
        {"id": "sms", "type": "sendSms", "template": "voucher sms"},
    ]), "vouchers")  # fmt: skip
    ids = [await customer(clean_db, f"c{i}", phone=f"+3933312345{i:02d}") for i in range(7)]
    clock = Clock()
    await enter(clean_db, funnel, "voucher", ids, clock)

    await advance(clean_db, clock)

    async with clean_db.connect() as conn:
        codes: dict[int, str] = dict((await conn.execute(text(
            "SELECT customer_id, code FROM vouchers "
            "WHERE customer_id IS NOT NULL"))).all())  # fmt: skip
        texts: dict[int, str] = dict((await conn.execute(text(
            "SELECT customer_id, content->>'text' FROM messages"))).all())  # fmt: skip
        ends = (await conn.execute(text(
            "SELECT status, exit_reason, count(*) FROM funnel_enrollments "
            "GROUP BY 1, 2 ORDER BY 1"))).all()  # fmt: skip
    assert len(codes) == 5 and len(set(codes.values())) == 5
    assert texts == {c: f"Hi C{ids.index(c)}, code {code}" for c, code in codes.items()}
    assert [tuple(e) for e in ends] == [("COMPLETED", None, 5), ("FAILED", "BATCH_EXHAUSTED", 2)]
