"""What a customer's badges look like: those unlocked, and the next ones with the points
still needed; and the badges each customer should hold, recomputed from scratch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, and_, any_, bindparam, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.badges.models import Badge, badge_of
from domain.badges.tables import badges, customer_badges
from domain.ledger.sql import ACCOUNTS, accounts
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class UnlockedBadge:
    badge: Badge
    unlocked_at: datetime


@dataclass(frozen=True)
class NextBadge:
    badge: Badge
    points_needed: int  # more balance (or lifetime) points to unlock it


@dataclass(frozen=True)
class BadgeStanding:
    unlocked: list[UnlockedBadge]  # lowest range first
    next: list[NextBadge]  # fewest points needed first


async def badge_standings(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, BadgeStanding]:
    """Each customer's unlocked badges and the active badges above their points, in one
    query. A customer without an account (unknown) gets an empty standing."""
    account = accounts()
    points = func.badge_points(badges.c.basis, account.c.balance, account.c.lifetime_earned)
    query = (
        select(
            badges,
            account.c.customer_id.label("standing_customer_id"),
            customer_badges.c.unlocked_at,
            points.label("points"),
        )
        .select_from(account)
        .join(badges, badges.c.active)
        .outerjoin(
            customer_badges,
            and_(
                customer_badges.c.customer_id == account.c.customer_id,
                customer_badges.c.badge_id == badges.c.id,
            ),
        )
        .where(
            # One array parameter: any number of customers (a funnel's dry run renders
            # messages for tens of thousands at once).
            account.c.customer_id
            == any_(bindparam("customer_ids", list(customer_ids), type_=ARRAY(BigInteger))),
            or_(customer_badges.c.badge_id.is_not(None), badges.c.min_points > points),
        )
        .order_by(badges.c.min_points, badges.c.id)
    )
    # Lists only for the customers with rows: a message's facts ask for tens of thousands.
    unlocked: dict[int, list[UnlockedBadge]] = {}
    ahead: dict[int, list[NextBadge]] = {}
    for row in await uow.execute(query):
        badge = badge_of(row)
        if row.unlocked_at is not None:
            unlocked.setdefault(row.standing_customer_id, []).append(
                UnlockedBadge(badge, row.unlocked_at)
            )
        else:
            needed = badge.spec.min_points - row.points
            ahead.setdefault(row.standing_customer_id, []).append(NextBadge(badge, needed))
    return {
        cid: BadgeStanding(
            unlocked.get(cid, []),
            sorted(ahead[cid], key=lambda n: (n.points_needed, n.badge.id)) if cid in ahead else [],
        )
        for cid in customer_ids
    }


# The badges each customer should hold, from their points and the badge definitions alone
# (written apart from the sync function on purpose: it is what the sync is checked against).
DUE_FROM_SCRATCH = f"""
    SELECT a.customer_id, b.id AS badge_id
      FROM ({ACCOUNTS}) a
     CROSS JOIN badges b
     CROSS JOIN LATERAL (SELECT CASE b.basis WHEN 'LIFETIME' THEN a.lifetime_earned
                                             ELSE a.balance END AS points) v
     WHERE b.active
       AND v.points >= b.min_points
       AND (b.max_points IS NULL OR v.points <= b.max_points)
"""


async def badges_due(conn: AsyncConnection) -> set[tuple[int, int]]:
    """(customer, badge) for every badge every customer should hold, recomputed from
    scratch."""
    return {(row[0], row[1]) for row in await conn.execute(text(DUE_FROM_SCRATCH))}


async def badges_held(conn: AsyncConnection) -> set[tuple[int, int]]:
    """(customer, badge) for every badge held now, as the incremental sync left it."""
    query = select(customer_badges.c.customer_id, customer_badges.c.badge_id)
    return {(row[0], row[1]) for row in await conn.execute(query)}
