"""Claimed messages held back by quiet hours or a frequency cap: DEFERRED until their time,
in the claim's own transaction (so no other sender ever sees them SENDING)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import DateTime, Integer, Text, column, func, update, values

from domain.uow import UnitOfWork
from notifications.delivery.models import Message, Status, message_from
from notifications.delivery.tables import messages
from notifications.fatigue.models import Deferral


async def defer_claimed(
    uow: UnitOfWork, claimed: Sequence[Message], deferrals: Mapping[int, Deferral]
) -> list[Message]:
    """The claimed messages named in `deferrals` DEFERRED, not before their time, with the
    reason as their status_reason; the attempt the claim counted is given back (a deferral
    is not a failed attempt). One statement for the batch; the others are left as claimed.
    Returns every claimed message as it now is."""
    held = [m for m in claimed if m.id in deferrals and m.claimed_at is not None]
    if not held:
        return list(claimed)
    rows = values(
        column("id", Integer),
        column("claim", DateTime(timezone=True)),
        column("not_before", DateTime(timezone=True)),
        column("reason", Text),
        name="deferred",
    ).data(
        [
            (m.id, m.claimed_at, deferrals[m.id].not_before, deferrals[m.id].reason.value)
            for m in held
        ]
    )
    statement = (
        update(messages)
        .where(
            messages.c.id == rows.c.id,
            messages.c.status == Status.SENDING.value,
            messages.c.claimed_at == rows.c.claim,
        )
        .values(
            status=Status.DEFERRED.value,
            not_before=rows.c.not_before,
            status_reason=rows.c.reason,
            attempts=messages.c.attempts - 1,
            updated_at=func.now(),
        )
        .returning(messages)
    )
    changed = {row.id: message_from(row) for row in await uow.execute(statement)}
    return [changed.get(m.id, m) for m in claimed]
