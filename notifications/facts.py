"""A customer's own facts for a message (name, balance, tier, badges, points expiring soon,
locale and time zone), read for many customers at once: one query per kind of fact,
whatever the number of customers, through the owning areas' read functions.

The facts that belong to what triggers a message (points just earned, a voucher's code,
the shop's name, links) are the caller's to add."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from domain.badges.standings import BadgeStanding, badge_standings
from domain.customers.models import Customer
from domain.customers.repository import categories, customers_by_id
from domain.ledger.expiring_soon import expiring_soon
from domain.ledger.queries import accounts_by_customer
from domain.uow import UnitOfWork
from notifications.templates import MessageData

# Points expiring within this many days are the ones a message announces.
EXPIRY_WINDOW_DAYS = 90


@dataclass(frozen=True)
class CustomerFacts:
    customer: Customer
    own: Mapping[str, object]  # MessageData's fields the customer's own facts fill
    locale: str | None  # the customer's (BCP 47), None when unknown

    @cached_property
    def data(self) -> MessageData:
        """The customer's own facts, nothing of any event."""
        return MessageData(**self.own)  # type: ignore[arg-type]

    def message_data(self, **event: object) -> MessageData:
        """The customer's facts with an event's and the shop's (`event`: MessageData's other
        fields), made at once: a message's data is built once, not copied."""
        return MessageData(**{**self.own, **event})  # type: ignore[arg-type]


async def customer_facts(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, CustomerFacts]:
    """The facts of each customer that exists, in the open unit of work: five queries in
    all (customers, balances, points expiring within EXPIRY_WINDOW_DAYS, badges, tiers)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    found = await customers_by_id(uow, ids)
    ids = sorted(found)
    if not ids:
        return {}
    accounts = await accounts_by_customer(uow, ids)
    expiring = await expiring_soon(uow, ids, EXPIRY_WINDOW_DAYS)
    standings = await badge_standings(uow, ids)
    tiers = {c.id: c.name for c in await categories(uow)}
    facts: dict[int, CustomerFacts] = {}
    for cid in ids:
        customer = found[cid]
        account = accounts.get(cid)
        soonest = expiring.get(cid) or []
        badge, next_badge, next_badge_points = _badges(standings.get(cid))
        own = {
            "first_name": customer.first_name or "",
            "last_name": customer.last_name,
            "points": account.balance if account else 0,
            "points_expiring": soonest[0].points if soonest else None,
            "expiry_date": soonest[0].date if soonest else None,
            "tier": tiers.get(customer.category_id),
            "badge": badge,
            "next_badge": next_badge,
            "next_badge_points": next_badge_points,
            "time_zone": customer.time_zone or "UTC",
        }
        facts[cid] = CustomerFacts(customer, own, customer.locale)
    return facts


def _badges(standing: BadgeStanding | None) -> tuple[str | None, str | None, int | None]:
    """The highest badge unlocked, and the next one with the points it still needs."""
    unlocked = standing.unlocked if standing else []
    upcoming = standing.next[0] if standing and standing.next else None
    return (
        unlocked[-1].badge.spec.title if unlocked else None,
        upcoming.badge.spec.title if upcoming else None,
        upcoming.points_needed if upcoming else None,
    )
