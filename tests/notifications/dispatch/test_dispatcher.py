"""Given domain events from real purchases, when dispatchers make their messages, then each
message exists exactly once whatever the concurrency, events are done only with their
messages, and an event given again never makes a second message."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.events.outbox import PendingEvent
from domain.uow import UnitOfWork
from notifications.builtins.models import BuiltInKind
from notifications.builtins.reaction import BuiltInNotifications
from notifications.delivery.models import NewMessage, Status
from notifications.dispatch.dispatcher import dispatch_pending
from notifications.dispatch.reactions import Reaction
from tessera.database import create_engine
from tests.support.builtins import (
    SHOP,
    customer,
    dispatch_all,
    email_template,
    messages_of,
    purchase,
    switch_on,
)

EARNED = {"en-US": ("You earned [points_earned] points", "Balance: [points]")}


async def _pending(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT count(*) FROM domain_events WHERE published_at IS NULL")
        )
        return int(found.scalar_one())


async def test_thirty_dispatchers_at_once_make_each_message_exactly_once(
    clean_db: AsyncEngine, database_url: str
) -> None:
    # Given "points earned" on, and 40 customers with 5 purchases each (200 PointsEarned)
    template = await email_template(clean_db, EARNED)
    await switch_on(clean_db, BuiltInKind.POINTS_EARNED, email=template)
    ids = [await customer(clean_db, f"c{n}") for n in range(40)]
    for cid in ids:
        for order in range(5):
            await purchase(clean_db, cid, f"O-{cid}-{order}", 1000 + order * 100)
    wide = create_engine(database_url, pool_size=30)  # a connection per dispatcher
    reactions = [BuiltInNotifications(SHOP)]

    async def dispatcher() -> list[int]:
        sent: list[int] = []
        while True:
            done = await dispatch_pending(UnitOfWork(wide), reactions, limit=7)
            sent.extend(done.message_ids)
            if done.events == 0:
                return sent

    # When 30 dispatchers drain the events at once
    try:
        returned = await asyncio.gather(*(dispatcher() for _ in range(30)))
    finally:
        await wide.dispose()
    # Then there is one message per purchase, each returned to exactly one dispatcher
    made = await messages_of(clean_db)
    assert len(made) == 200
    assert len({m.dedupe_key for m in made}) == 200
    every = sorted(i for ids in returned for i in ids)
    assert every == sorted(m.id for m in made)
    assert await _pending(clean_db) == 0
    # And each customer has their five, with the points of each purchase
    first = [m for m in made if m.customer_id == ids[0]]
    assert sorted(m.content["subject"] for m in first) == [
        f"You earned {p} points" for p in (10, 11, 12, 13, 14)
    ]


class Failing:
    async def messages_for(
        self, uow: UnitOfWork, events: Sequence[PendingEvent]
    ) -> list[NewMessage]:
        raise RuntimeError("a reaction's bug")


async def test_a_batch_whose_reaction_fails_leaves_its_events_pending(
    clean_db: AsyncEngine,
) -> None:
    template = await email_template(clean_db, EARNED)
    await switch_on(clean_db, BuiltInKind.POINTS_EARNED, email=template)
    ann = await customer(clean_db, "ann")
    await purchase(clean_db, ann, "O-1", 1200)
    pending = await _pending(clean_db)
    # When a dispatcher's reaction fails mid-batch
    reactions: list[Reaction] = [BuiltInNotifications(SHOP), Failing()]
    with pytest.raises(RuntimeError):
        await dispatch_pending(UnitOfWork(clean_db), reactions)
    # Then nothing was made and the events are still pending
    assert await messages_of(clean_db) == []
    assert await _pending(clean_db) == pending
    # And the next dispatcher makes the message
    assert len(await dispatch_all(clean_db)) == 1


async def test_an_event_given_again_makes_no_second_message(clean_db: AsyncEngine) -> None:
    template = await email_template(clean_db, EARNED)
    await switch_on(clean_db, BuiltInKind.POINTS_EARNED, email=template)
    ann = await customer(clean_db, "ann")
    await purchase(clean_db, ann, "O-1", 1200)
    # Given the purchase reported twice (one event) and dispatched
    await purchase(clean_db, ann, "O-1", 1200)
    assert len(await dispatch_all(clean_db)) == 1
    # When every event is given again (a consumer crashed after its commit was lost to it)
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE domain_events SET published_at = NULL"))
    again = await dispatch_all(clean_db)
    # Then no message is made a second time
    assert again == []
    made = await messages_of(clean_db, ann)
    assert [(m.status, m.content["subject"]) for m in made] == [
        (Status.QUEUED, "You earned 12 points")
    ]
