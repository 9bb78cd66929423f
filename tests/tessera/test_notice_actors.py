"""Given a promotion that has started and staff who receive PROMOTION_STARTED, when a real
Dramatiq worker runs `notice_promotion_starts` (as the scheduler sends it every minute),
then each recipient gets the notice once through the real send path and SMTP server: a
multipart email with the text and HTML parts, no unsubscribe header (staff, not
customers), recorded SENT in the delivery log."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from types import ModuleType

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.promotions.models import PromotionSpec
from domain.promotions.services import create_promotion
from domain.uow import UnitOfWork
from tests.notifications.notices.support import notices, recipient
from tests.support.smtp_server import smtp_server
from tests.tessera.test_worker import actors, run_worker_until_idle

__all__ = ["actors"]  # the fixture, used by name


async def test_a_started_promotion_is_emailed_to_staff_by_the_worker_once(
    actors: ModuleType, clean_db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two customers, two recipients of promotion starts, and a promotion that started
    # a minute ago (by the database's clock)
    for _ in range(2):
        await create_customer(UnitOfWork(clean_db), {}, None)
    await recipient(clean_db, "centro@shop.example", "PROMOTION_STARTED", shop="centro")
    await recipient(clean_db, "hq@shop.example", "PROMOTION_STARTED")
    async with clean_db.connect() as conn:
        now = (await conn.execute(text("SELECT now()"))).scalar_one()
    spec = PromotionSpec(
        "Coffee week", now - timedelta(minutes=1), now + timedelta(days=7), Decimal("1.5"),
        ("Coffee",),
    )  # fmt: skip
    await create_promotion(UnitOfWork(clean_db), spec, "coffee-week")
    with smtp_server() as (inbox, server):
        monkeypatch.setenv("TESSERA_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
        monkeypatch.setenv("TESSERA_EMAIL_FROM", "loyalty@shop.example")
        # When the scheduler's job runs twice (a duplicate tick) on a real worker
        first = actors.notice_promotion_starts.send()
        actors.notice_promotion_starts.send()
        await asyncio.to_thread(run_worker_until_idle, actors, first)
    # Then each recipient got one email, multipart, without an unsubscribe header
    assert sorted(m["To"] for m in inbox.messages) == ["centro@shop.example", "hq@shop.example"]
    email = inbox.messages[0]
    assert email["Subject"] == "Promotion started: Coffee week (1.5x points)"
    assert email["From"] == "loyalty@shop.example"
    assert email["List-Unsubscribe"] is None
    plain = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert plain is not None and html is not None
    assert "For: every customer (2 customers)" in plain.get_content()
    assert "Product lines: Coffee" in plain.get_content()
    assert "<strong>Coffee week</strong>" in html.get_content()
    # And the delivery log has them SENT, with no customer
    made = await notices(clean_db, "PROMOTION_STARTED")
    assert [(m.status, m.customer_id) for m in made] == [("SENT", None), ("SENT", None)]
