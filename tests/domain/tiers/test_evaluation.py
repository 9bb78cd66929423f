"""Placing customers by the tier rules: the rolling window of points earned, what counts
as earning, two evaluations at once, releasing a category set by hand, and erased customers
left alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.customers.categories import create_category
from domain.customers.models import CustomerFilter
from domain.customers.placement import set_category
from domain.customers.services import create_customer
from domain.data_requests.services import erase_customer
from domain.errors import DomainError, ErrorCode
from domain.ledger.services import adjust_points, reverse_entry
from domain.tiers.evaluation import evaluate_tiers
from domain.tiers.models import RungInput, TierMeasure
from domain.tiers.services import release_category_override, set_tier_rules
from domain.uow import UnitOfWork


async def ladder(engine: AsyncEngine, measure: TierMeasure, window: int | None) -> list[int]:
    """Base from 0, Silver from 100, Gold from 300; returns their ids."""
    base = (await create_customer(UnitOfWork(engine), {}, None)).item.category_id
    silver = (await create_category(UnitOfWork(engine), "Silver", "1.5", False)).item.id
    gold = (await create_category(UnitOfWork(engine), "Gold", "2", False)).item.id
    rungs = [RungInput(str(base), 0), RungInput(str(silver), 100), RungInput(str(gold), 300)]
    await set_tier_rules(UnitOfWork(engine), measure, window, rungs)
    return [base, silver, gold]


async def category_of(engine: AsyncEngine, customer_id: int) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT category_id FROM customers WHERE id = :id"), {"id": customer_id}
        )
        return int(found.scalar_one())


async def test_points_earned_over_a_rolling_window_upgrades_then_downgrades(
    clean_db: AsyncEngine,
) -> None:
    # Given Base 0, Silver 100, Gold 300 points earned over the last 30 days
    base, silver, gold = await ladder(clean_db, TierMeasure.POINTS_EARNED, 30)
    ann = (await create_customer(UnitOfWork(clean_db), {}, None)).item.id
    # And Ann earned 250 by hand, then 80 more, spent 200, and had a 40-point credit reversed
    first = await adjust_points(UnitOfWork(clean_db), str(ann), 250, "contest", "a1", "t")
    await adjust_points(UnitOfWork(clean_db), str(ann), 80, "referral", "a2", "t")
    await adjust_points(UnitOfWork(clean_db), str(ann), -200, "spent", "a3", "t")
    wrong = await adjust_points(UnitOfWork(clean_db), str(ann), 40, "oops", "a4", "t")
    await reverse_entry(UnitOfWork(clean_db), str(wrong.entry.id), "undo", "t")
    # When the rules are evaluated now: 250 + 80 earned (spending does not count, the
    # reversed credit cancels out) = 330, so Gold
    done = await evaluate_tiers(UnitOfWork(clean_db))
    assert done.moved == 1
    assert await category_of(clean_db, ann) == gold
    # When the first 250 leave the window (evaluated 30 days after they were earned),
    # then 80 is left: back to Base
    later = first.entry.created_at + timedelta(days=30)
    await evaluate_tiers(UnitOfWork(clean_db), later)
    assert await category_of(clean_db, ann) == base
    # And the events say why: the rule, its measure and the value
    async with clean_db.connect() as conn:
        events = (
            await conn.execute(
                text("SELECT payload FROM domain_events WHERE type = 'CategoryChanged' ORDER BY id")
            )
        ).scalars()
        payloads = [(p["to_category_id"], p["reason"], p["measure"], p["value"]) for p in events]
    assert payloads == [(gold, "RULE", "POINTS_EARNED", 330), (base, "RULE", "POINTS_EARNED", 80)]
    assert silver not in [p[0] for p in payloads]


async def test_two_evaluations_at_once_move_each_customer_once(clean_db: AsyncEngine) -> None:
    # Given 30 customers whose points place them in Silver
    _, silver, _ = await ladder(clean_db, TierMeasure.POINTS_EARNED, 30)
    for i in range(30):
        made = (await create_customer(UnitOfWork(clean_db), {}, None)).item
        await adjust_points(UnitOfWork(clean_db), str(made.id), 150, "n", f"k{i}", "t")
    # When two workers evaluate at the same moment
    first, second = await asyncio.gather(
        evaluate_tiers(UnitOfWork(clean_db)), evaluate_tiers(UnitOfWork(clean_db))
    )
    # Then the 30 moved once between them, with one event each
    assert first.moved + second.moved == 30
    async with clean_db.connect() as conn:
        counts = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM customers WHERE category_id = :s), "
                    "(SELECT count(*) FROM domain_events WHERE type = 'CategoryChanged')"
                ),
                {"s": silver},
            )
        ).one()
    assert tuple(counts) == (30, 30)


async def test_a_category_set_by_hand_sticks_until_released(clean_db: AsyncEngine) -> None:
    # Given Bob with 500 points earned (Gold by the rules), put in Silver by hand
    base, silver, gold = await ladder(clean_db, TierMeasure.POINTS_EARNED, 30)
    bob = (await create_customer(UnitOfWork(clean_db), {}, None)).item.id
    await adjust_points(UnitOfWork(clean_db), str(bob), 500, "n", "b1", "t")
    await set_category(UnitOfWork(clean_db), str(silver), "t", [str(bob)])
    # When the rules are evaluated, then he stays in Silver
    assert (await evaluate_tiers(UnitOfWork(clean_db))).moved == 0
    assert await category_of(clean_db, bob) == silver
    # When a manager hands him back to the rules, then they place him in Gold at once
    released = await release_category_override(UnitOfWork(clean_db), [str(bob)])
    assert (released.released, [(m.to_category_id, m.customers) for m in released.moves]) == (
        1,
        [(gold, 1)],
    )
    assert await category_of(clean_db, bob) == gold
    # And releasing again changes nothing
    again = await release_category_override(UnitOfWork(clean_db), [str(bob)])
    assert (again.released, again.moves) == (0, [])
    assert await category_of(clean_db, bob) == gold != base


async def test_the_rules_place_no_erased_customer_and_nobody_moves_one_by_hand(
    clean_db: AsyncEngine,
) -> None:
    # Given Ann and Zoe, each with 150 points earned (Silver by the rules), and Zoe erased
    base, silver, gold = await ladder(clean_db, TierMeasure.POINTS_EARNED, 30)
    ann = (await create_customer(UnitOfWork(clean_db), {}, None)).item.id
    zoe = (await create_customer(UnitOfWork(clean_db), {}, None)).item.id
    for n, customer in enumerate((ann, zoe)):
        await adjust_points(UnitOfWork(clean_db), str(customer), 150, "n", f"e{n}", "t")
    await erase_customer(UnitOfWork(clean_db), PARTS, zoe, "dpo", "erase-zoe")
    # When the rules are previewed and evaluated, then only Ann moves
    preview = await set_tier_rules(
        UnitOfWork(clean_db),
        TierMeasure.POINTS_EARNED,
        30,
        [RungInput(str(base), 0), RungInput(str(silver), 100), RungInput(str(gold), 300)],
        dry_run=True,
    )
    assert [(m.to_category_id, m.customers) for m in preview.moves] == [(silver, 1)]
    assert (await evaluate_tiers(UnitOfWork(clean_db))).moved == 1
    assert (await category_of(clean_db, ann), await category_of(clean_db, zoe)) == (silver, base)
    # When a manager moves both by id, then the erased one is refused and nobody moves
    with pytest.raises(DomainError) as refused:
        await set_category(UnitOfWork(clean_db), str(gold), "t", [str(ann), str(zoe)])
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("customerIds.1", ErrorCode.CUSTOMER_ERASED)
    ]
    assert await category_of(clean_db, ann) == silver
    # And handing her back to the rules is refused the same way
    with pytest.raises(DomainError) as released:
        await release_category_override(UnitOfWork(clean_db), [str(zoe)])
    assert released.value.problems[0].code == ErrorCode.CUSTOMER_ERASED
    # When a manager moves everyone in Base by a filter (the ladder's first customer and
    # Zoe), then the erased customer stays
    moved = await set_category(
        UnitOfWork(clean_db), str(gold), "t", filter=CustomerFilter(category_id=str(base))
    )
    assert moved.count == 1
    assert zoe not in moved.first_ids
    assert await category_of(clean_db, zoe) == base
    # And no event names her
    async with clean_db.connect() as conn:
        named = await conn.execute(
            text(
                "SELECT count(*) FROM domain_events"
                " WHERE type = 'CategoryChanged' AND customer_id = :zoe"
            ),
            {"zoe": zoe},
        )
        assert named.scalar_one() == 0
