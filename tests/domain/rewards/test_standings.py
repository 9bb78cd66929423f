"""How far a customer is from a reward, and why they cannot claim it yet."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.ledger.policy import Funds
from domain.rewards.models import Reward, RewardKind, RewardSpec
from domain.rewards.standings import StandingReason, standing
from domain.vouchers.models import VoucherKind, VoucherTerms


def reward(stock: int | None = None, limit: int | None = None) -> Reward:
    spec = RewardSpec(
        name="Mug",
        kind=RewardKind.FREE_PRODUCT,
        cost_points=300,
        voucher=VoucherTerms(VoucherKind.GIFT_ITEM, gift_sku="MUG"),
        stock=stock,
        per_customer_limit=limit,
    )
    now = datetime.now(UTC)
    return Reward(1, spec, 0, now, now)


def test_an_affordable_reward_needs_no_points_and_can_be_claimed() -> None:
    s = standing(reward(), Funds(450), claimed=0)
    assert (s.points_needed, s.claimable, s.reasons) == (0, True, ())


def test_the_points_needed_are_the_cost_less_the_spendable_points() -> None:
    # 400 points of which 280 are held by a checkout: 120 spendable
    s = standing(reward(), Funds(400, held=280), claimed=0)
    assert (s.points_needed, s.reasons) == (180, (StandingReason.INSUFFICIENT_POINTS,))


def test_stock_and_limit_stop_a_claim_whatever_the_points() -> None:
    s = standing(reward(stock=0, limit=1), Funds(1000), claimed=1)
    assert s.points_needed == 0
    assert s.reasons == (StandingReason.OUT_OF_STOCK, StandingReason.LIMIT_REACHED)
    assert standing(reward(stock=3, limit=2), Funds(1000), 1).claimable
