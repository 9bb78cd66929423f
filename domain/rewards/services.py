"""Creating, changing and listing rewards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest, require_same
from domain.rewards.models import Reward, RewardSpec, check_spec, reward_of
from domain.rewards.tables import rewards
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text

KEY_CONSTRAINT = "uq_rewards_idempotency_key"


async def create_reward(uow: UnitOfWork, spec: RewardSpec, idempotency_key: str) -> Created[Reward]:
    """Add a reward to the catalogue; every problem of its settings is reported at once.
    The same key replayed (also concurrently) returns the first reward (replayed) and
    writes nothing; with other settings it is an IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    clean = check_spec(problems, spec)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, CreateReward(clean, key, request_digest(clean)))


@dataclass(frozen=True)
class CreateReward(Command[Created[Reward]]):
    """The reward's row, stored with its key and the digest of its settings."""

    spec: RewardSpec
    key: str
    digest: str  # of the settings asked: a replay of the key must ask the same

    key_constraints = (KEY_CONSTRAINT,)

    async def handle(self, uow: UnitOfWork) -> Created[Reward]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        row = (
            await uow.execute(
                insert(rewards)
                .values(**self.spec.columns(), idempotency_key=self.key, request_digest=self.digest)
                .returning(rewards)
            )
        ).one()
        return Created(reward_of(row))

    async def replay(self, uow: UnitOfWork) -> Created[Reward] | None:
        """The reward first created under the key (as it is now), if any."""
        query = select(rewards).where(rewards.c.idempotency_key == self.key)
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, self.digest, "reward")
        return Created(reward_of(row), replayed=True)


async def update_reward(uow: UnitOfWork, reward_id: str, changes: dict[str, Any]) -> Reward:
    """Change some of a reward's settings (the others stay as they are), all or nothing;
    the settings as they are then must hold together (every problem reported at once).
    Past claims and the vouchers they issued are not affected."""
    problems = Problems()
    rid = parse_id(problems, "id", reward_id)
    problems.raise_if_any()
    return await run(uow, UpdateReward(rid, changes))


@dataclass(frozen=True)
class UpdateReward(Command[Reward]):
    """The reward's row locked, its settings merged with the changes and checked together,
    then written."""

    reward_id: int
    changes: dict[str, Any]

    async def handle(self, uow: UnitOfWork) -> Reward:
        rid = self.reward_id
        row = (
            await uow.execute(select(rewards).where(rewards.c.id == rid).with_for_update())
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such reward.")
        problems = Problems()
        clean = check_spec(problems, replace(reward_of(row).spec, **self.changes))
        problems.raise_if_any()
        row = (
            await uow.execute(
                update(rewards)
                .where(rewards.c.id == rid)
                .values(**clean.columns(), updated_at=func.now())
                .returning(rewards)
            )
        ).one()
        return reward_of(row)


async def list_rewards(uow: UnitOfWork, active_only: bool = False) -> list[Reward]:
    """The catalogue, cheapest first."""
    query = select(rewards).order_by(rewards.c.cost_points, rewards.c.id)
    if active_only:
        query = query.where(rewards.c.active)
    async with uow:
        return [reward_of(row) for row in await uow.execute(query)]


async def rewards_by_id(uow: UnitOfWork, reward_ids: Sequence[int]) -> dict[int, Reward]:
    """The rewards that exist among `reward_ids`, in the open unit of work (one query)."""
    query = select(rewards).where(rewards.c.id.in_(sorted(set(reward_ids))))
    return {row.id: reward_of(row) for row in await uow.execute(query)}
