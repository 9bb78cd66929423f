"""Claiming a reward: its points are debited and its voucher issued, in one transaction.

Locks are always taken in the same order, the customer's balance row first and then the
reward's row, so concurrent claims never deadlock: claims of one customer wait for each
other (the per-customer limit is counted under that lock), claims of one reward wait for
each other only at the stock's conditional UPDATE (which never goes below zero)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.access.acting import customer_acted_for
from domain.access.principals import Principal
from domain.commands import Command, run
from domain.customers.erased import customer_erased, customer_is_erased
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import RewardClaimed
from domain.idempotency import require_same
from domain.ledger import policy
from domain.ledger.models import Account
from domain.ledger.queries import get_account, lock_account
from domain.rewards.models import Reward, reward_of
from domain.rewards.standings import StandingReason, standing
from domain.rewards.tables import reward_claims, rewards
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text
from domain.vouchers.issuing import ISSUE_KEY_CONSTRAINT, issue_voucher, pay_with_points
from domain.vouchers.models import Voucher, VoucherSource
from domain.vouchers.queries import voucher_by_id

CLAIM_KEY_CONSTRAINT = "uq_reward_claims_idempotency_key"


@dataclass(frozen=True)
class Claim:
    id: int
    reward: Reward
    customer_id: int
    points: int
    entry_id: int
    voucher: Voucher
    account: Account
    created_at: datetime
    replayed: bool = False


async def claim_reward(
    uow: UnitOfWork,
    reward_id: str,
    customer_id: str | None,
    idempotency_key: str,
    caller: Principal,
) -> Claim:
    """Buy a reward with points: debit its cost (a REDEMPTION entry), take one from its
    stock, issue its voucher assigned to the customer and record the claim.

    Guarantees: all of it or nothing; only spendable points pay; the stock never goes
    below zero and the per-customer limit is never passed, however many claims run at
    once; the same key replayed returns the first claim and writes nothing. Staff name the
    customer; a customer caller claims for itself (naming another is NotAllowedError)."""
    customer_id = await customer_acted_for(uow, caller, customer_id)
    problems = Problems()
    rid = parse_id(problems, "rewardId", reward_id)
    cid = parse_id(problems, "customerId", customer_id)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, ClaimReward(rid, cid, key, caller.actor))


@dataclass(frozen=True)
class ClaimReward(Command[Claim]):
    """The customer's balance row locked, the key's check, the customer not erased (an
    erased customer spends nothing), the reward's standing, then the stock taken, the
    voucher issued, its cost debited and the claim recorded."""

    reward_id: int
    customer_id: int
    key: str
    actor: str

    key_constraints = (CLAIM_KEY_CONSTRAINT, ISSUE_KEY_CONSTRAINT)

    async def handle(self, uow: UnitOfWork) -> Claim:
        account = await lock_account(uow, self.customer_id)
        if account is None:
            raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        if await customer_is_erased(uow, self.customer_id):
            raise customer_erased()
        reward = await _claimable(uow, self.reward_id, account)
        return await _claim(uow, reward, account, self.key, self.actor)

    async def replay(self, uow: UnitOfWork) -> Claim | None:
        query = select(reward_claims).where(reward_claims.c.idempotency_key == self.key)
        claim = (await uow.execute(query)).one_or_none()
        if claim is None:
            return None
        asked = (self.reward_id, self.customer_id)
        require_same((claim.reward_id, claim.customer_id), asked, "claim")
        reward = (await uow.execute(select(rewards).where(rewards.c.id == self.reward_id))).one()
        voucher = await voucher_by_id(uow, claim.voucher_id)
        account = await get_account(uow, self.customer_id)
        assert voucher is not None and account is not None
        return Claim(
            claim.id,
            reward_of(reward),
            self.customer_id,
            claim.points,
            claim.entry_id,
            voucher,
            account,
            claim.created_at,
            replayed=True,
        )


async def _claimable(uow: UnitOfWork, reward_id: int, account: Account) -> Reward:
    """The reward, when this customer (whose balance row is locked) may claim it now."""
    row = (await uow.execute(select(rewards).where(rewards.c.id == reward_id))).one_or_none()
    if row is None:
        raise DomainError.one("rewardId", ErrorCode.NOT_FOUND, "No such reward.")
    reward = reward_of(row)
    claimed = (
        await uow.execute(
            select(func.count()).where(
                reward_claims.c.customer_id == account.customer_id,
                reward_claims.c.reward_id == reward_id,
            )
        )
    ).scalar_one()
    problems = Problems()
    if not reward.spec.active:
        problems.add("rewardId", ErrorCode.REWARD_INACTIVE, "This reward cannot be claimed.")
    for reason in standing(reward, account.funds, claimed).reasons:
        problems.add("rewardId", ErrorCode(reason.value), _message(reason, reward, account))
    problems.raise_if_any()
    return reward


def _message(reason: StandingReason, reward: Reward, account: Account) -> str:
    if reason is StandingReason.INSUFFICIENT_POINTS:
        problem = policy.refusal(account.funds, policy.Change.spend(reward.spec.cost_points))
        assert problem is not None
        return problem.message
    if reason is StandingReason.OUT_OF_STOCK:
        return "This reward is out of stock."
    return f"A customer may claim this reward {reward.spec.per_customer_limit} time(s)."


async def _claim(uow: UnitOfWork, reward: Reward, account: Account, key: str, actor: str) -> Claim:
    spec, cid = reward.spec, account.customer_id
    taken = (
        await uow.execute(
            update(rewards)
            .where(
                rewards.c.id == reward.id,
                rewards.c.active,
                (rewards.c.stock.is_(None)) | (rewards.c.stock > 0),
            )
            .values(stock=rewards.c.stock - 1, claimed=rewards.c.claimed + 1)
            .returning(rewards)
        )
    ).one_or_none()
    if taken is None:  # the last one went, or the reward was withdrawn, since it was read
        raise DomainError.one("rewardId", ErrorCode.OUT_OF_STOCK, "This reward is out of stock.")
    issue_key = f"reward:{key}"
    voucher = await issue_voucher(
        uow, spec.voucher, cid, VoucherSource.REWARD, issue_key, spec.validity_days
    )
    posted = await pay_with_points(
        uow,
        cid,
        spec.cost_points,
        actor=actor,
        source=("reward", str(reward.id)),
        key=issue_key,
        field="rewardId",
    )
    row = await _record(
        uow, reward.id, cid, spec.cost_points, posted.entry_id, voucher.id, key, actor
    )
    return Claim(
        row.id,
        reward_of(taken),
        cid,
        spec.cost_points,
        posted.entry_id,
        voucher,
        posted.account(cid),
        row.created_at,
    )


async def _record(
    uow: UnitOfWork,
    reward_id: int,
    customer_id: int,
    points: int,
    entry_id: int,
    voucher_id: int,
    key: str,
    actor: str,
) -> Any:
    """The claim row and its RewardClaimed event."""
    row = (
        await uow.execute(
            insert(reward_claims)
            .values(
                reward_id=reward_id,
                customer_id=customer_id,
                points=points,
                entry_id=entry_id,
                voucher_id=voucher_id,
                idempotency_key=key,
                actor=actor,
            )
            .returning(reward_claims.c.id, reward_claims.c.created_at)
        )
    ).one()
    uow.record(
        RewardClaimed(
            customer_id=customer_id,
            reward_id=reward_id,
            claim_id=row.id,
            voucher_id=voucher_id,
            entry_id=entry_id,
            points=points,
        )
    )
    return row
