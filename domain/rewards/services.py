"""Creating, changing and listing rewards."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest, require_same, run_once
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
    digest = request_digest(clean)

    async def attempt() -> Created[Reward]:
        replayed = await _replay(uow, key, digest)
        if replayed is not None:
            return replayed
        row = (
            await uow.execute(
                insert(rewards)
                .values(**clean.columns(), idempotency_key=key, request_digest=digest)
                .returning(rewards)
            )
        ).one()
        return Created(reward_of(row))

    return await run_once(uow, attempt, lambda: _replay(uow, key, digest), {KEY_CONSTRAINT})


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


async def _replay(uow: UnitOfWork, key: str, digest: str) -> Created[Reward] | None:
    """The reward first created under `key` (as it is now), if any."""
    row = (await uow.execute(select(rewards).where(rewards.c.idempotency_key == key))).one_or_none()
    if row is None:
        return None
    require_same(row.request_digest, digest, "reward")
    return Created(reward_of(row), replayed=True)
