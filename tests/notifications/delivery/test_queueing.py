"""Given new messages in a batch, when they are created in one statement, then each dedupe
key makes one message, the content is kept as given, and a message made FAILED stays so."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, NewMessage, Purpose, Status
from notifications.delivery.queueing import queue_message, queue_messages
from notifications.delivery.sending import get_message


def _new(key: str, **more: Any) -> NewMessage:
    content = {"subject": f"Ciao {key} — è tuo", "text": "1.234 punti", "mediaUrls": []}
    return NewMessage(key, Channel.EMAIL, Purpose.MARKETING, f"{key}@example.com", content, **more)


async def test_a_batch_creates_each_free_key_once(clean_db: AsyncEngine) -> None:
    # Given a message already queued under key "b"
    await queue_message(UnitOfWork(clean_db), _new("b"))
    later = datetime(2030, 1, 1, tzinfo=UTC)
    # When a batch brings "c", "a", "b" again and "a" twice
    created = await queue_messages(
        UnitOfWork(clean_db),
        [
            _new("c", not_before=later),
            _new("a", template_id=7, template_version=2),
            _new("b"),
            _new("a", template_id=8),
            _new("f", status=Status.FAILED, status_reason="RENDER_ERROR", last_error="boom"),
        ],
    )
    # Then "a", "c" and "f" are created (the first "a"), in key order
    assert [(m.dedupe_key, m.status) for m in created] == [
        ("a", Status.QUEUED),
        ("c", Status.QUEUED),
        ("f", Status.FAILED),
    ]
    a, c, f = [await get_message(UnitOfWork(clean_db), m.id) for m in created]
    assert a is not None and c is not None and f is not None
    assert (a.template_id, a.template_version) == (7, 2)
    assert a.content == _new("a").content
    assert c.not_before == later
    assert (f.status_reason, f.last_error) == ("RENDER_ERROR", "boom")
    # And a batch of nothing creates nothing
    assert await queue_messages(UnitOfWork(clean_db), []) == []
