"""Creating, changing and listing promotions; each call is one unit of work."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest, require_same, run_once
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
    digest = request_digest(clean)

    async def attempt() -> Created[Promotion]:
        replayed = await _replay(uow, key, digest)
        if replayed is not None:
            return replayed
        row = (
            await uow.execute(
                insert(promotions)
                .values(**clean.columns(), idempotency_key=key, request_digest=digest)
                .returning(promotions)
            )
        ).one()
        return Created(promotion_of(row))

    return await run_once(uow, attempt, lambda: _replay(uow, key, digest), {KEY_CONSTRAINT})


async def update_promotion(
    uow: UnitOfWork, promotion_id: str, changes: dict[str, Any]
) -> Promotion:
    """Change some of a promotion's settings (the others stay as they are), all or nothing.

    Only awards made afterwards see the change: each awarded purchase keeps the promotions
    it earned with in its snapshot, so its refunds take back exactly what it earned."""
    problems = Problems()
    pid = parse_id(problems, "id", promotion_id)
    problems.raise_if_any()
    async with uow:
        row = (
            await uow.execute(select(promotions).where(promotions.c.id == pid).with_for_update())
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such promotion.")
        clean = check_spec(problems, replace(promotion_of(row).spec, **changes))
        problems.raise_if_any()
        row = (
            await uow.execute(
                update(promotions)
                .where(promotions.c.id == pid)
                .values(**clean.columns(), updated_at=func.now())
                .returning(promotions)
            )
        ).one()
        await uow.commit()
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


async def _replay(uow: UnitOfWork, key: str, digest: str) -> Created[Promotion] | None:
    """The promotion first created under `key` (as it is now), if any."""
    query = select(promotions).where(promotions.c.idempotency_key == key)
    row = (await uow.execute(query)).one_or_none()
    if row is None:
        return None
    require_same(row.request_digest, digest, "promotion")
    return Created(promotion_of(row), replayed=True)
