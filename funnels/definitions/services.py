"""Validating, saving (each change a new version) and moving funnels between statuses; each
write is one command run by domain.commands.run.

Versions: creating a funnel makes DRAFT version 1. Every save that changes the definition
makes the next version, whatever the status: a draft's history is kept like an active
funnel's, and an idempotency key always names the one version its save made. A save equal
to the current version writes nothing (so applying an exported file again changes nothing).
Customers inside an ACTIVE or PAUSED funnel stay on the version they entered unless the save
carries a migration mapping (funnels.definitions.migration), stored with the new version for
the engine. An ARCHIVED funnel cannot be saved. Saves of one funnel are serialised by a lock
on its row, so racing saves get distinct, consecutive version numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.idempotency import request_digest, require_same
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.filters import FilterCheck
from funnels.definitions.migration import check_migration
from funnels.definitions.models import (
    Funnel,
    FunnelStatus,
    Saved,
    funnel_of,
    version_of,
)
from funnels.definitions.parsing import parse_definition
from funnels.definitions.queries import version_in
from funnels.definitions.references import check_references
from funnels.definitions.statuses import MOVES, Transition, refusal
from funnels.definitions.tables import funnel_versions, funnels

KEY_CONSTRAINT = "uq_funnel_versions_idempotency_key"


async def validate_funnel(
    uow: UnitOfWork, raw: object, check_filter: FilterCheck
) -> tuple[FunnelDefinition | None, list[Problem]]:
    """Every problem a save of `raw` would report (shape, graph and references), saving
    nothing; the checked definition when there is none."""
    definition, problems = parse_definition(raw, check_filter)
    if definition is None:
        return None, problems
    async with uow:
        problems = await check_references(uow, definition)
    return (definition if not problems else None), problems


@dataclass(frozen=True)
class SaveRequest:
    """What a save asked for, checked (its digest is stored beside its key)."""

    funnel_id: int | None
    definition: dict[str, Any]
    migration: object


async def save_funnel(
    uow: UnitOfWork,
    raw: object,
    check_filter: FilterCheck,
    *,
    idempotency_key: str,
    actor: str,
    funnel_id: str | None = None,
    migration: object = None,
) -> Saved:
    """Create a DRAFT funnel (no `funnel_id`) or save a new version of one (see the
    module's docstring). Every problem is reported at once, on its path; nothing is written
    when there is one. The same key replayed returns the first save's result (replayed) and
    writes nothing; with another request it is an IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    key = required_text(problems, "idempotencyKey", idempotency_key)
    fid = parse_id(problems, "id", funnel_id) if funnel_id is not None else None
    if funnel_id is None and migration is not None:
        problems.add("migration", ErrorCode.INVALID, "A new funnel has nobody to migrate.")
    definition, found = parse_definition(raw, check_filter)
    problems.items.extend(found)
    problems.raise_if_any()
    assert definition is not None
    request = SaveRequest(fid, definition.document(), migration)
    return await run(uow, SaveFunnel(request, definition, key, actor))


@dataclass(frozen=True)
class SaveFunnel(Command[Saved]):
    request: SaveRequest
    definition: FunnelDefinition
    key: str
    actor: str

    key_constraints = frozenset({KEY_CONSTRAINT})

    async def handle(self, uow: UnitOfWork) -> Saved:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        problems = await check_references(uow, self.definition)
        if problems:
            raise DomainError(problems)
        if self.request.funnel_id is None:
            return await self._create(uow)
        return await self._new_version(uow, self.request.funnel_id)

    async def _create(self, uow: UnitOfWork) -> Saved:
        row = (
            await uow.execute(
                pg_insert(funnels)
                .values(
                    name=self.definition.name,
                    status=FunnelStatus.DRAFT.value,
                    current_version=1,
                    created_by=self.actor,
                    updated_by=self.actor,
                )
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(funnels)
            )
        ).one_or_none()
        if row is None:
            raise _name_taken(self.definition.name)
        return Saved(funnel_of(row), await self._insert_version(uow, row.id, 1, None))

    async def _new_version(self, uow: UnitOfWork, funnel_id: int) -> Saved:
        row = (
            await uow.execute(select(funnels).where(funnels.c.id == funnel_id).with_for_update())
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such funnel.")
        funnel = funnel_of(row)
        if funnel.status is FunnelStatus.ARCHIVED:
            raise DomainError.one("id", ErrorCode.INVALID, "An archived funnel cannot change.")
        current = await version_in(uow, funnel.id, funnel.current_version)
        assert current is not None
        document = self.request.definition
        if document == current.definition and self.request.migration is None:
            return Saved(funnel, current, changed=False)
        problems = Problems()
        mapping = None
        if self.request.migration is not None:
            if funnel.status is FunnelStatus.DRAFT:
                problems.add(
                    "migration", ErrorCode.INVALID, "Nobody is inside a draft: nothing to migrate."
                )
            else:
                mapping = check_migration(
                    problems, self.request.migration, current.definition, self.definition
                )
        problems.raise_if_any()
        if self.definition.name != funnel.name:
            taken = await uow.execute(
                select(funnels.c.id).where(funnels.c.name == self.definition.name)
            )
            if taken.first() is not None:
                raise _name_taken(self.definition.name)
        number = funnel.current_version + 1
        version = await self._insert_version(uow, funnel.id, number, mapping)
        updated = (
            await uow.execute(
                update(funnels)
                .where(funnels.c.id == funnel.id)
                .values(
                    name=self.definition.name,
                    current_version=number,
                    updated_at=func.now(),
                    updated_by=self.actor,
                )
                .returning(funnels)
            )
        ).one()
        return Saved(funnel_of(updated), version)

    async def _insert_version(
        self, uow: UnitOfWork, funnel_id: int, number: int, mapping: dict[str, str] | None
    ) -> Any:
        row = (
            await uow.execute(
                insert(funnel_versions)
                .values(
                    funnel_id=funnel_id,
                    version=number,
                    definition=self.request.definition,
                    migration=mapping,
                    idempotency_key=self.key,
                    request_digest=request_digest(self.request),
                    actor=self.actor,
                )
                .returning(funnel_versions)
            )
        ).one()
        return version_of(row)

    async def replay(self, uow: UnitOfWork) -> Saved | None:
        v = funnel_versions.c
        row = (
            await uow.execute(select(funnel_versions).where(v.idempotency_key == self.key))
        ).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, request_digest(self.request), "funnel save")
        funnel = (await uow.execute(select(funnels).where(funnels.c.id == row.funnel_id))).one()
        return Saved(funnel_of(funnel), version_of(row), replayed=True)


def _name_taken(name: str) -> DomainError:
    return DomainError.one("name", ErrorCode.DUPLICATE, f"A funnel named {name!r} exists.")


async def change_status(
    uow: UnitOfWork,
    funnel_id: str,
    transition: Transition,
    check_filter: FilterCheck,
    actor: str,
) -> Funnel:
    """Make `transition` (funnels.definitions.statuses); the funnel as it is after it.
    Activating and resuming check the current version's references again (a template may
    have been made transactional since it was saved). Archiving is final; the engine exits
    the enrollments of an archived funnel on its next pass (funnels/engine/housekeeping.py)."""
    problems = Problems()
    fid = parse_id(problems, "id", funnel_id)
    problems.raise_if_any()
    return await run(uow, ChangeStatus(fid, transition, check_filter, actor))


@dataclass(frozen=True)
class ChangeStatus(Command[Funnel]):
    funnel_id: int
    transition: Transition
    check_filter: FilterCheck
    actor: str

    async def handle(self, uow: UnitOfWork) -> Funnel:
        row = (
            await uow.execute(
                select(funnels).where(funnels.c.id == self.funnel_id).with_for_update()
            )
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such funnel.")
        funnel = funnel_of(row)
        why = refusal(self.transition, funnel.status)
        if why is not None:
            raise DomainError.one("id", ErrorCode.INVALID, why)
        target = MOVES[self.transition][1]
        if funnel.status is target:
            return funnel
        if target is FunnelStatus.ACTIVE:
            await self._recheck(uow, funnel)
        updated = (
            await uow.execute(
                update(funnels)
                .where(funnels.c.id == funnel.id)
                .values(status=target.value, updated_at=func.now(), updated_by=self.actor)
                .returning(funnels)
            )
        ).one()
        return funnel_of(updated)

    async def _recheck(self, uow: UnitOfWork, funnel: Funnel) -> None:
        current = await version_in(uow, funnel.id, funnel.current_version)
        assert current is not None
        definition, problems = parse_definition(current.definition, self.check_filter)
        if definition is not None:
            problems = await check_references(uow, definition)
        if problems:
            raise DomainError(problems)
