"""Creating, changing and listing promotions; each write is one command."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest, require_same
from domain.pagination import Page
from domain.promotions.models import Promotion, PromotionSpec, check_spec, promotion_of
from domain.promotions.tables import promotions
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text

KEY_CONSTRAINT = "uq_promotions_idempotency_key"


async def create_promotion(
    uow: UnitOfWork, spec: PromotionSpec, idempotency_key: str
) -> Created[Promotion]:
    """Add a promotion; every problem of its settings is reported at once.

    Purchases awarded from then on, whose time falls in its window, earn with it; points
    already awarded are not changed. The same key replayed (also concurrently) returns the
    first promotion (replayed) and writes nothing; with other settings it is an
    IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    clean = check_spec(problems, spec)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, CreatePromotion(clean, key))


@dataclass(frozen=True)
class CreatePromotion(Command[Created[Promotion]]):
    spec: PromotionSpec  # checked
    key: str

    key_constraints = frozenset({KEY_CONSTRAINT})

    async def handle(self, uow: UnitOfWork) -> Created[Promotion]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        row = (
            await uow.execute(
                insert(promotions)
                .values(
                    **self.spec.columns(),
                    idempotency_key=self.key,
                    request_digest=request_digest(self.spec),
                )
                .returning(promotions)
            )
        ).one()
        return Created(promotion_of(row))

    async def replay(self, uow: UnitOfWork) -> Created[Promotion] | None:
        """The promotion first created under the key (as it is now), if any."""
        query = select(promotions).where(promotions.c.idempotency_key == self.key)
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, request_digest(self.spec), "promotion")
        return Created(promotion_of(row), replayed=True)


async def update_promotion(
    uow: UnitOfWork, promotion_id: str, changes: dict[str, Any]
) -> Promotion:
    """Change some of a promotion's settings (the others stay as they are), all or nothing.

    Only awards made afterwards see the change: each awarded purchase keeps the promotions
    it earned with in its snapshot, so its refunds take back exactly what it earned."""
    problems = Problems()
    pid = parse_id(problems, "id", promotion_id)
    problems.raise_if_any()
    return await run(uow, UpdatePromotion(pid, changes))


@dataclass(frozen=True)
class UpdatePromotion(Command[Promotion]):
    """Lock the promotion, check its settings with the changes, write them."""

    promotion_id: int
    changes: dict[str, Any]

    async def handle(self, uow: UnitOfWork) -> Promotion:
        pid = self.promotion_id
        row = (
            await uow.execute(select(promotions).where(promotions.c.id == pid).with_for_update())
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such promotion.")
        problems = Problems()
        clean = check_spec(problems, replace(promotion_of(row).spec, **self.changes))
        problems.raise_if_any()
        row = (
            await uow.execute(
                update(promotions)
                .where(promotions.c.id == pid)
                .values(**clean.columns(), updated_at=func.now())
                .returning(promotions)
            )
        ).one()
        return promotion_of(row)


async def list_promotions(
    uow: UnitOfWork, limit: int, after_id: int | None = None, active_only: bool = False
) -> Page[Promotion]:
    """Promotions, newest first, `limit` at a time after the promotion `after_id`."""
    query = select(promotions).order_by(promotions.c.id.desc()).limit(limit + 1)
    if after_id is not None:
        query = query.where(promotions.c.id < after_id)
    if active_only:
        query = query.where(promotions.c.active)
    async with uow:
        rows = await uow.execute(query)
        return Page.from_rows([promotion_of(row) for row in rows], limit)


async def started_promotions(
    uow: UnitOfWork, now: datetime, started_after: datetime | None
) -> list[Promotion]:
    """The active promotions that have started by `now` and are still in force at `now` or
    started after `started_after` (a job's previous look, so that one that started and
    ended between two looks is found too), soonest start first. Reads in the caller's open
    unit of work. A promotion created or re-activated already started is in force, so it
    is found whenever it was made."""
    p = promotions.c
    in_force_or_new = p.ends_at > now
    if started_after is not None:
        in_force_or_new = or_(in_force_or_new, p.starts_at > started_after)
    query = (
        select(promotions)
        .where(p.active, p.starts_at <= now, in_force_or_new)
        .order_by(p.starts_at, p.id)
    )
    return [promotion_of(row) for row in await uow.execute(query)]
