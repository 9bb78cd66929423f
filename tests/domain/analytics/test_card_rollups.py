"""Customers per card type from the card rollups: given cards issued, blocked, lost and
replaced, the report answers exactly what the documented plain SQL counts (docs/reports.md,
"card-types") whatever the rollups hold: nothing rolled up, everything, or a tail of
changes after; a change made while a run waits is counted once; the audit's check holds
and catches a drifted total."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.card_rollups import roll_up_cards, roll_up_cards_now
from domain.analytics.invariants import card_rollups_equal_cards
from domain.analytics.products import customers_per_card_type
from domain.cards import replacement, status
from domain.uow import UnitOfWork
from tests.schema.test_bi_sql_docs import documented, run
from tests.support.cards import add_series, issue_card
from tests.support.reports import new_customer


async def seed(engine: AsyncEngine) -> dict[str, int]:
    """Ann: two points cards and a discount card; Bob: a points card and a lost prize card;
    Cy: a blocked discount card."""
    points = await add_series(engine, "Points", "POINTS")
    discount = await add_series(engine, "Friends", "DISCOUNT")
    prize = await add_series(engine, "Prize", "PRIZE")
    people = {name: await new_customer(engine, name) for name in ("ann", "bob", "cy")}
    await issue_card(engine, people["ann"], points, "A-1", "POINTS")
    await issue_card(engine, people["ann"], points, "A-2", "POINTS")
    await issue_card(engine, people["ann"], discount, "A-D", "DISCOUNT")
    await issue_card(engine, people["bob"], points, "B-1", "POINTS")
    await issue_card(engine, people["bob"], prize, "B-P", "PRIZE", status="LOST")
    await issue_card(engine, people["cy"], discount, "C-D", "DISCOUNT", status="BLOCKED")
    return people


async def changes(engine: AsyncEngine) -> None:
    """Ann loses one points card (still holds the other), Bob's points card is replaced,
    Cy's discount card is unblocked."""
    await status.report_lost(UnitOfWork(engine), "A-1", None)
    await replacement.replace_card(UnitOfWork(engine), "B-1", "B-2", idempotency_key="r")
    await status.unblock_card(UnitOfWork(engine), "C-D", None)


async def agree(engine: AsyncEngine) -> list[dict[str, Any]]:
    api = {
        h.type: (h.customers, h.active, h.blocked, h.lost, h.replaced)
        for h in await customers_per_card_type(UnitOfWork(engine))
    }
    sql = {
        r["type"]: (r["customers"], r["active"], r["blocked"], r["lost"], r["replaced"])
        for r in await run(engine, documented()["card-types"])
    }
    assert {t: v for t, v in api.items() if any(v)} == sql
    async with engine.connect() as conn:
        assert await card_rollups_equal_cards(conn) == []
    return [api]


async def test_the_report_is_the_plain_sql_whatever_the_rollups_hold(
    clean_db: AsyncEngine,
) -> None:
    await seed(clean_db)
    await agree(clean_db)  # nothing rolled up: all tail
    first = await roll_up_cards_now(UnitOfWork(clean_db))
    assert first.rows == 3  # three customers counted
    [counts] = await agree(clean_db)
    assert counts["POINTS"] == (2, 3, 0, 0, 0) and counts["PRIZE"] == (0, 0, 0, 1, 0)
    await changes(clean_db)
    [counts] = await agree(clean_db)  # rollups and a tail
    assert counts["POINTS"] == (2, 2, 0, 1, 1)
    assert counts["DISCOUNT"] == (2, 2, 0, 0, 0)
    second = await roll_up_cards_now(UnitOfWork(clean_db))
    assert second.rows == 3
    await agree(clean_db)
    again = await roll_up_cards_now(UnitOfWork(clean_db))
    assert again.rows == 0
    await agree(clean_db)


async def test_a_change_made_while_a_run_waits_is_counted_once(clean_db: AsyncEngine) -> None:
    await seed(clean_db)
    async with clean_db.connect() as open_writer:
        await open_writer.begin()
        await open_writer.exec_driver_sql("UPDATE cards SET status = 'BLOCKED' WHERE code = 'A-2'")
        taken = await roll_up_cards(UnitOfWork(clean_db))  # takes the pending watermark
        assert taken.pending_to is not None and taken.rows == 0
        waiting = await roll_up_cards(UnitOfWork(clean_db))  # the writer is still open
        assert waiting.rows == 0
        await open_writer.commit()
    await roll_up_cards_now(UnitOfWork(clean_db))
    [counts] = await agree(clean_db)
    assert counts["POINTS"] == (2, 2, 1, 0, 0)


async def test_the_audit_catches_a_drifted_total(clean_db: AsyncEngine) -> None:
    await seed(clean_db)
    await roll_up_cards_now(UnitOfWork(clean_db))
    async with clean_db.begin() as conn:
        await conn.exec_driver_sql(
            "UPDATE card_type_totals SET lost = lost + 1 WHERE type = 'PRIZE'"
        )
    async with clean_db.connect() as conn:
        found = await card_rollups_equal_cards(conn)
    assert any(v.startswith("PRIZE cards: holder counts sum to") for v in found)


async def test_runs_at_once_take_turns_and_count_each_card_once(clean_db: AsyncEngine) -> None:
    await seed(clean_db)
    await changes(clean_db)
    for _ in range(2):
        await asyncio.gather(*(roll_up_cards(UnitOfWork(clean_db)) for _ in range(8)))
    [counts] = await agree(clean_db)
    assert counts["POINTS"] == (2, 2, 0, 1, 1)
