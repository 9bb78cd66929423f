"""What the engine does beside advancing: archiving exits everyone inside, a new version
saved with a migration moves the previous version's enrollments onto it, and the exit
filter takes out the customers who came to match it while they waited.

Archiving: every ACTIVE enrollment of an ARCHIVED funnel ends EXITED with the reason
ARCHIVED, a batch of ARCHIVE_BATCH at a time (rows locked, SKIP LOCKED: an enrollment a
batch is advancing is taken by the next sweep).

Migrating: the enrollments standing on the version before the current one, when the
current one was saved with a migration (`{old step id: new step id}`, checked at save
time), move to the current version at their mapped step, in one statement per funnel. One
that was waiting at a wait and lands on a wait keeps its wake-up time (a week's wait that
was half over stays half over); any other lands due at once, arriving at its new step (a
wait it lands on starts then). Enrollments on older versions stay where they are."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select, text, update

from domain.uow import UnitOfWork
from funnels.definitions.definition import FunnelDefinition
from funnels.definitions.models import Funnel
from funnels.definitions.queries import version_in
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
       SET version = :to_version,
           step_id = m.new_step,
           waiting = e.waiting AND m.new_is_wait AND m.old_is_wait,
           due_at = CASE WHEN e.waiting AND m.new_is_wait AND m.old_is_wait THEN e.due_at
                         ELSE LEAST(e.due_at, CAST(:now AS timestamptz)) END,
           updated_at = :now
      FROM unnest(CAST(:old_steps AS text[]), CAST(:new_steps AS text[]),
                  CAST(:old_waits AS boolean[]), CAST(:new_waits AS boolean[]))
           AS m(old_step, new_step, old_is_wait, new_is_wait)
     WHERE e.funnel_id = :funnel_id AND e.version = :from_version AND e.status = 'ACTIVE'
       AND e.step_id = m.old_step
""")


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
    uow: UnitOfWork,
    funnel: Funnel,
    current: FunnelDefinition,
    previous: FunnelDefinition,
    now: datetime,
) -> int:
    """Move the previous version's enrollments onto the current one as its migration maps
    them, in the open unit of work; how many moved (0 without a migration)."""
    stored = await version_in(uow, funnel.id, funnel.current_version)
    if stored is None or not stored.migration or funnel.current_version < 2:
        return 0
    pairs = sorted(stored.migration.items())
    found = await uow.execute(
        _MIGRATE,
        {
            "funnel_id": funnel.id,
            "from_version": funnel.current_version - 1,
            "to_version": funnel.current_version,
            "now": now,
            "old_steps": [old for old, _ in pairs],
            "new_steps": [new for _, new in pairs],
            "old_waits": [isinstance(previous.step(old), Wait) for old, _ in pairs],
            "new_waits": [isinstance(current.step(new), Wait) for _, new in pairs],
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
