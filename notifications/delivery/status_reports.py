"""What a provider reports later about a message it accepted: Twilio's status callbacks
(`queued`, `sending`, `sent`, `delivered`, `undelivered`, `failed`, ...).

A sent message becomes DELIVERED when the carrier confirms it, FAILED (with Twilio's error
code as its reason) when it could not be delivered. Reports arrive in any order and more
than once, so a report never moves a message back: `sent` after `delivered` changes nothing,
and only a message the provider took (SENT, or UNCERTAIN: the report settles that it was
sent) is changed.

A report names the message by Twilio's SID and, in the callback URL's query, by the log's
own id (channels/sms.py): a message left UNCERTAIN has no SID in the log (its sender stopped
before recording Twilio's answer), so it is found by its id, and the SID is recorded then."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, update

from domain.commands import Command, run
from domain.uow import UnitOfWork
from notifications.delivery.models import Status
from notifications.delivery.tables import messages

# Twilio's message statuses that settle a message; the others (queued, sending, sent,
# accepted, scheduled...) say nothing the log does not already know.
_FINAL = {"delivered": Status.DELIVERED, "undelivered": Status.FAILED, "failed": Status.FAILED}
# What a report may change: a message the provider took, not yet settled.
_OPEN = (Status.SENT.value, Status.UNCERTAIN.value)


async def report_status(
    uow: UnitOfWork,
    provider_id: str,
    provider_status: str,
    error_code: str | None,
    message_id: int | None = None,
) -> Status | None:
    """Apply a provider's report on the message it knows as `provider_id` (the log's
    `message_id` when its callback URL named one: then a message whose SID the log does not
    have yet, an UNCERTAIN one, is matched too, and gets the SID); the message's new status,
    or None when the report changes nothing (not a settling status, an unknown message, or
    one already settled)."""
    settled = _FINAL.get(provider_status.strip().lower())
    if settled is None or not provider_id:
        return None
    reason = (error_code or None) if settled is Status.FAILED else None
    changed = await run(uow, ReportStatus(provider_id, settled, reason, message_id))
    return settled if changed else None


def message_id_of(value: str | None) -> int | None:
    """The message id a status callback's query names (`message=<id>`), if a valid one."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


@dataclass(frozen=True)
class ReportStatus(Command[bool]):
    provider_id: str
    status: Status
    reason: str | None
    message_id: int | None = None

    async def handle(self, uow: UnitOfWork) -> bool:
        m = messages.c
        same = m.provider_id == self.provider_id
        if self.message_id is not None:
            # The SID's message, or the one the URL names whose SID is not known yet.
            same = or_(same, and_(m.id == self.message_id, m.provider_id.is_(None)))
        found = await uow.execute(
            update(messages)
            .where(same, m.status.in_(_OPEN))
            .values(
                status=self.status.value,
                status_reason=self.reason,
                provider_id=func.coalesce(m.provider_id, self.provider_id),
                updated_at=func.now(),
            )
            .returning(m.id)
        )
        return found.first() is not None
