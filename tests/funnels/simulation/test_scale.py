"""Given 40,000 customers (more than one statement may carry parameters: asyncpg stops at
32,767), when a funnel touching every kind of read is dry-run, then each read takes the
cohort whole (the ids as one array) and the figures come out right."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from notifications.fatigue.models import LimitChannel, PeriodUnit
from tests.funnels.segments.people import execute
from tests.funnels.simulation.support import balanced, by_step, campaign, seed_messaging, simulate
from tests.notifications.fatigue.support import cap, limits
from tests.support.loyalty import bare_customers

MANY = 40_000


async def test_a_cohort_beyond_a_statements_parameters(clean_db: AsyncEngine) -> None:
    refs = await seed_messaging(clean_db)  # five voucher codes
    await bare_customers(clean_db, MANY)
    await execute(clean_db, "UPDATE customers SET phone = '+39333' || lpad(id::text, 7, '0'), "
                  "consent_sms = id % 2 = 0, birth_date = CASE WHEN id % 4 = 0 THEN NULL "
                  "ELSE date '1990-03-01' END")  # fmt: skip
    await limits(clean_db, channels=(cap(LimitChannel.SMS, 3, 1, PeriodUnit.DAYS),))
    definition = campaign("poor", [
        {"id": "poor", "type": "branch", "filter": {"balance": {"lt": 1}}, "yes": "points"},
        {"id": "points", "type": "addPoints", "points": 10, "next": "sms"},
        {"id": "sms", "type": "sendSms", "template": "hello sms", "next": "birthday"},
        {"id": "birthday", "type": "wait", "untilDate": {"attribute": "birthDate"},
         "next": "voucher"},
        {"id": "voucher", "type": "issueVoucher", "voucherBatch": refs["batch"]},
    ])  # fmt: skip
    definition["exit"] = {"filter": {"consent": {"email": True}}}

    simulation = await simulate(clean_db, definition=definition, time_travel=True)

    steps = by_step(simulation)
    assert simulation.entered == MANY and balanced(simulation)
    assert steps["poor"].paths[0].count == MANY
    assert steps["points"].points is not None and steps["points"].points.added == 10 * MANY
    sms = steps["sms"].messages
    assert sms is not None and (sms.would_send, sms.no_consent) == (MANY // 2, MANY // 2)
    assert steps["birthday"].failures == {"NO_DATE": MANY // 4}
    vouchers = steps["voucher"].vouchers
    assert vouchers is not None and (vouchers.would_issue, vouchers.short) == (5, MANY * 3 // 4 - 5)
