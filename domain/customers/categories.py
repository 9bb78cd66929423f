"""Point categories (tiers): listing, creating and changing them, and the one default.

Which category a customer is in is domain.customers.placement's."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from domain.commands import Command, run
from domain.customers import repository as repo
from domain.customers.models import PointCategory
from domain.customers.tables import point_categories
from domain.customers.validation import duplicate, parse_multiplier
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest, require_same
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text


async def list_categories(uow: UnitOfWork) -> list[PointCategory]:
    """Every category, lowest multiplier first."""
    async with uow:
        return await repo.categories(uow)


@dataclass(frozen=True)
class CategoryRequest:
    """What a category create asked for, checked: its digest is kept beside its key."""

    name: str
    earn_multiplier: Decimal
    is_default: bool


async def create_category(
    uow: UnitOfWork,
    name: str | None,
    earn_multiplier: Decimal | str,
    is_default: bool,
    *,
    idempotency_key: str | None = None,
) -> Created[PointCategory]:
    """Add a category; making it the default takes the default from the previous one.

    Under an idempotency key (which the API requires), the same key replayed (also
    concurrently) returns the first category as it is now (replayed) and writes nothing;
    with other settings it is an IDEMPOTENCY_CONFLICT. Without one, for callers in this
    process that never retry a call, every call adds a category."""
    problems = Problems()
    key = (
        required_text(problems, "idempotencyKey", idempotency_key)
        if idempotency_key is not None
        else None
    )
    clean_name = required_text(problems, "name", name, 100)
    multiplier = parse_multiplier(problems, "earnMultiplier", earn_multiplier)
    problems.raise_if_any()
    return await run(uow, CreateCategory(CategoryRequest(clean_name, multiplier, is_default), key))


@dataclass(frozen=True)
class CreateCategory(Command[Created[PointCategory]]):
    """Insert a category (under a key, once), taking the default when it is the default."""

    request: CategoryRequest
    key: str | None

    key_constraints = frozenset({"uq_point_categories_idempotency_key"})

    async def handle(self, uow: UnitOfWork) -> Created[PointCategory]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        await _lock_categories(uow)
        if self.request.is_default:
            await _clear_default(uow)
        try:
            new_id = (
                await uow.execute(
                    insert(point_categories)
                    .values(
                        name=self.request.name,
                        earn_multiplier=self.request.earn_multiplier,
                        is_default=self.request.is_default,
                        idempotency_key=self.key,
                        request_digest=self._digest(),
                    )
                    .returning(point_categories.c.id)
                )
            ).scalar_one()
        except IntegrityError as error:
            raise duplicate(error) from error
        return Created((await repo.categories_by_id(uow, [new_id]))[new_id])

    async def replay(self, uow: UnitOfWork) -> Created[PointCategory] | None:
        """The category first created under the key (as it is now), if any."""
        if self.key is None:
            return None
        query = select(point_categories.c.id, point_categories.c.request_digest).where(
            point_categories.c.idempotency_key == self.key
        )
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, self._digest(), "category")
        return Created((await repo.categories_by_id(uow, [row.id]))[row.id], replayed=True)

    def _digest(self) -> str | None:
        return request_digest(self.request) if self.key is not None else None


async def update_category(
    uow: UnitOfWork,
    category_id: str,
    name: str | None,
    earn_multiplier: Decimal | str | None,
    is_default: bool | None,
) -> PointCategory:
    """Rename a category, change its multiplier, or make it the default (one at a time)."""
    problems = Problems()
    cid = parse_id(problems, "id", category_id)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = required_text(problems, "name", name, 100)
    if earn_multiplier is not None:
        values["earn_multiplier"] = parse_multiplier(problems, "earnMultiplier", earn_multiplier)
    if is_default is False:
        problems.add("isDefault", ErrorCode.INVALID, "Make another category the default instead.")
    problems.raise_if_any()
    return await run(uow, UpdateCategory(cid, values, make_default=bool(is_default)))


@dataclass(frozen=True)
class UpdateCategory(Command[PointCategory]):
    """Set some settings of a category; making it the default takes it from the other."""

    category_id: int
    values: dict[str, Any]
    make_default: bool

    async def handle(self, uow: UnitOfWork) -> PointCategory:
        cid = self.category_id
        # First, before any write: a lock taken after this transaction's own UPDATE could
        # deadlock with another update doing the same.
        await _lock_categories(uow)
        if cid not in await repo.categories_by_id(uow, [cid]):
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such category.")
        values = dict(self.values)
        if self.make_default:
            await _clear_default(uow)
            values["is_default"] = True
        if values:
            try:
                await uow.execute(
                    update(point_categories).where(point_categories.c.id == cid).values(**values)
                )
            except IntegrityError as error:
                raise duplicate(error) from error
        return (await repo.categories_by_id(uow, [cid]))[cid]


async def _lock_categories(uow: UnitOfWork) -> None:
    """Category creates and updates one at a time: two new defaults at once (created, or
    made so by an update) would otherwise both clear the old one and collide on the
    one-default index (an internal error). Plain reads (earning, lookups) and customer
    writes are not blocked."""
    await uow.execute(text("LOCK TABLE point_categories IN SHARE ROW EXCLUSIVE MODE"))


async def _clear_default(uow: UnitOfWork) -> None:
    await uow.execute(text("UPDATE point_categories SET is_default = false WHERE is_default"))
