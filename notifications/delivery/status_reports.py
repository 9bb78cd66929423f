"""What a provider reports later about a message it accepted: Twilio's status callbacks
(`queued`, `sending`, `sent`, `delivered`, `undelivered`, `failed`, ...).

A sent message becomes DELIVERED when the carrier confirms it, FAILED (with Twilio's error
code as its reason) when it could not be delivered. Reports arrive in any order and more
than once, so a report never moves a message back: `sent` after `delivered` changes nothing,
and only a message the provider took (SENT, or UNCERTAIN: the report settles that it was
sent) is changed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update

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
    uow: UnitOfWork, provider_id: str, provider_status: str, error_code: str | None
) -> Status | None:
    """Apply a provider's report on the message it knows as `provider_id`; the message's new
    status, or None when the report changes nothing (not a settling status, an unknown
    message, or one already settled)."""
    settled = _FINAL.get(provider_status.strip().lower())
    if settled is None or not provider_id:
        return None
    reason = (error_code or None) if settled is Status.FAILED else None
    changed = await run(uow, ReportStatus(provider_id, settled, reason))
    return settled if changed else None


@dataclass(frozen=True)
class ReportStatus(Command[bool]):
    provider_id: str
    status: Status
    reason: str | None

    async def handle(self, uow: UnitOfWork) -> bool:
        found = await uow.execute(
            update(messages)
            .where(messages.c.provider_id == self.provider_id, messages.c.status.in_(_OPEN))
            .values(status=self.status.value, status_reason=self.reason, updated_at=func.now())
            .returning(messages.c.id)
        )
        return found.first() is not None
