"""Creating, changing and listing rewards."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.errors import DomainError, ErrorCode, Problems
from domain.rewards.models import Reward, RewardSpec, check_spec, reward_of
from domain.rewards.tables import rewards
from domain.uow import UnitOfWork
from domain.validation import parse_id


async def create_reward(uow: UnitOfWork, spec: RewardSpec) -> Reward:
    """Add a reward to the catalogue; every problem of its settings is reported at once."""
    problems = Problems()
    clean = check_spec(problems, spec)
    problems.raise_if_any()
    async with uow:
        row = (
            await uow.execute(insert(rewards).values(**clean.columns()).returning(rewards))
        ).one()
        await uow.commit()
    return reward_of(row)


async def update_reward(uow: UnitOfWork, reward_id: str, changes: dict[str, Any]) -> Reward:
    """Change some of a reward's settings (the others stay as they are), all or nothing.
    Past claims and the vouchers they issued are not affected."""
    problems = Problems()
    rid = parse_id(problems, "id", reward_id)
    problems.raise_if_any()
    async with uow:
        row = (
            await uow.execute(select(rewards).where(rewards.c.id == rid).with_for_update())
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such reward.")
        clean = check_spec(problems, replace(reward_of(row).spec, **changes))
        problems.raise_if_any()
        row = (
            await uow.execute(
                update(rewards)
                .where(rewards.c.id == rid)
                .values(**clean.columns(), updated_at=func.now())
                .returning(rewards)
            )
        ).one()
        await uow.commit()
    return reward_of(row)


async def list_rewards(uow: UnitOfWork, active_only: bool = False) -> list[Reward]:
    """The catalogue, cheapest first."""
    query = select(rewards).order_by(rewards.c.cost_points, rewards.c.id)
    if active_only:
        query = query.where(rewards.c.active)
    async with uow:
        return [reward_of(row) for row in await uow.execute(query)]
