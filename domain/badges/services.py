"""Creating, changing and listing badges; a change of who holds a badge re-syncs its
holders after the badge is committed (domain/badges/resync.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, insert, select, text, update

from domain.badges.models import Badge, BadgeSpec, badge_of, check_spec
from domain.badges.resync import ResyncProgress, resync_badge, start_resync
from domain.badges.tables import badges
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import request_digest, require_same
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text

KEY_CONSTRAINT = "uq_badges_idempotency_key"
# Settings that decide who holds a badge; changing any of them re-syncs every customer.
_HOLDING_FIELDS = ("basis", "min_points", "max_points", "active")


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handover:
    """Where a re-sync too large for the request goes on: the change re-syncs customers
    itself for `inline_s` seconds (whole chunks; None: no time limit) and at most
    `inline_customers` of them (None: no such limit), then `send(badge_id, generation)`
    hands the rest over (a worker's job, which continues from there)."""

    send: Callable[[int, int], Awaitable[None]]
    inline_s: float | None = 1.0
    inline_customers: int | None = None


@dataclass(frozen=True)
class BadgeChange:
    """A badge as written, how many customers unlocked and lost it as a result so far (all
    of them once `resync` is finished), and the re-sync the change started (None when the
    change did not touch who holds it, or for a replay)."""

    badge: Badge
    unlocked: int = 0
    lost: int = 0
    replayed: bool = False
    resync: ResyncProgress | None = None


async def create_badge(
    uow: UnitOfWork, spec: BadgeSpec, idempotency_key: str, handover: Handover | None = None
) -> BadgeChange:
    """Add a badge, then give it to every customer whose points lie in its range (each
    unlock logged in badge_changes with a BadgeUnlocked event): the badge commits first,
    then its re-sync runs a chunk of customers at a time without holding balance writes
    back (to the end here without a `handover`, else up to its bound, then handed over).

    Guarantees: an active badge's range never overlaps another active badge of the same
    basis (BADGE_RANGES_OVERLAP); every problem of the settings is reported at once and
    nothing is written; the same key replayed returns the first badge (replayed) and writes
    nothing, with other settings it is an IDEMPOTENCY_CONFLICT; once the re-sync has
    finished every customer holds the badge exactly when their points lie in its range."""
    problems = Problems()
    clean = check_spec(problems, spec)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    change = await run(uow, CreateBadge(clean, key, request_digest(clean)))
    return await _resync(uow, change, handover)


@dataclass(frozen=True)
class CreateBadge(Command[BadgeChange]):
    """Badge changes one at a time (the table's lock), the key's check, the overlap check,
    then the badge and the start of its re-sync."""

    spec: BadgeSpec
    key: str
    digest: str

    key_constraints = (KEY_CONSTRAINT,)

    async def handle(self, uow: UnitOfWork) -> BadgeChange:
        await _lock_badges(uow)
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        if self.spec.active:
            await _refuse_overlap(uow, self.spec, None)
        row = (
            await uow.execute(
                insert(badges)
                .values(**self.spec.columns(), idempotency_key=self.key, request_digest=self.digest)
                .returning(badges)
            )
        ).one()
        generation = await start_resync(uow, row.id)
        return BadgeChange(badge_of(row), resync=_just_started(row.id, generation, row))

    async def replay(self, uow: UnitOfWork) -> BadgeChange | None:
        return await _replay(uow, self.key, self.digest)


async def update_badge(
    uow: UnitOfWork, badge_id: str, changes: dict[str, Any], handover: Handover | None = None
) -> BadgeChange:
    """Change some of a badge's settings (the others stay as they are), all or nothing;
    `active: False` deactivates it. When its range, basis or activity changed, the badge
    commits, then every customer is re-synced as for create_badge: those now in range
    unlock it, those out of it (all holders, for a deactivation) lose it, each change logged
    with its event. A later change of the same badge supersedes this one's re-sync.

    Guarantees: as create_badge's for the settings; the history of past changes stays."""
    problems = Problems()
    bid = parse_id(problems, "id", badge_id)
    problems.raise_if_any()
    change = await run(uow, UpdateBadge(bid, changes))
    return await _resync(uow, change, handover)


@dataclass(frozen=True)
class UpdateBadge(Command[BadgeChange]):
    """Under the badges' lock: the badge's settings merged with the changes and checked,
    the overlap check, the badge written, and a re-sync started when who holds it changed."""

    badge_id: int
    changes: dict[str, Any]

    async def handle(self, uow: UnitOfWork) -> BadgeChange:
        await _lock_badges(uow)
        bid = self.badge_id
        row = (await uow.execute(select(badges).where(badges.c.id == bid))).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such badge.")
        problems = Problems()
        clean = check_spec(problems, replace(badge_of(row).spec, **self.changes))
        problems.raise_if_any()
        if clean.active:
            await _refuse_overlap(uow, clean, bid)
        row = (
            await uow.execute(
                update(badges)
                .where(badges.c.id == bid)
                .values(**clean.columns(), updated_at=func.now())
                .returning(badges)
            )
        ).one()
        resync = any(name in self.changes for name in _HOLDING_FIELDS)
        started = _just_started(bid, await start_resync(uow, bid), row) if resync else None
        return BadgeChange(badge_of(row), resync=started)


async def list_badges(uow: UnitOfWork, active_only: bool = False) -> list[Badge]:
    """Every badge, by basis then from the lowest range up."""
    query = select(badges).order_by(badges.c.basis, badges.c.min_points, badges.c.id)
    if active_only:
        query = query.where(badges.c.active)
    async with uow:
        return [badge_of(row) for row in await uow.execute(query)]


async def badges_by_id(uow: UnitOfWork, badge_ids: Sequence[int]) -> dict[int, Badge]:
    """The badges that exist among `badge_ids`, in the open unit of work (one query)."""
    query = select(badges).where(badges.c.id.in_(sorted(set(badge_ids))))
    return {row.id: badge_of(row) for row in await uow.execute(query)}


async def _resync(uow: UnitOfWork, change: BadgeChange, handover: Handover | None) -> BadgeChange:
    """After the change committed: run the re-sync it started, all of it without a
    handover, else up to the handover's bound, then hand the rest over."""
    started = change.resync
    if started is None:
        return change
    if handover is None:
        progress = await resync_badge(uow, started.badge_id, started.generation)
    else:
        progress = await resync_badge(
            uow,
            started.badge_id,
            started.generation,
            max_customers=handover.inline_customers,
            max_s=handover.inline_s,
        )
        if progress is not None and not (progress.finished or progress.superseded):
            try:
                await handover.send(started.badge_id, started.generation)
            except Exception:  # the change is committed; the periodic sweep continues it
                logger.exception("could not hand the re-sync of badge %s over", started.badge_id)
    if progress is None:  # pragma: no cover - the row was written with the badge
        return change
    return replace(change, unlocked=progress.unlocked, lost=progress.lost, resync=progress)


def _just_started(badge_id: int, generation: int, row: Any) -> ResyncProgress:
    return ResyncProgress(badge_id, generation, 0, 0, 0, 0, row.updated_at, None, False)


async def _lock_badges(uow: UnitOfWork) -> None:
    """Badge changes one at a time, so the overlap check sees every other badge. Balance
    writes only read badges, which SHARE ROW EXCLUSIVE allows; re-sync chunks do not touch
    the table (their progress lives in badge_resyncs), so they do not wait for it either."""
    await uow.execute(text("LOCK TABLE badges IN SHARE ROW EXCLUSIVE MODE"))


async def _refuse_overlap(uow: UnitOfWork, spec: BadgeSpec, badge_id: int | None) -> None:
    query = (
        select(badges)
        .where(badges.c.active, badges.c.basis == spec.basis.value)
        .order_by(badges.c.min_points, badges.c.id)
    )
    if badge_id is not None:
        query = query.where(badges.c.id != badge_id)
    for other in (badge_of(row) for row in await uow.execute(query)):
        if spec.overlaps(other.spec):
            top = other.spec.max_points
            span = (
                f"{other.spec.min_points}-{top}" if top is not None else f"{other.spec.min_points}+"
            )
            field = "minPoints" if other.spec.covers(spec.min_points) else "maxPoints"
            raise DomainError.one(
                field,
                ErrorCode.BADGE_RANGES_OVERLAP,
                f"The range overlaps the {spec.basis} badge '{other.spec.title}' ({span}).",
            )


async def _replay(uow: UnitOfWork, key: str, digest: str) -> BadgeChange | None:
    """The badge first created under `key` (as it is now), if any."""
    row = (await uow.execute(select(badges).where(badges.c.idempotency_key == key))).one_or_none()
    if row is None:
        return None
    require_same(row.request_digest, digest, "badge")
    return BadgeChange(badge_of(row), replayed=True)
