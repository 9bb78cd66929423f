"""The program as a whole now: outstanding points and what they are worth, the rewards most
claimed, and how customers spread over the categories and badges. Each is one SQL
statement."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from domain.badges.models import Badge, badge_of
from domain.badges.sql import BADGES, holders_per_badge_sql
from domain.checkout.quote import RedemptionRules
from domain.checkout.rules import PROGRAM_ID
from domain.checkout.sql import REDEMPTION_RATE
from domain.customers.models import PointCategory
from domain.customers.sql import CATEGORIES, CUSTOMERS
from domain.errors import ErrorCode, Problems
from domain.ledger import policy
from domain.ledger.sql import ACCOUNTS
from domain.reports.periods import Period, check_period
from domain.rewards.models import Reward, reward_of
from domain.rewards.sql import CLAIMS, REWARDS
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class Liability:
    """Points outstanding (all customers) and their value at the redemption rate, rounded
    down as a redemption rounds (points_per_unit points pay value_per_unit_minor)."""

    balance: int
    held: int
    customers_with_points: int
    points_per_unit: int
    value_per_unit_minor: int

    @property
    def spendable(self) -> int:
        return policy.spendable(self.balance, self.held)

    @property
    def value_minor(self) -> int:
        return self._rules.value_of(self.balance)

    @property
    def spendable_value_minor(self) -> int:
        return self._rules.value_of(self.spendable)

    @property
    def _rules(self) -> RedemptionRules:
        return RedemptionRules(self.points_per_unit, self.value_per_unit_minor)


_LIABILITY = text(f"""
    SELECT COALESCE(CAST(sum(a.balance) AS bigint), 0) AS balance,
           COALESCE(CAST(sum(a.held) AS bigint), 0) AS held,
           count(*) FILTER (WHERE a.balance > 0) AS customers_with_points,
           r.points_per_unit, r.value_per_unit_minor
      FROM ({REDEMPTION_RATE}) r LEFT JOIN ({ACCOUNTS}) a ON true
     GROUP BY r.points_per_unit, r.value_per_unit_minor""")


async def liability(uow: UnitOfWork) -> Liability:
    """What the program owes now: every customer's balance (and the spendable part, not
    held by checkouts) in points and in money at the redemption rate, in one snapshot."""
    async with uow:
        row = (await uow.execute(_LIABILITY, {"program": PROGRAM_ID})).one()
    return Liability(**row._asdict())


@dataclass(frozen=True)
class RewardClaims:
    reward: Reward
    claims: int
    points: int
    customers: int


MAX_TOP_REWARDS = 100

_TOP_REWARDS = f"""
    SELECT r.*, c.claims, c.points, c.customers
      FROM (SELECT reward_id, count(*) AS claims,
                   CAST(sum(points) AS bigint) AS points,
                   count(DISTINCT customer_id) AS customers
              FROM ({CLAIMS}) claim WHERE {{where}} GROUP BY reward_id) c
      JOIN ({REWARDS}) r ON r.id = c.reward_id
     ORDER BY c.claims DESC, c.points DESC, r.id
     LIMIT :limit"""


async def top_rewards(uow: UnitOfWork, period: Period, limit: int) -> list[RewardClaims]:
    """The `limit` rewards claimed most in the period (all time when open), most first
    (ties: the most points, then the oldest reward); rewards not claimed are left out."""
    problems = Problems()
    clean = check_period(problems, period)
    if not 1 <= limit <= MAX_TOP_REWARDS:
        problems.add("first", ErrorCode.OUT_OF_RANGE, f"Between 1 and {MAX_TOP_REWARDS}.")
    problems.raise_if_any()
    conditions = ["created_at >= :since"] if clean.since else []
    conditions += ["created_at < :until"] if clean.until else []
    statement = text(_TOP_REWARDS.format(where=" AND ".join(conditions) or "true"))
    params = {"since": clean.since, "until": clean.until, "limit": limit}
    async with uow:
        rows = (await uow.execute(statement, params)).all()
    return [RewardClaims(reward_of(r), r.claims, r.points, r.customers) for r in rows]


@dataclass(frozen=True)
class CategoryCustomers:
    category: PointCategory
    customers: int
    balance: int


_PER_CATEGORY = text(f"""
    SELECT pc.id, pc.name, pc.earn_multiplier, pc.is_default,
           COALESCE(m.customers, 0) AS customers, COALESCE(m.balance, 0) AS balance
      FROM ({CATEGORIES}) pc
      LEFT JOIN (SELECT c.category_id, count(*) AS customers,
                        COALESCE(CAST(sum(a.balance) AS bigint), 0) AS balance
                   FROM ({CUSTOMERS}) c LEFT JOIN ({ACCOUNTS}) a ON a.customer_id = c.id
                  GROUP BY c.category_id) m ON m.category_id = pc.id
     ORDER BY pc.id""")


async def customers_per_category(uow: UnitOfWork) -> list[CategoryCustomers]:
    """Every category (empty ones too, in the order they were made) with its number of
    customers and their total balance."""
    async with uow:
        rows = (await uow.execute(_PER_CATEGORY)).all()
    return [
        CategoryCustomers(
            PointCategory(r.id, r.name, r.earn_multiplier, r.is_default), r.customers, r.balance
        )
        for r in rows
    ]


@dataclass(frozen=True)
class BadgeCustomers:
    badge: Badge
    customers: int
    balance: int


_PER_BADGE = text(f"""
    SELECT b.*, COALESCE(h.customers, 0) AS customers, COALESCE(h.balance, 0) AS balance
      FROM ({BADGES}) b
      LEFT JOIN ({holders_per_badge_sql(ACCOUNTS)}) h ON h.badge_id = b.id
     ORDER BY b.basis, b.min_points, b.id""")


async def customers_per_badge(uow: UnitOfWork) -> list[BadgeCustomers]:
    """Every badge (inactive and unheld ones too, by basis then range) with the number of
    customers holding it now and their total balance."""
    async with uow:
        rows = (await uow.execute(_PER_BADGE)).all()
    return [BadgeCustomers(badge_of(r), r.customers, r.balance) for r in rows]
