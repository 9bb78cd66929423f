"""Reading and changing the earning rule and per-product overrides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_MONEY_MINOR, MAX_POINTS_PER_OPERATION
from domain.program import PROGRAM_ID
from domain.promotions.sql import PROMOTIONS_IN_FORCE
from domain.purchases.earning import (
    EarningRule,
    Line,
    OverrideMode,
    Overrides,
    PromotionTerms,
    PurchaseStatus,
)
from domain.purchases.tables import (
    earning_rules,
    product_earning_overrides,
    product_line_earning_overrides,
)
from domain.uow import UnitOfWork
from domain.validation import required_text

# What the rules say about a purchase's lines beyond the global rule: the overrides of its
# SKUs (:skus) and product lines (:product_lines), and the promotions in force at its time
# (:occurred_at) on its channel (:channel) that cover one of its lines. Earning reads embed
# it beside the customer.
TERMS_COLUMNS = f"""
    (SELECT COALESCE(json_agg(json_build_array(o.sku, o.mode, o.value)), '[]'::json)
       FROM product_earning_overrides o WHERE o.sku = ANY(:skus)) AS overrides,
    (SELECT COALESCE(json_agg(json_build_array(o.product_line, o.mode, o.value)), '[]'::json)
       FROM product_line_earning_overrides o
      WHERE o.product_line = ANY(:product_lines)) AS line_overrides,
    {PROMOTIONS_IN_FORCE} AS promotions
"""
_TERMS = text(f"SELECT {TERMS_COLUMNS}")


@dataclass(frozen=True)
class EarningTerms:
    """The overrides and promotions that apply to one purchase's lines."""

    overrides: dict[str, tuple[OverrideMode, int]]
    line_overrides: dict[str, tuple[OverrideMode, int]]
    promotions: tuple[PromotionTerms, ...]


def terms_params(lines: Sequence[Line], channel: str, occurred_at: datetime) -> dict[str, Any]:
    """The bind parameters of TERMS_COLUMNS for these lines, channel and time."""
    return {
        "skus": sorted({ln.sku for ln in lines}),
        "product_lines": sorted({ln.product_line for ln in lines if ln.product_line}),
        "channel": channel,
        "occurred_at": occurred_at,
    }


def terms_from(row: Mapping[Any, Any]) -> EarningTerms:
    """The terms from a row holding TERMS_COLUMNS."""
    return EarningTerms(
        overrides={sku: (OverrideMode(m), int(v)) for sku, m, v in row["overrides"]},
        line_overrides={ln: (OverrideMode(m), int(v)) for ln, m, v in row["line_overrides"]},
        promotions=tuple(
            PromotionTerms(int(pid), Decimal(multiplier), tuple(lines))
            for pid, multiplier, lines in row["promotions"]
        ),
    )


async def terms_for(
    uow: UnitOfWork, lines: Sequence[Line], channel: str, occurred_at: datetime
) -> EarningTerms:
    row = await uow.fetch_row(_TERMS, terms_params(lines, channel, occurred_at))
    assert row is not None
    return terms_from(row)


async def get_rule(uow: UnitOfWork) -> EarningRule:
    row = (await uow.execute(select(earning_rules).where(earning_rules.c.id == PROGRAM_ID))).one()
    return EarningRule(
        points_per_unit=row.points_per_unit,
        spend_unit_minor=row.spend_unit_minor,
        award_status=PurchaseStatus(row.award_status),
        min_order_minor=row.min_order_minor,
        exclude_discounted=row.exclude_discounted,
    )


async def all_overrides(
    uow: UnitOfWork, table: Table = product_earning_overrides
) -> dict[str, tuple[OverrideMode, int]]:
    """Every override by SKU (or, given product_line_earning_overrides, by product line)."""
    key = table.c[_KEYS[table.name]]
    rows = await uow.execute(select(key, table.c.mode, table.c.value).order_by(key))
    return {row[0]: (OverrideMode(row.mode), row.value) for row in rows}


_KEYS = {"product_earning_overrides": "sku", "product_line_earning_overrides": "product_line"}


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


def check_override(
    problems: Problems, field: str, key: str, mode: OverrideMode, value: int, key_field: str = "sku"
) -> str:
    """The cleaned key (a SKU, or a product line) of a valid override."""
    clean = required_text(problems, f"{field}.{key_field}", key, 100)
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
    uow: UnitOfWork,
    upserts: Overrides,
    removals: Sequence[str],
    table: Table = product_earning_overrides,
) -> None:
    """Set and remove overrides by SKU (or by product line, in that table)."""
    key = _KEYS[table.name]
    if removals:
        await uow.execute(delete(table).where(table.c[key].in_(list(removals))))
    if upserts:
        statement = pg_insert(table).values(
            [{key: k, "mode": mode.value, "value": value} for k, (mode, value) in upserts.items()]
        )
        await uow.execute(
            statement.on_conflict_do_update(
                index_elements=[key],
                set_={"mode": statement.excluded.mode, "value": statement.excluded.value},
            )
        )


@dataclass(frozen=True)
class EarningRulesView:
    """The global rule and every override, by SKU and by product line."""

    rule: EarningRule
    overrides: dict[str, tuple[OverrideMode, int]]
    line_overrides: dict[str, tuple[OverrideMode, int]]


async def earning_rules_view(uow: UnitOfWork) -> EarningRulesView:
    async with uow:
        return EarningRulesView(
            await get_rule(uow),
            await all_overrides(uow),
            await all_overrides(uow, product_line_earning_overrides),
        )


@dataclass(frozen=True)
class OverrideChanges:
    """Overrides to set, as (key, mode, value), and keys to remove: by SKU, by line."""

    overrides: list[tuple[str, Any, int]]
    removed_skus: list[str]
    line_overrides: list[tuple[str, Any, int]] = field(default_factory=list)
    removed_lines: list[str] = field(default_factory=list)


async def update_earning_rules(
    uow: UnitOfWork, changes: dict[str, Any], overrides: OverrideChanges
) -> EarningRulesView:
    """Change the global earning rule and set or remove overrides by SKU and by product
    line, all or nothing.

    Only purchases awarded after the change use the new rule; earlier ones keep their
    snapshot (so their refunds reverse exactly what they earned)."""
    async with uow:
        current = await get_rule(uow)
        rule = replace(current, **changes)
        problems = Problems()
        check_rule(problems, rule)
        by_sku = {
            check_override(problems, f"productOverrides.{i}", sku, mode, value): (mode, value)
            for i, (sku, mode, value) in enumerate(overrides.overrides)
        }
        by_line = {
            check_override(
                problems, f"productLineOverrides.{i}", line, mode, value, "productLine"
            ): (mode, value)
            for i, (line, mode, value) in enumerate(overrides.line_overrides)
        }
        problems.raise_if_any()
        await save_rule(uow, rule)
        await save_overrides(uow, by_sku, overrides.removed_skus)
        await save_overrides(uow, by_line, overrides.removed_lines, product_line_earning_overrides)
        result = EarningRulesView(
            rule,
            await all_overrides(uow),
            await all_overrides(uow, product_line_earning_overrides),
        )
        await uow.commit()
    return result
