"""The events a funnel may start on, leave on, or wait for, and the domain events behind them.

A definition names events in the marketers' words (PURCHASE_RECORDED); the engine matches
them against `domain_events.type`, the class name in domain/events/types.py. Some events the
issue lists are not recorded by the domain yet (a newsletter signup, a review, a balance
crossing a threshold, points about to expire): a definition naming one is refused, since a
funnel waiting for an event that never comes would silently do nothing."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import ErrorCode, Problems
from domain.events import types
from funnels.definitions.fields import choice


class FunnelEvent(StrEnum):
    PURCHASE_RECORDED = "PURCHASE_RECORDED"
    POINTS_EARNED = "POINTS_EARNED"
    POINTS_SPENT = "POINTS_SPENT"
    CUSTOMER_REGISTERED = "CUSTOMER_REGISTERED"
    NEWSLETTER_SIGNUP = "NEWSLETTER_SIGNUP"
    REVIEW_POSTED = "REVIEW_POSTED"
    BADGE_UNLOCKED = "BADGE_UNLOCKED"
    BADGE_LOST = "BADGE_LOST"
    BALANCE_THRESHOLD_CROSSED = "BALANCE_THRESHOLD_CROSSED"
    CATEGORY_CHANGED = "CATEGORY_CHANGED"
    VOUCHER_REDEEMED = "VOUCHER_REDEEMED"
    REWARD_CLAIMED = "REWARD_CLAIMED"
    POINTS_EXPIRING = "POINTS_EXPIRING"
    CARD_ISSUED = "CARD_ISSUED"
    CARD_STATUS_CHANGED = "CARD_STATUS_CHANGED"


# The domain event type (`DomainEvent.type`) each funnel event is; None: not recorded yet.
DOMAIN_EVENT_TYPES: dict[FunnelEvent, str | None] = {
    FunnelEvent.PURCHASE_RECORDED: types.PurchaseRecorded.__name__,
    FunnelEvent.POINTS_EARNED: types.PointsEarned.__name__,
    FunnelEvent.POINTS_SPENT: types.PointsSpent.__name__,
    FunnelEvent.CUSTOMER_REGISTERED: types.CustomerRegistered.__name__,
    FunnelEvent.NEWSLETTER_SIGNUP: None,
    FunnelEvent.REVIEW_POSTED: None,
    FunnelEvent.BADGE_UNLOCKED: types.BadgeUnlocked.__name__,
    FunnelEvent.BADGE_LOST: types.BadgeLost.__name__,
    FunnelEvent.BALANCE_THRESHOLD_CROSSED: None,
    FunnelEvent.CATEGORY_CHANGED: types.CategoryChanged.__name__,
    FunnelEvent.VOUCHER_REDEEMED: types.VoucherRedeemed.__name__,
    FunnelEvent.REWARD_CLAIMED: types.RewardClaimed.__name__,
    FunnelEvent.POINTS_EXPIRING: None,
    FunnelEvent.CARD_ISSUED: types.CardIssued.__name__,
    FunnelEvent.CARD_STATUS_CHANGED: types.CardStatusChanged.__name__,
}


def event(problems: Problems, path: str, value: object) -> FunnelEvent | None:
    """A funnel event the domain records; INVALID for one it does not record yet."""
    found = choice(problems, path, value, FunnelEvent)
    if found is not None and DOMAIN_EVENT_TYPES[found] is None:
        problems.add(
            path,
            ErrorCode.INVALID,
            f"{found.value} events are not recorded yet: a funnel waiting for one would "
            "never move.",
        )
        return None
    return found
