"""Reward thresholds: how far each customer is from each active reward, and whether they
can claim it now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import and_, func, select, true

from domain.ledger import policy
from domain.ledger.sql import accounts
from domain.rewards.models import Reward, reward_of
from domain.rewards.tables import reward_claims, rewards
from domain.uow import UnitOfWork


class StandingReason(StrEnum):
    """Why a customer cannot claim a reward now."""

    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    LIMIT_REACHED = "LIMIT_REACHED"


@dataclass(frozen=True)
class RewardStanding:
    reward: Reward
    points_needed: int  # 0 when the spendable points pay for it
    claimed: int  # by this customer
    reasons: tuple[StandingReason, ...]

    @property
    def claimable(self) -> bool:
        return not self.reasons


def standing(reward: Reward, funds: policy.Funds, claimed: int) -> RewardStanding:
    """A customer whose account holds `funds` and who claimed the reward `claimed` times."""
    spec = reward.spec
    needed = policy.points_short(funds, spec.cost_points)
    reasons = []
    if needed > 0:
        reasons.append(StandingReason.INSUFFICIENT_POINTS)
    if spec.stock is not None and spec.stock <= 0:
        reasons.append(StandingReason.OUT_OF_STOCK)
    if spec.per_customer_limit is not None and claimed >= spec.per_customer_limit:
        reasons.append(StandingReason.LIMIT_REACHED)
    return RewardStanding(reward, needed, claimed, tuple(reasons))


async def standings(
    uow: UnitOfWork, customer_ids: Sequence[int]
) -> dict[int, list[RewardStanding]]:
    """Each customer's standing for every active reward, cheapest first, in one query."""
    claims = (
        select(reward_claims.c.customer_id, reward_claims.c.reward_id, func.count().label("n"))
        .where(reward_claims.c.customer_id.in_(list(customer_ids)))
        .group_by(reward_claims.c.customer_id, reward_claims.c.reward_id)
        .subquery("claims")
    )
    account = accounts()
    query = (
        select(
            rewards,
            account.c.customer_id.label("standing_customer_id"),
            account.c.balance,
            account.c.held,
            func.coalesce(claims.c.n, 0).label("customer_claims"),
        )
        .select_from(account.join(rewards, true()))
        .outerjoin(
            claims,
            and_(
                claims.c.reward_id == rewards.c.id,
                claims.c.customer_id == account.c.customer_id,
            ),
        )
        .where(account.c.customer_id.in_(list(customer_ids)), rewards.c.active)
        .order_by(rewards.c.cost_points, rewards.c.id)
    )
    found: dict[int, list[RewardStanding]] = {cid: [] for cid in customer_ids}
    for row in await uow.execute(query):
        found[row.standing_customer_id].append(
            standing(reward_of(row), policy.Funds(row.balance, row.held), row.customer_claims)
        )
    return found
