"""Given a funnel with a holdout split, a goal, points, a voucher and an email, when
customers go through it and some buy, then its figures count the enrollments by status, each
step's runs, points, messages and vouchers, and each goal's conversions and revenue per
path, with the uplift over the holdout; the figures agree with independent SQL counts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.engine.events import FunnelEvents
from funnels.engine.statistics import funnel_figures
from funnels.engine.steps.flow import split_bucket
from funnels.engine.versions import VersionCache
from notifications.dispatch.dispatcher import dispatch_pending
from tessera.funnel_engine import narrow
from tessera.funnel_filters import CHECK_FILTER as check_filter
from tests.funnels.definitions.support import seed_references
from tests.funnels.engine.support import Clock, active_funnel, advance
from tests.support.builtins import customer, purchase


async def test_figures_per_step_and_goal_with_the_holdout_as_baseline(
    clean_db: AsyncEngine,
) -> None:
    refs = await seed_references(clean_db)
    funnel = await active_funnel(clean_db, {
        "name": "Campaign",
        "entry": {"trigger": {"campaign": {}}},
        "start": "split",
        "steps": [
            {"id": "split", "type": "randomSplit", "paths": [
                {"percent": 80, "next": "goal"},
                {"percent": 20, "next": "holdout_goal", "holdout": True}]},
            {"id": "goal", "type": "goal", "name": "buy", "withinDays": 7, "next": "points"},
            {"id": "points", "type": "addPoints", "points": 50, "next": "voucher"},
            {"id": "voucher", "type": "issueVoucher", "voucherBatch": refs["batch"],
             "next": "email"},
            {"id": "email", "type": "sendEmail", "template": "welcome"},
            {"id": "holdout_goal", "type": "goal", "name": "buy", "withinDays": 7},
        ],
    }, "campaign")  # fmt: skip
    ids = [await customer(clean_db, f"c{i}") for i in range(12)]
    clock = Clock(datetime.now(UTC))
    async with UnitOfWork(clean_db) as uow:
        await enter_ids(uow, Door(funnel, 1, "split", EntryRule(Reentry.ONCE)), ids, clock())
        await uow.commit()
    await advance(clean_db, clock)
    # Every other customer buys, and the events reach the engine.
    for i in range(0, 12, 2):
        await purchase(clean_db, ids[i], f"o-{i}", 1000 + i)
    reaction = FunnelEvents(VersionCache(check_filter), narrow, clock)
    while (await dispatch_pending(UnitOfWork(clean_db), [reaction])).events:
        pass

    async with UnitOfWork(clean_db) as uow:
        figures = await funnel_figures(uow, funnel)

    async with clean_db.connect() as conn:
        enrollments: dict[int, int] = dict((await conn.execute(text(
            "SELECT customer_id, id FROM funnel_enrollments"))).all())  # fmt: skip
        statuses: dict[str, int] = dict((await conn.execute(text(
            "SELECT status, count(*) FROM funnel_enrollments GROUP BY 1"))).all())  # fmt: skip
        coded = (await conn.execute(text(
            "SELECT count(*) FROM vouchers WHERE customer_id IS NOT NULL"))).scalar()  # fmt: skip
    held_out = {c for c in ids if split_bucket(enrollments[c], "split") >= 80}
    treated = [c for c in ids if c not in held_out]
    served = min(len(treated), 5)  # the batch holds 5 codes
    assert figures.entered == 12
    assert (figures.completed, figures.failed) == (
        statuses.get("COMPLETED", 0), statuses.get("FAILED", 0))  # fmt: skip
    assert figures.failed == len(treated) - served
    by_step = {s.step_id: s for s in figures.steps}
    assert by_step["split"].runs == 12
    assert by_step["points"].points_added == 50 * len(treated)
    assert by_step["voucher"].vouchers_issued == coded == served
    assert by_step["email"].messages == ({"QUEUED": served} if served else {})
    (goal,) = figures.goals
    buyers = set(ids[0::2])
    assert (goal.goal, goal.reached, goal.converted) == ("buy", 12, len(buyers))
    assert goal.revenue_minor == sum(1000 + i for i in range(0, 12, 2))
    paths = {p.holdout: p for p in goal.paths}
    assert paths[False].entered == len(treated)
    assert paths[False].converted == len(buyers - held_out)
    if held_out:
        assert paths[True].converted == len(buyers & held_out)
        expected = round(paths[False].conversion_rate - paths[True].conversion_rate, 2)
        assert paths[False].uplift_points == expected
        assert paths[True].uplift_points is None
