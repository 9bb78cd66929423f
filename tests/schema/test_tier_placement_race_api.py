"""A category set by hand while the tier evaluation is moving the same customer: one
event per real change, naming the category it replaced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.tiers.evaluation import apply_rules
from domain.uow import UnitOfWork
from tests.schema.test_tiers_api import SET_CATEGORY, SET_RULES, buy, categories
from tests.support.api import GraphQLClient
from tests.support.lock_waits import wait_for_lock_waiters
from tests.support.loyalty import customer_with, events_of


async def _racing_the_evaluation(
    gql: GraphQLClient, engine: AsyncEngine, by_hand: str
) -> tuple[dict[str, str], str, Any, list[tuple[int, int, str]]]:
    """Ann (spent 600.00) in Base, a ladder Base 0 / Premium 500.00; the evaluation moves her
    to Premium and, before it commits, a manager sets her to `by_hand` (the change waits for
    her row). The categories' ids, Ann's id, the manager's answer, and her CategoryChanged
    events (from, to, reason)."""
    ids = await categories(gql)
    ann = await customer_with(gql)
    await buy(gql, ann, "A-1", "PAID", SHOES=60_000)
    ladder = {
        "measure": "LIFETIME_SPEND",
        "rungs": [
            {"categoryId": ids["Base"], "threshold": 0},
            {"categoryId": ids["Premium"], "threshold": 50_000},
        ],
    }
    assert (await gql.data(SET_RULES, {"input": ladder}))["setTierRules"]["userErrors"] == []
    uow = UnitOfWork(engine)
    async with uow:
        assert sum(m.customers for m in await apply_rules(uow, datetime.now(UTC))) == 1
        variables = {"cat": ids[by_hand], "ids": [ann]}
        manual = asyncio.create_task(gql.data(SET_CATEGORY, variables))
        await wait_for_lock_waiters(engine, "%UPDATE customers%")
        await uow.commit()
    answer = await asyncio.wait_for(manual, 30)
    changes = [
        (e["from_category_id"], e["to_category_id"], e["reason"])
        for e in await events_of(engine, "CategoryChanged")
        if e["customer_id"] == int(ann)
    ]
    return ids, ann, answer, changes


async def test_a_hand_set_category_racing_the_evaluation_records_one_event_per_change(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: every change of category writes exactly one CategoryChanged event, whose
    `from_category_id` is the category the change really replaces (DESIGN.md section 6
    "Events"; docs/engagement.md "Tiers by rule": "Running it again, or twice at once,
    moves nobody twice", "hand-set changes say MANUAL"; the brief: events emitted exactly
    once per change), and setCustomerCategory's `updatedCount` counts customers whose
    category changed.

    Given Ann (spent 600.00) in Base and a ladder Base 0 / Premium 500.00,
    when the evaluation has moved her (uncommitted) and a manager sets her to Premium by
    hand meanwhile, then once both commit she has one CategoryChanged Base -> Premium."""
    ids, _, answer, changes = await _racing_the_evaluation(gql, engine, by_hand="Premium")
    # Then she is Premium, by hand, and exactly one change of category was recorded
    assert changes == [(int(ids["Base"]), int(ids["Premium"]), "RULE")], changes
    assert answer["setCustomerCategory"]["updatedCount"] == 0


async def test_a_hand_set_category_racing_the_evaluation_is_not_left_out_of_the_history(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    """Rule: as above (one CategoryChanged per change of category; the category history,
    domain/customers/category_history.py, is read back from these events).

    Given Ann (spent 600.00) in Base and a ladder Base 0 / Premium 500.00, when the
    evaluation has moved her (uncommitted) and a manager puts her back in Base by hand
    meanwhile, then the history shows Base -> Premium (RULE), then Premium -> Base (MANUAL)."""
    ids, ann, answer, changes = await _racing_the_evaluation(gql, engine, by_hand="Base")
    found = (
        await gql.data("query($id: ID!) { customer(id: $id) { category { name } } }", {"id": ann})
    )["customer"]
    assert found["category"]["name"] == "Base"
    assert changes == [
        (int(ids["Base"]), int(ids["Premium"]), "RULE"),
        (int(ids["Premium"]), int(ids["Base"]), "MANUAL"),
    ], changes
    assert answer["setCustomerCategory"]["updatedCount"] == 1
