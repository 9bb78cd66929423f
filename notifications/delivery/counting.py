"""What a frequency cap counts, read from the delivery log for notifications/fatigue.

A customer's MARKETING message on a channel counts from the moment a sender claimed it for
the send that reached (or may have reached) them:

- SENT, DELIVERED: the provider took it;
- UNCERTAIN: a sender stopped after handing it over, so it may have gone;
- CAPTURED: the sandbox kept it (counted so that a demo or a test behaves as production);
- SENDING: a sender holds it right now. Counted whether or not it has reached the hand-over
  yet: a sender admitted under the cap may call the provider any moment, and another
  message decided meanwhile must see that slot taken (the claims of one customer and
  channel are serialised, see notifications/fatigue/enforcement.py). If it then fails or
  is suppressed it stops counting.

Not counted: QUEUED and DEFERRED (not sent yet), FAILED (the provider refused it, or it was
undelivered), SUPPRESSED (no consent), and every TRANSACTIONAL message. Its time is its
last claim (`claimed_at`), the claim that sent it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY

from domain.uow import UnitOfWork
from notifications.delivery.models import Channel, Purpose, Status
from notifications.delivery.tables import messages

COUNTED = (Status.SENDING, Status.SENT, Status.DELIVERED, Status.UNCERTAIN, Status.CAPTURED)


@dataclass(frozen=True)
class CountedSend:
    customer_id: int
    channel: Channel
    at: datetime  # when it was claimed


async def counted_sends(
    uow: UnitOfWork,
    customer_ids: Collection[int],
    channels: Collection[Channel],
    since: datetime,
    excluding: Collection[int] = (),
) -> list[CountedSend]:
    """The counted marketing messages (see the module's docstring) of these customers on
    these channels claimed after `since`, but for the messages `excluding` (the ones being
    decided); one statement, on the customers' index, in the open unit of work."""
    if not customer_ids or not channels:
        return []
    # The ids as one array parameter: a dry run asks for tens of thousands at once.
    ids = bindparam("customer_ids", sorted(customer_ids), type_=ARRAY(BigInteger))
    query = select(messages.c.customer_id, messages.c.channel, messages.c.claimed_at).where(
        messages.c.customer_id == any_(ids),
        messages.c.channel.in_(sorted(c.value for c in channels)),
        messages.c.purpose == Purpose.MARKETING.value,
        messages.c.status.in_([s.value for s in COUNTED]),
        messages.c.claimed_at > since,
    )
    if excluding:
        query = query.where(messages.c.id.not_in(sorted(excluding)))
    rows = await uow.execute(query)
    return [CountedSend(r.customer_id, Channel(r.channel), r.claimed_at) for r in rows]
