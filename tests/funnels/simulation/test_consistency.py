"""Given a program's customers (balances, phones, consents, an SMS already sent under a
cap) and a campaign that branches, gives points, issues vouchers from a batch too small and
sends an SMS, when the campaign is dry-run and then really run by the engine (and its
messages handed to the sender) on the same data, then every figure the dry run predicted is
what the run did: entries, each step's customers and paths, points, vouchers and the
customers left short, messages sent, held by the cap, suppressed for want of consent, and
customers without a phone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.engine.running import one_pass
from funnels.engine.versions import VersionCache
from notifications.delivery.provider_calls import Channels
from notifications.delivery.sending import deliver_batch
from notifications.fatigue.models import LimitChannel, PeriodUnit
from tessera.funnel_engine import audience
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import RUNTIME, Clock, active_funnel
from tests.funnels.simulation.support import by_step, paths, simulate
from tests.notifications.fatigue.support import cap, limits, queued, sent_at
from tests.support.builtins import customer, purchase


def campaign(batch: str) -> dict[str, Any]:
    return {
        "name": "Autumn",
        "entry": {"trigger": {"campaign": {}}},
        "start": "rich",
        "steps": [
            {"id": "rich", "type": "branch", "filter": {"balance": {"gte": 300}},
             "yes": "points", "no": "sms"},
            {"id": "points", "type": "addPoints", "points": 100, "next": "voucher"},
            {"id": "voucher", "type": "issueVoucher", "voucherBatch": batch, "next": "sms"},
            {"id": "sms", "type": "sendSms", "template": "voucher sms"},
        ],
    }  # fmt: skip


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(sql), params))


async def tally(engine: AsyncEngine, sql: str, **params: Any) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(r) for r in await rows(engine, sql, **params))


async def test_the_dry_run_predicts_what_the_engine_then_does(clean_db: AsyncEngine) -> None:
    now = datetime.now(UTC)
    batch = (await seed_references(clean_db))["batch"]  # five codes
    ids = []
    for i in range(12):
        phone = None if i % 5 == 4 else f"+3933312345{i:02d}"
        ids.append(await customer(clean_db, f"c{i}", phone=phone, consent_sms=i % 3 != 0))
        await purchase(clean_db, ids[-1], f"o{i}", 10_000 * i)  # 100 points a step
    await limits(clean_db, channels=(cap(LimitChannel.SMS, 1, 1, PeriodUnit.DAYS),))
    earlier = await queued(clean_db, ids[7], "earlier")  # c7 consents and has a phone
    await sent_at(clean_db, earlier, now - timedelta(hours=1))
    funnel = await active_funnel(clean_db, campaign(batch), "autumn")

    predicted = await simulate(clean_db, funnel_id=funnel, as_of=now)

    await one_pass(clean_db, VersionCache(CHECK_FILTER), RUNTIME, audience, list[int]().extend,
                   Clock(now))  # fmt: skip
    made = [r.id for r in await rows(clean_db, "SELECT id FROM messages WHERE id <> :e", e=earlier)]
    await deliver_batch(UnitOfWork(clean_db), made, Channels())

    steps = by_step(predicted)
    runs = await tally(clean_db, "SELECT step_id, outcome, detail->>'reason' FROM funnel_step_runs")
    ends = await tally(clean_db, "SELECT status, exit_reason FROM funnel_enrollments")
    statuses = await tally(
        clean_db, "SELECT status, status_reason FROM messages WHERE id <> :e", e=earlier
    )
    funnel_points = "SELECT sum(points) FROM ledger_entries WHERE source_type = 'funnel'"
    (added,) = await rows(clean_db, funnel_points)
    (given,) = await rows(clean_db, "SELECT count(*) FROM vouchers WHERE customer_id IS NOT NULL")

    # Entries, the branch's paths and each step's customers
    assert predicted.entered == sum(ends.values()) == 12
    yes, no = runs["rich", "YES", None], runs["rich", "NO", None]
    assert paths(steps["rich"]) == {"YES": yes, "NO": no} == {"YES": 9, "NO": 3}
    assert steps["points"].reached == runs["points", "DONE", None] == 9
    # Points
    assert steps["points"].points is not None and steps["points"].points.added == added[0] == 900
    # Vouchers: five given, four short (failed BATCH_EXHAUSTED)
    vouchers = steps["voucher"].vouchers
    assert vouchers is not None
    assert (vouchers.would_issue, vouchers.short) == (given[0], ends["FAILED", "BATCH_EXHAUSTED"])
    assert (vouchers.would_issue, vouchers.short) == (5, 4)
    # Messages: without a phone, failing to render (no [voucher_code] on the no path),
    # suppressed without consent, held by the cap, captured by the sandbox
    sms = steps["sms"].messages
    assert sms is not None
    assert steps["sms"].reached == runs["sms", "DONE", None] + runs["sms", "DONE", "NO_ADDRESS"]
    assert sms.no_address == runs["sms", "DONE", "NO_ADDRESS"] == 1
    assert sms.render_failed == statuses["FAILED", "RENDER_ERROR"] == 3
    assert sms.no_consent == statuses["SUPPRESSED", "NO_CONSENT"]
    assert sms.capped == statuses["DEFERRED", "FREQUENCY_CAP"] == 1
    assert sms.would_send - sms.capped == statuses["CAPTURED", "SANDBOX"]
    assert (predicted.totals.completed, predicted.totals.failed) == (
        ends["COMPLETED", None], ends["FAILED", "BATCH_EXHAUSTED"])  # fmt: skip
