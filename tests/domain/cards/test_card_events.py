"""Given cards changing hands and status, then each change records its domain event in the
same transaction (CardIssued, CardStatusChanged, in order, with the card as it was), a call
that changes nothing records nothing, and a funnel started by CARD_STATUS_CHANGED enters
the customer whose card was reported lost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cards import replacement, status
from domain.customers.services import create_customer, update_customer
from domain.uow import UnitOfWork
from tests.funnels.engine.support import Clock, active_funnel, positions
from tests.funnels.engine.test_events import dispatch


async def card_events(engine: AsyncEngine) -> list[tuple[str, dict[str, Any]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT type, payload FROM domain_events WHERE type LIKE 'Card%' ORDER BY id")
        )
        return [(r.type, {k: v for k, v in r.payload.items() if k != "card_id"}) for r in rows]


def changed(code: str, was: str, to: str, reason: str | None, by: str | None = None) -> Any:
    return (
        "CardStatusChanged",
        {
            "code": code,
            "card_type": "POINTS",
            "from_status": was,
            "to_status": to,
            "reason": reason,
            "replaced_by_code": by,
        },
    )


def issued(code: str, primary: bool, series: int, replaces: str | None = None) -> Any:
    return (
        "CardIssued",
        {
            "code": code,
            "card_type": "POINTS",
            "series_id": series,
            "primary": primary,
            "replaces_code": replaces,
        },
    )


async def test_every_card_change_records_its_event_once(clean_db: AsyncEngine) -> None:
    cid = (await create_customer(UnitOfWork(clean_db), {"card_code": "C-1"}, None)).item.id
    [(_, first)] = await card_events(clean_db)
    series = first["series_id"]
    await status.block_card(UnitOfWork(clean_db), "C-1", "stolen wallet")
    await status.block_card(UnitOfWork(clean_db), "C-1", "again")  # no change, no event
    await status.report_lost(UnitOfWork(clean_db), "C-1", "lost on the bus")
    await replacement.replace_card(UnitOfWork(clean_db), "C-1", "C-2", idempotency_key="r")
    await replacement.replace_card(UnitOfWork(clean_db), "C-1", "C-2", idempotency_key="r")
    await update_customer(UnitOfWork(clean_db), str(cid), {"card_code": None})
    assert await card_events(clean_db) == [
        issued("C-1", True, series),
        changed("C-1", "ACTIVE", "BLOCKED", "stolen wallet"),
        changed("C-1", "BLOCKED", "LOST", "lost on the bus"),
        changed("C-1", "LOST", "REPLACED", "lost on the bus", by="C-2"),
        issued("C-2", True, series, replaces="C-1"),
        changed("C-2", "ACTIVE", "BLOCKED", "Card code removed from the customer."),
    ]
    async with clean_db.connect() as conn:
        owners = (
            await conn.execute(
                text("SELECT DISTINCT customer_id FROM domain_events WHERE type LIKE 'Card%'")
            )
        ).scalars()
        assert list(owners) == [cid]


async def test_every_status_change_keeps_the_reason_given_unblocking_too(
    clean_db: AsyncEngine,
) -> None:
    """Rule (docs/cards.md, "Statuses" and "Events"): each change of a card's status keeps
    the reason given (`statusReason`), unblockCard's as much as blockCard's, and its
    CardStatusChanged event carries the same reason (null when none was given)."""
    # Given a blocked card
    await create_customer(UnitOfWork(clean_db), {"card_code": "U-1"}, None)
    await status.block_card(UnitOfWork(clean_db), "U-1", "stolen wallet")
    # When it is unblocked with a reason, then the card and the event say so
    card = await status.unblock_card(UnitOfWork(clean_db), "U-1", "found in the shop")
    assert (card.status.value, card.status_reason) == ("ACTIVE", "found in the shop")
    # And a change without a reason leaves none (not the one before)
    await status.report_lost(UnitOfWork(clean_db), "U-1", "lost on the bus")
    card = await status.unblock_card(UnitOfWork(clean_db), "U-1", None)
    assert (card.status.value, card.status_reason) == ("ACTIVE", None)
    assert [e for t, e in await card_events(clean_db) if t == "CardStatusChanged"] == [
        changed("U-1", "ACTIVE", "BLOCKED", "stolen wallet")[1],
        changed("U-1", "BLOCKED", "ACTIVE", "found in the shop")[1],
        changed("U-1", "ACTIVE", "LOST", "lost on the bus")[1],
        changed("U-1", "LOST", "ACTIVE", None)[1],
    ]


async def test_a_card_reported_lost_enters_a_funnel_on_card_status_changed(
    clean_db: AsyncEngine,
) -> None:
    definition = {
        "name": "Card trouble",
        "entry": {"trigger": {"event": "CARD_STATUS_CHANGED"}, "reentry": "WHEN_NOT_INSIDE"},
        "start": "done",
        "steps": [{"id": "done", "type": "exit", "reason": "helped"}],
    }
    funnel = await active_funnel(clean_db, definition, "card-trouble")
    clock = Clock(datetime.now(UTC))
    ann = (await create_customer(UnitOfWork(clean_db), {"card_code": "A-1"}, None)).item.id
    bob = (await create_customer(UnitOfWork(clean_db), {"card_code": "B-1"}, None)).item.id
    await status.report_lost(UnitOfWork(clean_db), "A-1", None)
    await dispatch(clean_db, clock)
    entered = await positions(clean_db, funnel)
    assert ann in entered and bob not in entered
