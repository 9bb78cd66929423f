"""Saved segments of a funnel's customers (inFunnel, goalReached) where the domain takes a
segment: a gift schedule pays only the customers inside the funnel, a price rule prices
only for them, as the API and the workers wire the saved segments
(funnels.engine.conditions.saved_segments)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.gifts.models import GiftFilter
from domain.gifts.runs import run_gift_schedules
from domain.gifts.services import create_gift_schedule
from domain.uow import UnitOfWork
from funnels.definitions.entry import Reentry
from funnels.engine.conditions import saved_segments
from funnels.engine.entering import Door, EntryRule, enter_ids
from funnels.segments import save_segment
from tests.domain.gifts.test_runs import customer, periods_after
from tests.funnels.engine.support import Clock, active_funnel
from tests.funnels.segments.test_gift_segments import SPEC
from tests.funnels.segments.test_price_segments import rule, unit_price
from tests.support.ledger import assert_ledger_sound

WELCOME = {
    "name": "Welcome",
    "entry": {"trigger": {"campaign": {}}},
    "start": "wait",
    "steps": [{"id": "wait", "type": "wait", "duration": "P7D"}],
}


async def welcomed(engine: AsyncEngine) -> tuple[int, int]:
    """Ann inside the Welcome funnel (waiting at its first step), Bob in none; both with 600
    points. A saved segment "welcomed" of the funnel's customers."""
    ann, bob = await customer(engine, 600), await customer(engine, 600)
    funnel = await active_funnel(engine, WELCOME, "welcome")
    async with UnitOfWork(engine) as uow:
        await enter_ids(uow, Door(funnel, 1, "wait", EntryRule(Reentry.ONCE)), [ann], Clock()())
        await uow.commit()
    await save_segment(UnitOfWork(engine), "welcomed", None, {"inFunnel": "Welcome"}, "m")
    return ann, bob


async def test_a_gift_goes_to_the_customers_inside_a_funnel(clean_db: AsyncEngine) -> None:
    # Given Ann inside the Welcome funnel and Bob not, and a gift to the segment of its customers
    ann, bob = await welcomed(clean_db)
    uow = UnitOfWork(clean_db)
    spec = replace(SPEC, filter=GiftFilter(segment="welcomed"))
    made = (await create_gift_schedule(uow, spec, "gift-welcomed", saved_segments())).item

    # When the gift is paid
    (period,) = periods_after(made, 1)
    paid = await run_gift_schedules(uow, period, saved_segments())

    # Then only Ann got it
    assert [p.run.customers_credited for p in paid] == [1]
    async with uow:
        balances = await uow.execute(
            text("SELECT customer_id, balance FROM point_accounts ORDER BY customer_id")
        )
        assert [tuple(r) for r in balances] == [(ann, 650), (bob, 600)]
    await assert_ledger_sound(clean_db)


async def test_a_price_rule_prices_for_the_customers_inside_a_funnel(
    clean_db: AsyncEngine,
) -> None:
    # Given Ann inside the Welcome funnel and Bob not, and 30% for the funnel's customers
    ann, bob = await welcomed(clean_db)
    await rule(clean_db, "Welcomed", "welcomed", 3000, catalog=saved_segments())

    # When their carts are priced, then Ann pays 7.00 and Bob the shelf price
    assert await unit_price(clean_db, ann, saved_segments()) == (700, "welcomed")
    assert await unit_price(clean_db, bob, saved_segments()) == (1000, None)
