"""Reading funnels and their versions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ScalarSelect, select

from domain.pagination import Page
from domain.uow import UnitOfWork
from funnels.definitions.models import Funnel, FunnelStatus, FunnelVersion, funnel_of, version_of
from funnels.definitions.tables import funnel_versions, funnels


async def get_funnel(uow: UnitOfWork, funnel_id: int) -> Funnel | None:
    async with uow:
        return await funnel_by_id(uow, funnel_id)


async def funnel_by_id(uow: UnitOfWork, funnel_id: int) -> Funnel | None:
    """In the open unit of work."""
    row = (await uow.execute(select(funnels).where(funnels.c.id == funnel_id))).one_or_none()
    return None if row is None else funnel_of(row)


async def funnel_named(uow: UnitOfWork, name: str) -> Funnel | None:
    """The funnel of that name (names are unique)."""
    async with uow:
        row = (await uow.execute(select(funnels).where(funnels.c.name == name))).one_or_none()
        return None if row is None else funnel_of(row)


async def list_funnels(
    uow: UnitOfWork, limit: int, after_id: int | None = None, status: FunnelStatus | None = None
) -> Page[Funnel]:
    """Funnels, newest first, `limit` at a time after the funnel `after_id`."""
    query = select(funnels).order_by(funnels.c.id.desc()).limit(limit + 1)
    if after_id is not None:
        query = query.where(funnels.c.id < after_id)
    if status is not None:
        query = query.where(funnels.c.status == status.value)
    async with uow:
        rows = await uow.execute(query)
        return Page.from_rows([funnel_of(row) for row in rows], limit)


async def version_in(uow: UnitOfWork, funnel_id: int, version: int) -> FunnelVersion | None:
    """One version of a funnel, in the open unit of work."""
    v = funnel_versions.c
    query = select(funnel_versions).where(v.funnel_id == funnel_id, v.version == version)
    row = (await uow.execute(query)).one_or_none()
    return None if row is None else version_of(row)


async def funnel_version(
    uow: UnitOfWork, funnel_id: int, version: int | None = None
) -> tuple[Funnel, FunnelVersion] | None:
    """A funnel and one of its versions (the current one when `version` is None)."""
    async with uow:
        funnel = await funnel_by_id(uow, funnel_id)
        if funnel is None:
            return None
        found = await version_in(uow, funnel_id, version or funnel.current_version)
        return None if found is None else (funnel, found)


async def versions_of(uow: UnitOfWork, funnel_ids: Sequence[int]) -> dict[int, list[FunnelVersion]]:
    """Every version of each funnel, newest first: one query for all of them."""
    found: dict[int, list[FunnelVersion]] = {i: [] for i in funnel_ids}
    if not funnel_ids:
        return found
    v = funnel_versions.c
    query = (
        select(funnel_versions)
        .where(v.funnel_id.in_(sorted(set(funnel_ids))))
        .order_by(v.funnel_id, v.version.desc())
    )
    async with uow:
        for row in await uow.execute(query):
            found[row.funnel_id].append(version_of(row))
    return found


async def funnels_by_id(uow: UnitOfWork, funnel_ids: Sequence[int]) -> dict[int, Funnel]:
    """The funnels of these ids that exist (funnels are never deleted), in the open unit of
    work: one query for all of them."""
    if not funnel_ids:
        return {}
    query = select(funnels).where(funnels.c.id.in_(sorted(set(funnel_ids))))
    return {row.id: funnel_of(row) for row in await uow.execute(query)}


async def active_funnel_ids(uow: UnitOfWork) -> list[int]:
    """The ids of the ACTIVE funnels (those whose enrollments move on), in the open unit of
    work."""
    query = select(funnels.c.id).where(funnels.c.status == FunnelStatus.ACTIVE.value)
    return [row.id for row in await uow.execute(query.order_by(funnels.c.id))]


async def active_funnels(uow: UnitOfWork) -> list[Funnel]:
    """The ACTIVE funnels, in the open unit of work."""
    query = select(funnels).where(funnels.c.status == FunnelStatus.ACTIVE.value)
    return [funnel_of(row) for row in await uow.execute(query.order_by(funnels.c.id))]


async def migrations_of(
    uow: UnitOfWork, funnel_ids: Sequence[int]
) -> dict[int, dict[int, dict[str, str]]]:
    """Each funnel's stored migrations: funnel id -> {version: its migration ({old step id
    of the version before: step id of this one})}, only the versions saved with one, in the
    open unit of work: one query for all of them (the definitions are not read)."""
    found: dict[int, dict[int, dict[str, str]]] = {}
    if not funnel_ids:
        return found
    v = funnel_versions.c
    query = select(v.funnel_id, v.version, v.migration).where(
        v.funnel_id.in_(sorted(set(funnel_ids))), v.migration.is_not(None)
    )
    for row in await uow.execute(query.order_by(v.funnel_id, v.version)):
        if row.migration:
            found.setdefault(row.funnel_id, {})[row.version] = dict(row.migration)
    return found


def funnel_id_named(name: str) -> ScalarSelect[int]:
    """The id of the funnel of that name, as a scalar subquery (NULL when there is none):
    for conditions other parts of funnels compile into their own statements."""
    return select(funnels.c.id).where(funnels.c.name == name).scalar_subquery()


async def funnels_in(uow: UnitOfWork, statuses: Sequence[FunnelStatus]) -> list[Funnel]:
    """The funnels in any of these statuses, by id, in the open unit of work."""
    query = select(funnels).where(funnels.c.status.in_([s.value for s in statuses]))
    return [funnel_of(row) for row in await uow.execute(query.order_by(funnels.c.id))]
