"""Saved segments in price rules (condition SEGMENT): a rule prices for the customers in its
segment at the moment the cart is priced, and for nobody else; a rule cannot name a
segment that does not exist; a segment a rule names is not deleted; a segment that can no
longer be evaluated leaves its rules out (logged) and the cart is still priced; and the
membership of every segment the rules name is asked in one statement."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.access.principals import Staff
from domain.checkout.quote import CartLine
from domain.errors import DomainError, ErrorCode
from domain.ledger.services import adjust_points
from domain.pricing.models import PriceCondition, PriceEffect, PriceRule, PriceRuleSpec
from domain.pricing.services import (
    CreatePriceRule,
    create_price_rule,
    price_customer_cart,
    update_price_rule,
)
from domain.segments import SegmentCatalog
from domain.uow import UnitOfWork
from funnels.segments import delete_segment, save_segment
from funnels.segments.catalog import SavedSegments
from funnels.segments.saved import DeleteSegment
from tests.domain.gifts.test_runs import customer
from tests.support.round_trips import counting_engine

STAFF = Staff(1, "test", Role.MANAGER)
CART = [CartLine("BEANS", 1, 1000)]
RICH = PriceRuleSpec(
    name="Rich: 10% off",
    effect=PriceEffect.PERCENT,
    percent_bp=1000,
    condition=PriceCondition.SEGMENT,
    segment="rich",
)


async def rule(
    engine: AsyncEngine,
    name: str,
    segment: str | None,
    percent_bp: int = 1000,
    catalog: SegmentCatalog | None = None,
) -> PriceRule:
    spec = PriceRuleSpec(
        name=name,
        effect=PriceEffect.PERCENT,
        percent_bp=percent_bp,
        condition=PriceCondition.SEGMENT if segment else PriceCondition.NONE,
        segment=segment,
    )
    made = await create_price_rule(
        UnitOfWork(engine), spec, f"rule-{name}", catalog or SavedSegments()
    )
    return made.rule


async def unit_price(
    engine: AsyncEngine, customer_id: int, catalog: SegmentCatalog | None = None
) -> tuple[int, str | None]:
    """The customer's member unit price of BEANS (shelf 10.00), and the segment that gave it."""
    priced = await price_customer_cart(
        UnitOfWork(engine), STAFF, str(customer_id), CART, catalog or SavedSegments()
    )
    (line,) = priced.lines
    return line.member_unit_price_minor, line.applied.segment if line.applied else None


async def test_a_segment_rule_prices_for_the_segments_members_when_the_cart_is_priced(
    clean_db: AsyncEngine,
) -> None:
    # Given Ann (600 points) and Bob (100), and 10% off for the saved segment "rich"
    ann, bob = await customer(clean_db, 600), await customer(clean_db, 100)
    await save_segment(UnitOfWork(clean_db), "rich", None, {"balance": {"gte": 500}}, "m")
    made = await rule(clean_db, "Rich: 10% off", "rich")
    assert (made.spec.condition, made.spec.segment) == (PriceCondition.SEGMENT, "rich")
    # Then Ann pays 9.00 because she is in "rich", Bob the shelf price
    assert await unit_price(clean_db, ann) == (900, "rich")
    assert await unit_price(clean_db, bob) == (1000, None)
    # When Bob reaches 500 points, he is in the segment at his next pricing
    await adjust_points(UnitOfWork(clean_db), str(bob), 400, "n", "bob-up", "t")
    assert await unit_price(clean_db, bob) == (900, "rich")
    # And when the segment's filter changes, pricing follows it at once
    await save_segment(UnitOfWork(clean_db), "rich", None, {"balance": {"gte": 550}}, "m")
    assert await unit_price(clean_db, bob) == (1000, None)
    # And without a catalog (a caller that cannot read segments) the rule does not apply
    plain = await price_customer_cart(UnitOfWork(clean_db), STAFF, str(ann), CART)
    assert plain.lines[0].applied is None


async def test_a_rule_cannot_name_a_segment_that_does_not_exist(clean_db: AsyncEngine) -> None:
    spec = PriceRuleSpec(
        name="Ghosts",
        effect=PriceEffect.PERCENT,
        percent_bp=1000,
        condition=PriceCondition.SEGMENT,
        segment="ghost",
    )
    for catalog in (SavedSegments(), None):
        with pytest.raises(DomainError) as missing:
            await create_price_rule(UnitOfWork(clean_db), spec, "ghost", catalog)
        problem = missing.value.problems[0]
        assert (problem.field, problem.code) == ("segment", ErrorCode.NOT_FOUND)
    # Nor be changed to name one
    plain = await rule(clean_db, "Everyone", None)
    with pytest.raises(DomainError) as changed:
        await update_price_rule(
            UnitOfWork(clean_db),
            str(plain.id),
            {"condition": PriceCondition.SEGMENT, "segment": "ghost"},
            SavedSegments(),
        )
    assert [(p.field, p.code) for p in changed.value.problems] == [("segment", ErrorCode.NOT_FOUND)]
    async with UnitOfWork(clean_db) as uow:
        count = (await uow.execute(text("SELECT count(*) FROM price_rules"))).scalar_one()
        condition = (await uow.execute(text("SELECT condition FROM price_rules"))).scalar_one()
    assert (count, condition) == (1, "NONE")


async def test_a_segment_a_rule_names_is_not_deleted_until_no_rule_names_it(
    clean_db: AsyncEngine,
) -> None:
    # Given "rich", named by an active rule and by a retired one
    await save_segment(UnitOfWork(clean_db), "rich", None, {"balance": {"gte": 500}}, "m")
    active = await rule(clean_db, "Rich: 10% off", "rich")
    retired = await rule(clean_db, "Rich: old price", "rich")
    await update_price_rule(UnitOfWork(clean_db), str(retired.id), {"active": False})
    # When a marketer deletes it, it is refused, naming both rules
    with pytest.raises(DomainError) as used:
        await delete_segment(UnitOfWork(clean_db), "rich")
    problem = used.value.problems[0]
    assert (problem.field, problem.code) == ("name", ErrorCode.SEGMENT_IN_USE)
    assert (
        f"price rule Rich: 10% off (id {active.id}), price rule Rich: old price (id {retired.id})"
        in problem.message
    )
    # When both rules go to everyone instead, it can be deleted
    for made in (active, retired):
        changed = await update_price_rule(
            UnitOfWork(clean_db), str(made.id), {"condition": PriceCondition.NONE}
        )
        assert changed.rule.spec.segment is None
    assert await delete_segment(UnitOfWork(clean_db), "rich") is True


async def test_a_segment_that_cannot_be_evaluated_leaves_its_rules_out_and_prices_the_rest(
    clean_db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given Ann (600 points) and three rules: 10% for "rich", 20% for "vip" (which names
    # "gold", deleted by hand since: past the in-use check), 30% for "welcomed" (a funnel
    # condition, which pricing cannot evaluate: no funnel engine here)
    ann = await customer(clean_db, 600)
    uow = UnitOfWork(clean_db)
    await save_segment(uow, "rich", None, {"balance": {"gte": 500}}, "m")
    await save_segment(uow, "gold", None, {"balance": {"gte": 100}}, "m")
    await save_segment(uow, "vip", None, {"segment": "gold"}, "m")
    await save_segment(uow, "welcomed", None, {"inFunnel": "welcome"}, "m")
    await rule(clean_db, "Rich", "rich", 1000)
    await rule(clean_db, "VIP", "vip", 2000)
    await rule(clean_db, "Welcomed", "welcomed", 3000)
    assert await unit_price(clean_db, ann) == (800, "vip")
    async with UnitOfWork(clean_db) as db:
        await db.execute(text("DELETE FROM segments WHERE name = 'gold'"))
        await db.commit()
    # When her cart is priced, then "rich" still applies; the others are left out, logged
    with caplog.at_level(logging.WARNING, logger="domain.pricing.segments"):
        assert await unit_price(clean_db, ann) == (900, "rich")
    logged = [r.getMessage() for r in caplog.records]
    assert any("'vip'" in m and "gold" in m for m in logged), logged
    assert any("'welcomed'" in m and "FUNNEL_ENGINE_REQUIRED" in m for m in logged), logged


async def test_every_segment_is_asked_in_one_statement(
    database_url: str, clean_db: AsyncEngine
) -> None:
    # Given a customer and three rules on three segments, on a connection whose statements
    # are prepared already (a first pricing)
    async with counting_engine(database_url) as (engine, trips):
        ann = await customer(engine, 600)
        for name, filter_ in (
            ("rich", {"balance": {"gte": 500}}),
            ("new", {"registered": {"after": "P1D"}}),
            ("buyers", {"purchases": {"count": {"gte": 1}}}),
        ):
            await save_segment(UnitOfWork(engine), name, None, filter_, "m")
            await rule(engine, name, name)
        await unit_price(engine, ann)
        # When her cart is priced
        count, priced = await trips.of(unit_price(engine, ann))
        log = trips.describe()
    # Then: the customer, the rules and the time; BEGIN; the saved segments; the one
    # statement asking all three; the end of the read
    assert priced == (900, "rich")
    assert count == 5, log
    assert sum("EXISTS" in sql for _, sql in trips.made) == 1, log


async def waiting_on_a_lock(engine: AsyncEngine) -> None:
    """Until a session of this database waits on a lock (a deadline, no sleep-and-hope)."""
    deadline = time.monotonic() + 10
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            if (await conn.execute(query)).scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("nobody waits on a lock")


async def test_a_delete_racing_a_rule_being_saved_keeps_the_segment(clean_db: AsyncEngine) -> None:
    await save_segment(UnitOfWork(clean_db), "rich", None, {"balance": {"gte": 500}}, "m")
    # Given a rule on "rich" being saved (checked and written, not committed yet)
    async with UnitOfWork(clean_db) as saving:
        await CreatePriceRule(RICH, "race-1", SavedSegments()).handle(saving)
        # When the segment is deleted meanwhile, the delete waits for the save
        deleting = asyncio.create_task(delete_segment(UnitOfWork(clean_db), "rich"))
        await waiting_on_a_lock(clean_db)
        await saving.commit()
    # Then it sees the rule and keeps the segment
    with pytest.raises(DomainError) as used:
        await deleting
    assert used.value.problems[0].code is ErrorCode.SEGMENT_IN_USE


async def test_a_rule_saved_while_its_segment_is_deleted_is_refused(clean_db: AsyncEngine) -> None:
    await save_segment(UnitOfWork(clean_db), "rich", None, {"balance": {"gte": 500}}, "m")
    # Given "rich" being deleted (checked and deleted, not committed yet)
    async with UnitOfWork(clean_db) as deleting:
        assert await DeleteSegment("rich").handle(deleting) is True
        # When a rule on it is saved meanwhile, the save waits for the delete
        saving = asyncio.create_task(
            create_price_rule(UnitOfWork(clean_db), RICH, "race-2", SavedSegments())
        )
        await waiting_on_a_lock(clean_db)
        await deleting.commit()
    # Then it finds the segment gone
    with pytest.raises(DomainError) as missing:
        await saving
    assert [(p.field, p.code) for p in missing.value.problems] == [("segment", ErrorCode.NOT_FOUND)]
