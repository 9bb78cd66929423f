"""Setting and reading the tier rules, and handing hand-set categories back to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert
from sqlalchemy.dialects.postgresql import insert as upsert

from domain.customers.models import CustomerFilter
from domain.customers.repository import categories_by_id
from domain.customers.services import (
    check_selection,
    release_manual_categories,
    selected_customers,
)
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.tiers.evaluation import Move, apply_rules, current_rules, preview_moves
from domain.tiers.models import RungInput, TierMeasure, TierRules, check_rules
from domain.tiers.tables import tier_rules, tier_rungs
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class TierRulesChange:
    rules: TierRules
    moves: list[Move]  # what an evaluation under these rules would move now
    dry_run: bool

    @property
    def moved(self) -> int:
        return sum(m.customers for m in self.moves)


async def set_tier_rules(
    uow: UnitOfWork,
    measure: TierMeasure,
    window_days: int | None,
    rungs: list[RungInput],
    dry_run: bool = False,
    now: datetime | None = None,
) -> TierRulesChange:
    """Replace the whole ladder (no rungs: no rules), all or nothing, and tell how many
    customers an evaluation would move under it now. With `dry_run` nothing is written.
    Customers move at the next evaluation (the daily job, `evaluateTiers`, or
    `tessera evaluate-tiers`), never here."""
    problems = Problems()
    rules = check_rules(problems, measure, window_days, rungs)
    problems.raise_if_any()
    async with uow:
        # The upsert locks the rules row first: concurrent changes take turns.
        await uow.execute(
            upsert(tier_rules)
            .values(id=1, measure=rules.measure.value, window_days=rules.window_days)
            .on_conflict_do_update(
                index_elements=[tier_rules.c.id],
                set_={
                    "measure": rules.measure.value,
                    "window_days": rules.window_days,
                    "updated_at": func.now(),
                },
            )
        )
        wanted = [r.category_id for r in rules.rungs]
        known = await categories_by_id(uow, wanted)
        missing = [i for i, r in enumerate(rungs) if int(r.category_id) not in known]
        if missing:
            raise DomainError(
                Problem(f"rungs.{i}.categoryId", ErrorCode.NOT_FOUND, "No such category.")
                for i in missing
            )
        await uow.execute(delete(tier_rungs))
        if rules.rungs:
            await uow.execute(
                insert(tier_rungs),
                [{"category_id": r.category_id, "threshold": r.threshold} for r in rules.rungs],
            )
        moves = await preview_moves(uow, now or datetime.now(UTC))
        saved = await current_rules(uow)
        if not dry_run:
            await uow.commit()
    return TierRulesChange(saved, moves, dry_run)


async def get_tier_rules(uow: UnitOfWork) -> TierRules:
    """The rules in force; no rungs when none were set."""
    async with uow:
        return await current_rules(uow)


@dataclass(frozen=True)
class OverrideRelease:
    released: int  # customers whose hand-set category was handed back to the rules
    moves: list[Move]  # where the rules then placed them
    first_ids: list[int]  # the first 100 released, by id


async def release_category_override(
    uow: UnitOfWork,
    customer_ids: list[str] | None = None,
    filter: CustomerFilter | None = None,
    now: datetime | None = None,
) -> OverrideRelease:
    """Hand the given customers' categories (by ids, or all matching a filter) back to the
    tier rules and place them by the rules at once, in one transaction (with the rules'
    CategoryChanged events). Customers not set by hand are left as they are."""
    problems = Problems()
    selection = check_selection(problems, customer_ids, filter)
    problems.raise_if_any()
    async with uow:
        selected = await selected_customers(uow, selection)
        released = await release_manual_categories(uow, selected)
        moves = await apply_rules(uow, now or datetime.now(UTC), only=released)
        await uow.commit()
    return OverrideRelease(len(released), moves, sorted(released)[:100])
