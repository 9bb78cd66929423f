"""What each built-in notification is: the events it answers, its purpose, and how a
manager sets it (switched on, its templates, its own settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from notifications.store.models import Purpose


class BuiltInKind(StrEnum):
    POINTS_EARNED = "POINTS_EARNED"
    THRESHOLD_REACHED = "THRESHOLD_REACHED"
    POINTS_EXPIRING = "POINTS_EXPIRING"
    BADGE_UNLOCKED = "BADGE_UNLOCKED"
    VOUCHER_ISSUED = "VOUCHER_ISSUED"
    REWARD_CLAIMED = "REWARD_CLAIMED"


# A message's purpose is its kind's (the template's own purpose is for the sends that name
# a template directly, such as a funnel's step). A voucher's code and a claimed reward are
# needed now, so they are transactional (no frequency cap, no quiet hours); the others
# tell the customer about the program and wait for the right time like any marketing.
PURPOSES = {
    BuiltInKind.POINTS_EARNED: Purpose.MARKETING,
    BuiltInKind.THRESHOLD_REACHED: Purpose.MARKETING,
    BuiltInKind.POINTS_EXPIRING: Purpose.MARKETING,
    BuiltInKind.BADGE_UNLOCKED: Purpose.MARKETING,
    BuiltInKind.VOUCHER_ISSUED: Purpose.TRANSACTIONAL,
    BuiltInKind.REWARD_CLAIMED: Purpose.TRANSACTIONAL,
}

# The domain events each kind answers (POINTS_EXPIRING answers none: a daily job).
EVENTS = {
    BuiltInKind.POINTS_EARNED: ("PointsEarned",),
    BuiltInKind.THRESHOLD_REACHED: ("PointsEarned",),
    BuiltInKind.POINTS_EXPIRING: (),
    BuiltInKind.BADGE_UNLOCKED: ("BadgeUnlocked",),
    BuiltInKind.VOUCHER_ISSUED: ("VoucherAssigned", "PointsConvertedToVoucher"),
    BuiltInKind.REWARD_CLAIMED: ("RewardClaimed",),
}

# The ledger entry kinds a "points earned" message is about: a purchase, or something the
# customer did (registering, a review). Staff adjustments, gifts and points given back are
# not announced by it (a threshold they cross still is).
EARNED_ENTRY_KINDS = frozenset({"PURCHASE", "ACTION"})

DEFAULT_DAYS_BEFORE = 7
MAX_DAYS_BEFORE = 365
MAX_THRESHOLDS = 20


@dataclass(frozen=True)
class BuiltIn:
    """A built-in notification's setting. Off, or with no template for a channel, it sends
    nothing (on that channel)."""

    kind: BuiltInKind
    enabled: bool = False
    email_template_id: int | None = None
    text_template_id: int | None = None  # an SMS or MMS template
    thresholds: tuple[int, ...] = ()  # THRESHOLD_REACHED only, ascending
    days_before: int | None = None  # POINTS_EXPIRING only
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def purpose(self) -> Purpose:
        return PURPOSES[self.kind]

    @property
    def template_ids(self) -> tuple[int, ...]:
        return tuple(t for t in (self.email_template_id, self.text_template_id) if t is not None)


def default(kind: BuiltInKind) -> BuiltIn:
    """A kind never set: off, without templates."""
    days = DEFAULT_DAYS_BEFORE if kind is BuiltInKind.POINTS_EXPIRING else None
    return BuiltIn(kind, days_before=days)


def builtin_of(row: Any) -> BuiltIn:
    return BuiltIn(
        kind=BuiltInKind(row.kind),
        enabled=row.enabled,
        email_template_id=row.email_template_id,
        text_template_id=row.text_template_id,
        thresholds=tuple(int(t) for t in row.thresholds),
        days_before=row.days_before,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )
