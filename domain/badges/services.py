"""Creating, changing and listing badges; every change re-syncs the badges customers hold."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, insert, select, text, update

from domain.badges.models import Badge, BadgeCause, BadgeSpec, badge_of, check_spec
from domain.badges.tables import badges
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import request_digest, require_same, run_once
from domain.ledger.accounts import hold_balance_writes
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text

KEY_CONSTRAINT = "uq_badges_idempotency_key"
# Settings that decide who holds a badge; changing any of them re-syncs every customer.
_HOLDING_FIELDS = ("basis", "min_points", "max_points", "active")


@dataclass(frozen=True)
class BadgeChange:
    """A badge as written, and how many customers unlocked and lost it as a result."""

    badge: Badge
    unlocked: int = 0
    lost: int = 0
    replayed: bool = False


async def create_badge(uow: UnitOfWork, spec: BadgeSpec, idempotency_key: str) -> BadgeChange:
    """Add a badge and give it, in the same transaction, to every customer whose points lie
    in its range (each unlock logged in badge_changes with a BadgeUnlocked event).

    Guarantees: an active badge's range never overlaps another active badge of the same
    basis (BADGE_RANGES_OVERLAP); every problem of the settings is reported at once and
    nothing is written; the same key replayed returns the first badge (replayed) and writes
    nothing, with other settings it is an IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    clean = check_spec(problems, spec)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    digest = request_digest(clean)

    async def attempt() -> BadgeChange:
        await _lock_badges(uow)
        replayed = await _replay(uow, key, digest)
        if replayed is not None:
            return replayed
        await _hold_balances(uow)
        if clean.active:
            await _refuse_overlap(uow, clean, None)
        row = (
            await uow.execute(
                insert(badges)
                .values(**clean.columns(), idempotency_key=key, request_digest=digest)
                .returning(badges)
            )
        ).one()
        unlocked, lost = await sync_holders(uow, row.id)
        return BadgeChange(badge_of(row), unlocked, lost)

    return await run_once(uow, attempt, lambda: _replay(uow, key, digest), {KEY_CONSTRAINT})


async def update_badge(uow: UnitOfWork, badge_id: str, changes: dict[str, Any]) -> BadgeChange:
    """Change some of a badge's settings (the others stay as they are), all or nothing;
    `active: False` deactivates it. When its range, basis or activity changed, every
    customer is re-synced in the same transaction: those now in range unlock it, those out
    of it (all holders, for a deactivation) lose it, each change logged with its event.

    Guarantees: as create_badge's for the settings; the history of past changes stays."""
    problems = Problems()
    bid = parse_id(problems, "id", badge_id)
    problems.raise_if_any()
    resync = any(name in changes for name in _HOLDING_FIELDS)
    async with uow:
        await _lock_badges(uow)
        row = (await uow.execute(select(badges).where(badges.c.id == bid))).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such badge.")
        clean = check_spec(problems, replace(badge_of(row).spec, **changes))
        problems.raise_if_any()
        if resync:
            await _hold_balances(uow)
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
        unlocked, lost = await sync_holders(uow, bid) if resync else (0, 0)
        await uow.commit()
    return BadgeChange(badge_of(row), unlocked, lost)


async def list_badges(uow: UnitOfWork, active_only: bool = False) -> list[Badge]:
    """Every badge, by basis then from the lowest range up."""
    query = select(badges).order_by(badges.c.basis, badges.c.min_points, badges.c.id)
    if active_only:
        query = query.where(badges.c.active)
    async with uow:
        return [badge_of(row) for row in await uow.execute(query)]


async def sync_holders(uow: UnitOfWork, badge_id: int) -> tuple[int, int]:
    """Re-sync who holds the badge with every customer's points, in one set-based statement
    (the SQL function the balance trigger runs for one customer); (unlocked, lost). Call it
    under `_lock_badges` and `_hold_balances`."""
    params = {"badge": badge_id, "cause": BadgeCause.BADGE.value}
    row = (await uow.execute(_SYNC_HOLDERS, params)).one()
    return int(row.unlocked), int(row.lost)


_SYNC_HOLDERS = text("SELECT unlocked, lost FROM sync_badges(NULL, :badge, :cause)")


async def _lock_badges(uow: UnitOfWork) -> None:
    """Badge changes one at a time, so the overlap check sees every other badge. Balance
    writes only read badges, which SHARE ROW EXCLUSIVE allows."""
    await uow.execute(text("LOCK TABLE badges IN SHARE ROW EXCLUSIVE MODE"))


async def _hold_balances(uow: UnitOfWork) -> None:
    """No balance change until this transaction ends (taken after `_lock_badges`, always in
    that order, so badge changes cannot deadlock with each other or with balance writes).

    A balance change syncs its customer against the badges it reads, so a re-sync must not
    run beside one: it would miss a balance committed after it read the balances, and that
    change would have been synced against the old badge. SHARE on point_accounts waits for
    the balance writes under way and holds off new ones (they queue, they do not fail) for
    the length of the re-sync; plain reads are not blocked."""
    await hold_balance_writes(uow)


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
