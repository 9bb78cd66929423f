"""Deciding, at the claim, which marketing messages wait: quiet hours in the customer's time
zone and frequency caps per customer and channel.

Called from the claim step of the sending path (notifications/delivery/sending.py), inside
the claim's transaction, with the messages it just claimed. A message held back is DEFERRED
to its next allowed time, never dropped; the sender's actor sends it again then.

**Serialised per customer and channel.** Deciding a cap is a read (how many were sent) then
a write (this one goes): two senders deciding two messages of one customer at once would
both read "2 of 3" and both send. So before it counts, the claim takes a transaction-scoped
advisory lock per customer and limit channel (EMAIL, or SMS for SMS and MMS), in key order
(no deadlock between batches), held until the claim commits; the message it lets through is
SENDING by then, which the next claim counts (notifications/delivery/counting.py). Quiet
hours depend on nothing but the clock, so a channel with quiet hours and no cap takes no
lock.

The batch costs a few statements whatever its size: the limits (one row per scope), the
locks, the counted messages, the customers' time zones; none when nothing is limited or no
message is marketing."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from domain.customers.repository import customers_by_id
from domain.uow import UnitOfWork
from notifications.delivery.counting import counted_sends
from notifications.delivery.models import Channel, Message, Purpose
from notifications.fatigue.clock import cap_until, outside_quiet_hours, zone
from notifications.fatigue.models import (
    Deferral,
    DeferralReason,
    LimitChannel,
    MessagingLimits,
    limit_channel,
)
from notifications.fatigue.settings import read_limits

Group = tuple[int, LimitChannel]  # a customer and a limit channel

# Each key is locked in key order (PostgreSQL evaluates a volatile function of the select
# list after the ORDER BY's sort), so two batches never wait on each other
# in a cycle.
_LOCK = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k")


async def deferrals(
    uow: UnitOfWork, messages: Sequence[Message], now: datetime
) -> dict[int, Deferral]:
    """Which of the claimed `messages` must wait, and until when (by message id); the others
    may be sent now. In the claim's open unit of work: the locks it takes last until that
    commits. Within a customer and channel, the lower message ids go first."""
    groups: dict[Group, list[Message]] = defaultdict(list)
    for m in sorted(messages, key=lambda m: m.id):
        if m.purpose is Purpose.MARKETING and m.customer_id is not None:
            groups[m.customer_id, limit_channel(m.channel)].append(m)
    if not groups:
        return {}
    limits = await read_limits(uow)
    if not limits.any:
        return {}
    capped = [g for g in groups if limits.cap(g[1]) is not None]
    await _lock(uow, capped)
    sent = await _sent(uow, limits, capped, [m.id for m in messages], now)
    quiet = [g for g in groups if limits.quiet_hours_of(g[1]) is not None]
    zones = await _zones(uow, {customer for customer, _ in quiet})
    found: dict[int, Deferral] = {}
    for group, batch in groups.items():
        customer, channel = group
        tz = zone(zones.get(customer), limits.default_time_zone)
        times = sent.get(group, [])
        for m in batch:
            deferral = decide(limits, channel, tz, times, now)
            if deferral is None:
                times.append(now)  # it goes: the next one of the batch counts it
            else:
                found[m.id] = deferral
    return found


def decide(
    limits: MessagingLimits,
    channel: LimitChannel,
    tz: ZoneInfo,
    times: Sequence[datetime],
    now: datetime,
) -> Deferral | None:
    """Whether a marketing message to a customer on `channel` at `now` waits, given the
    times of that customer's counted messages (`times`) and their zone: the cap first, then
    the quiet hours at the time the cap allows (a time past the cap stays past it: the
    window only loses messages as time goes on); None when it may go now. Pure: the
    claim decides with it, and the dry run (funnels.simulation) predicts with it."""
    cap = limits.cap(channel)
    capped_until = None if cap is None else cap_until(times, cap, now)
    start = capped_until or now
    allowed = outside_quiet_hours(start, limits.quiet_hours_of(channel), tz)
    if capped_until is not None:
        return Deferral(allowed, DeferralReason.FREQUENCY_CAP)
    if allowed > now:
        return Deferral(allowed, DeferralReason.QUIET_HOURS)
    return None


def lock_key(customer_id: int, channel: LimitChannel) -> int:
    """A signed 64-bit advisory lock key for a customer's limit channel (a hash, so it
    stays clear of the other advisory locks, which hash other names)."""
    digest = hashlib.blake2b(f"messaging:{customer_id}:{channel}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


async def _lock(uow: UnitOfWork, groups: Sequence[Group]) -> None:
    if groups:
        keys = sorted({lock_key(customer, channel) for customer, channel in groups})
        await uow.execute(_LOCK, {"keys": keys})


async def _sent(
    uow: UnitOfWork,
    limits: MessagingLimits,
    groups: Sequence[Group],
    deciding: Sequence[int],
    now: datetime,
) -> dict[Group, list[datetime]]:
    """The counted messages' times per capped group, within the longest window asked for."""
    if not groups:
        return {}
    longest = max(_window(limits, channel) for _, channel in groups)
    channels = {c for _, ch in groups for c in Channel if limit_channel(c) is ch}
    found = await counted_sends(
        uow, {customer for customer, _ in groups}, channels, now - longest, deciding
    )
    wanted = set(groups)
    times: dict[Group, list[datetime]] = defaultdict(list)
    for send in found:
        group = (send.customer_id, limit_channel(send.channel))
        if group in wanted:
            times[group].append(send.at)
    return times


def _window(limits: MessagingLimits, channel: LimitChannel) -> timedelta:
    cap = limits.cap(channel)
    return timedelta(0) if cap is None else cap.window


async def _zones(uow: UnitOfWork, customer_ids: set[int]) -> dict[int, str | None]:
    if not customer_ids:
        return {}
    found = await customers_by_id(uow, sorted(customer_ids))
    return {cid: c.time_zone for cid, c in found.items()}
