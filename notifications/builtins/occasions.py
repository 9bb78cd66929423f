"""When a built-in notification is due: an event (or an expiring lot date) and the customer,
with the facts that belong to it, and the dedupe key that names it.

Dedupe keys, one message per key (the channel is appended: `:EMAIL` or `:SMS`, an MMS
counting as SMS):

| kind | key |
|---|---|
| POINTS_EARNED | `event:{event_id}:POINTS_EARNED` |
| THRESHOLD_REACHED | `event:{event_id}:THRESHOLD_REACHED:{threshold}` |
| BADGE_UNLOCKED | `event:{event_id}:BADGE_UNLOCKED` |
| VOUCHER_ISSUED | `event:{event_id}:VOUCHER_ISSUED` |
| REWARD_CLAIMED | `event:{event_id}:REWARD_CLAIMED` |
| POINTS_EXPIRING | `expiring:{customer_id}:{lot date}` |"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.events.outbox import PendingEvent
from notifications.builtins.models import EARNED_ENTRY_KINDS, BuiltIn, BuiltInKind


@dataclass(frozen=True)
class Occasion:
    """One built-in message due to one customer (on each channel the kind has a template
    for). `facts` are MessageData fields; the voucher, reward and badge are read by id."""

    kind: BuiltInKind
    customer_id: int
    key: str  # the dedupe key but its channel
    facts: Mapping[str, Any] = field(default_factory=dict)
    voucher_id: int | None = None
    reward_id: int | None = None
    badge_id: int | None = None


def occasions_of(event: PendingEvent, on: Mapping[BuiltInKind, BuiltIn]) -> list[Occasion]:
    """The messages the event calls for among the kinds switched `on`."""
    cid = event.customer_id
    if cid is None:
        return []
    p, key = event.payload, f"event:{event.id}"
    if event.type == "PointsEarned":
        return _earned(event, cid, on)
    if event.type == "BadgeUnlocked" and BuiltInKind.BADGE_UNLOCKED in on:
        # Only a badge the customer's own points unlocked: a badge created or changed by a
        # manager re-sorts its holders (cause BADGE), which is not news to announce to
        # each of them (a funnel can, on purpose).
        if p["cause"] != "POINTS":
            return []
        kind = BuiltInKind.BADGE_UNLOCKED
        return [Occasion(kind, cid, f"{key}:{kind}", badge_id=int(p["badge_id"]))]
    if event.type in ("VoucherAssigned", "PointsConvertedToVoucher"):
        kind = BuiltInKind.VOUCHER_ISSUED
        if kind not in on:
            return []
        spent = {"points_spent": int(p["points"])} if "points" in p else {}
        return [Occasion(kind, cid, f"{key}:{kind}", spent, voucher_id=int(p["voucher_id"]))]
    if event.type == "RewardClaimed" and BuiltInKind.REWARD_CLAIMED in on:
        kind = BuiltInKind.REWARD_CLAIMED
        return [
            Occasion(
                kind,
                cid,
                f"{key}:{kind}",
                {"points_spent": int(p["points"])},
                voucher_id=int(p["voucher_id"]),
                reward_id=int(p["reward_id"]),
            )
        ]
    return []


def _earned(event: PendingEvent, cid: int, on: Mapping[BuiltInKind, BuiltIn]) -> list[Occasion]:
    p, key = event.payload, f"event:{event.id}"
    points, after = int(p["points"]), int(p["balance_after"])
    facts = {"points_earned": points, "points": after}
    found = []
    if BuiltInKind.POINTS_EARNED in on and p["kind"] in EARNED_ENTRY_KINDS:
        kind = BuiltInKind.POINTS_EARNED
        found.append(Occasion(kind, cid, f"{key}:{kind}", facts))
    setting = on.get(BuiltInKind.THRESHOLD_REACHED)
    if setting is not None:
        threshold = crossed(after - points, after, setting.thresholds)
        if threshold is not None:
            kind = BuiltInKind.THRESHOLD_REACHED
            found.append(
                Occasion(kind, cid, f"{key}:{kind}:{threshold}", {**facts, "threshold": threshold})
            )
    return found


def crossed(before: int, after: int, thresholds: tuple[int, ...]) -> int | None:
    """The highest threshold a balance crossed going up from `before` to `after`
    (before < T <= after), None when it crossed none. One message per credit: a credit that
    crosses 500 and 1,000 at once announces 1,000."""
    passed = [t for t in thresholds if before < t <= after]
    return max(passed) if passed else None


def expiring(customer_id: int, lot_date: date, points: int) -> Occasion:
    """The reminder of the points a customer's lots lose on `lot_date`."""
    return Occasion(
        BuiltInKind.POINTS_EXPIRING,
        customer_id,
        f"expiring:{customer_id}:{lot_date.isoformat()}",
        {"points_expiring": points, "expiry_date": lot_date},
    )
