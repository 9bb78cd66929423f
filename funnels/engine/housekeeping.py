"""What the engine does beside advancing: archiving exits everyone inside, a new version
saved with a migration moves the previous version's enrollments onto it, and the exit
filter takes out the customers who came to match it while they waited.

Archiving: every ACTIVE enrollment of an ARCHIVED funnel ends EXITED with the reason
ARCHIVED, a batch of ARCHIVE_BATCH at a time (rows locked, SKIP LOCKED: an enrollment a
batch is advancing is taken by the next sweep).

Migrating: a version saved with a migration (`{old step id: new step id}`, checked at save
time) takes the enrollments of the version before it to their mapped steps. The stored
migrations apply in version order, from the oldest version with enrollments: saves of v2
and v3 (each with a migration) before the engine's next pass take v1's enrollments through
v2 onto v3, as two passes would have; a version saved without one stops the chain (those
before it stay where the last migration took them). One statement per funnel, whatever the
chain's length. One that was waiting at a wait and lands on a wait at every hop keeps its
wake-up time (a week's wait that was half over stays half over); any other lands due at
once, arriving at its new step (a wait it lands on starts then)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, text, update

from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.steps import Wait
from funnels.engine.models import EXIT_CONDITION, Status
from funnels.engine.tables import funnel_enrollments

ARCHIVE_BATCH = 10_000

_EXIT_ARCHIVED = text("""
    WITH taken AS (
        SELECT id FROM funnel_enrollments
         WHERE funnel_id = ANY(CAST(:funnel_ids AS bigint[])) AND status = 'ACTIVE'
         ORDER BY id LIMIT :limit
           FOR UPDATE SKIP LOCKED),
    exited AS (
        UPDATE funnel_enrollments e
           SET status = 'EXITED', exit_reason = 'ARCHIVED', step_id = NULL, due_at = NULL,
               waiting = false, updated_at = :now, finished_at = :now
          FROM taken WHERE e.id = taken.id
        RETURNING e.id)
    SELECT count(*) FROM exited
""")

_MIGRATE = text("""
    UPDATE funnel_enrollments e
       SET version = m.to_version,
           step_id = m.new_step,
           waiting = e.waiting AND m.keeps_wait,
           due_at = CASE WHEN e.waiting AND m.keeps_wait THEN e.due_at
                         ELSE LEAST(e.due_at, CAST(:now AS timestamptz)) END,
           updated_at = :now
      FROM unnest(CAST(:from_versions AS integer[]), CAST(:old_steps AS text[]),
                  CAST(:to_versions AS integer[]), CAST(:new_steps AS text[]),
                  CAST(:keeps_waits AS boolean[]))
           AS m(from_version, old_step, to_version, new_step, keeps_wait)
     WHERE e.funnel_id = :funnel_id AND e.version = m.from_version AND e.status = 'ACTIVE'
       AND e.step_id = m.old_step
""")


@dataclass(frozen=True)
class Hop:
    """Where an enrollment at `old_step` of `from_version` lands once every stored
    migration after it applied: `new_step` of `to_version`; `keeps_wait`: a wait at every
    hop (a waiting enrollment keeps its wake-up time)."""

    from_version: int
    old_step: str
    to_version: int
    new_step: str
    keeps_wait: bool


def migration_hops(
    migrations: dict[int, dict[str, str]], known: dict[int, FunnelDefinition]
) -> list[Hop]:
    """The stored migrations (version -> its map from the version before) composed: for
    every step of every version a migration leaves, where it lands (see the module). A
    version whose definition is not `known` (no longer parses) stops the chain there."""
    hops: list[Hop] = []
    for to_first in sorted(migrations):
        start = to_first - 1
        if start < 1 or start in migrations:  # composed from an older start already
            continue
        last = to_first
        while last + 1 in migrations:
            last += 1
        for from_version in range(start, last):
            hops.extend(_composed(from_version, last, migrations, known))
    return hops


def _composed(
    from_version: int,
    last: int,
    migrations: dict[int, dict[str, str]],
    known: dict[int, FunnelDefinition],
) -> list[Hop]:
    found = []
    for old_step in sorted(migrations[from_version + 1]):
        step, keeps, version = old_step, True, from_version
        while version < last and version in known and version + 1 in known:
            target = migrations[version + 1].get(step)
            if target is None:
                break
            keeps = (
                keeps and _is_wait(known[version], step) and _is_wait(known[version + 1], target)
            )
            step, version = target, version + 1
        if version > from_version:
            found.append(Hop(from_version, old_step, version, step, keeps))
    return found


def _is_wait(definition: FunnelDefinition, step_id: str) -> bool:
    return isinstance(definition.step(step_id), Wait)


async def exit_archived(uow: UnitOfWork, archived: Sequence[int], now: datetime) -> int:
    """One batch of the archived funnels' enrollments exited, in the open unit of work;
    how many (less than ARCHIVE_BATCH: the sweep is done for now)."""
    if not archived:
        return 0
    found = await uow.execute(
        _EXIT_ARCHIVED, {"funnel_ids": list(archived), "limit": ARCHIVE_BATCH, "now": now}
    )
    return int(found.scalar_one())


async def migrate_enrollments(
    uow: UnitOfWork, funnel_id: int, hops: Sequence[Hop], now: datetime
) -> int:
    """Move the funnel's enrollments along its composed migrations (migration_hops), in
    one statement in the open unit of work; how many moved."""
    if not hops:
        return 0
    found = await uow.execute(
        _MIGRATE,
        {
            "funnel_id": funnel_id,
            "now": now,
            "from_versions": [h.from_version for h in hops],
            "old_steps": [h.old_step for h in hops],
            "to_versions": [h.to_version for h in hops],
            "new_steps": [h.new_step for h in hops],
            "keeps_waits": [h.keeps_wait for h in hops],
        },
    )
    return int(found.rowcount)  # type: ignore[attr-defined]


async def exit_matching(
    uow: UnitOfWork, funnel_id: int, version: int, leaving: Select[tuple[int]], now: datetime
) -> int:
    """The version's ACTIVE enrollments whose customers its exit filter selects now
    (`leaving`, the filter's query) end EXITED with EXIT_CONDITION, in one statement; how
    many. A customer waiting for days leaves when the filter comes to match (consent
    withdrawn), not only when the wait ends."""
    e = funnel_enrollments.c
    exited = (
        update(funnel_enrollments)
        .where(
            e.funnel_id == funnel_id,
            e.version == version,
            e.status == Status.ACTIVE.value,
            e.customer_id.in_(leaving),
        )
        .values(
            status=Status.EXITED.value,
            exit_reason=EXIT_CONDITION,
            step_id=None,
            due_at=None,
            waiting=False,
            updated_at=now,
            finished_at=now,
        )
        .returning(e.id)
        .cte("exited")
    )
    return int((await uow.execute(select(func.count()).select_from(exited))).scalar_one())
