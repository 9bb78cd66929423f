"""Reading and changing the earning rule and per-product overrides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_MONEY_MINOR, MAX_POINTS_PER_OPERATION
from domain.purchases.earning import EarningRule, OverrideMode, PurchaseStatus
from domain.purchases.tables import earning_rules, product_earning_overrides
from domain.uow import UnitOfWork
from domain.validation import required_text

PROGRAM_ID = 1


async def get_rule(uow: UnitOfWork) -> EarningRule:
    row = (await uow.execute(select(earning_rules).where(earning_rules.c.id == PROGRAM_ID))).one()
    return EarningRule(
        points_per_unit=row.points_per_unit,
        spend_unit_minor=row.spend_unit_minor,
        award_status=PurchaseStatus(row.award_status),
        min_order_minor=row.min_order_minor,
        exclude_discounted=row.exclude_discounted,
    )


async def overrides_for(
    uow: UnitOfWork, skus: Sequence[str]
) -> dict[str, tuple[OverrideMode, int]]:
    rows = await uow.execute(
        select(product_earning_overrides).where(product_earning_overrides.c.sku.in_(list(skus)))
    )
    return {row.sku: (OverrideMode(row.mode), row.value) for row in rows}


async def all_overrides(uow: UnitOfWork) -> dict[str, tuple[OverrideMode, int]]:
    rows = await uow.execute(
        select(product_earning_overrides).order_by(product_earning_overrides.c.sku)
    )
    return {row.sku: (OverrideMode(row.mode), row.value) for row in rows}


def check_rule(problems: Problems, rule: EarningRule) -> None:
    if not 0 <= rule.points_per_unit <= MAX_POINTS_PER_OPERATION:
        problems.add(
            "pointsPerUnit", ErrorCode.OUT_OF_RANGE, f"Between 0 and {MAX_POINTS_PER_OPERATION}."
        )
    if not 0 < rule.spend_unit_minor <= MAX_MONEY_MINOR:
        problems.add(
            "spendUnitMinor",
            ErrorCode.OUT_OF_RANGE,
            "The spend unit is a positive amount in minor units.",
        )
    if not 0 <= rule.min_order_minor <= MAX_MONEY_MINOR:
        problems.add(
            "minOrderMinor",
            ErrorCode.OUT_OF_RANGE,
            "The minimum order is zero or a positive amount in minor units.",
        )


def check_override(problems: Problems, field: str, sku: str, mode: OverrideMode, value: int) -> str:
    clean = required_text(problems, f"{field}.sku", sku, 100)
    if mode is OverrideMode.EXCLUDED and value != 0:
        problems.add(f"{field}.value", ErrorCode.INVALID, "An excluded product has no value.")
    elif mode is OverrideMode.PERCENT and not 0 < value <= 1_000_000:
        problems.add(
            f"{field}.value",
            ErrorCode.OUT_OF_RANGE,
            "A percentage is given in basis points, 1 to 1000000 (0.01% to 10000%).",
        )
    elif mode is OverrideMode.FIXED_PER_UNIT and not 0 < value <= MAX_POINTS_PER_OPERATION:
        problems.add(
            f"{field}.value",
            ErrorCode.OUT_OF_RANGE,
            f"Fixed points per unit are 1 to {MAX_POINTS_PER_OPERATION}.",
        )
    return clean


async def save_rule(uow: UnitOfWork, rule: EarningRule) -> None:
    await uow.execute(
        update(earning_rules)
        .where(earning_rules.c.id == PROGRAM_ID)
        .values(
            points_per_unit=rule.points_per_unit,
            spend_unit_minor=rule.spend_unit_minor,
            award_status=rule.award_status.value,
            min_order_minor=rule.min_order_minor,
            exclude_discounted=rule.exclude_discounted,
        )
    )


async def save_overrides(
    uow: UnitOfWork, upserts: dict[str, tuple[OverrideMode, int]], removals: Sequence[str]
) -> None:
    if removals:
        await uow.execute(
            delete(product_earning_overrides).where(
                product_earning_overrides.c.sku.in_(list(removals))
            )
        )
    if upserts:
        statement = pg_insert(product_earning_overrides).values(
            [
                {"sku": sku, "mode": mode.value, "value": value}
                for sku, (mode, value) in upserts.items()
            ]
        )
        await uow.execute(
            statement.on_conflict_do_update(
                index_elements=["sku"],
                set_={"mode": statement.excluded.mode, "value": statement.excluded.value},
            )
        )


async def update_earning_rules(
    uow: UnitOfWork,
    changes: dict[str, Any],
    overrides: list[tuple[str, Any, int]],
    removed_skus: list[str],
) -> tuple[EarningRule, dict[str, tuple[OverrideMode, int]]]:
    """Change the global earning rule and set or remove per-product overrides.

    Only purchases awarded after the change use the new rule; earlier ones keep their
    snapshot (so their refunds reverse exactly what they earned)."""
    async with uow:
        current = await get_rule(uow)
        rule = replace(current, **changes)
        problems = Problems()
        check_rule(problems, rule)
        upserts = {
            check_override(problems, f"productOverrides.{i}", sku, mode, value): (mode, value)
            for i, (sku, mode, value) in enumerate(overrides)
        }
        problems.raise_if_any()
        await save_rule(uow, rule)
        await save_overrides(uow, upserts, removed_skus)
        result = (rule, await all_overrides(uow))
        await uow.commit()
    return result
