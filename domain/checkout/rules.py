"""Reading and changing the redemption rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.checkout.quote import RedemptionRules
from domain.checkout.tables import redemption_product_rules, redemption_rules
from domain.commands import Command, run
from domain.errors import ErrorCode, Problems
from domain.limits import MAX_MONEY_MINOR, MAX_POINTS_PER_OPERATION
from domain.program import PROGRAM_ID
from domain.uow import UnitOfWork
from domain.validation import required_text

PRODUCT_KINDS = ("SKU", "LINE")


# The rules and their product rules as one row; checkout reads embed it beside the account.
# The product rules in key order, so that two reads of the same rules give the same text
# (checkout_place_hold compares them).
RULES_COLUMNS = """
    r.points_per_unit, r.value_per_unit_minor, r.min_balance_points, r.min_cart_minor,
    r.max_discount_minor, r.max_discount_bp, r.exclude_discounted, r.earn_on_points_paid,
    (SELECT COALESCE(json_agg(json_build_array(p.kind, p.key, p.payable)
                              ORDER BY p.kind, p.key), '[]'::json)
       FROM redemption_product_rules p) AS product_rules
"""
_RULES = text(f"SELECT {RULES_COLUMNS} FROM redemption_rules r WHERE r.id = :program")


# Product rules removed by (kind, key) pairs in one statement, however many.
_REMOVE_PRODUCT_RULES = text("""
    DELETE FROM redemption_product_rules p
     USING unnest(CAST(:kinds AS text[]), CAST(:keys AS text[])) AS gone(kind, key)
     WHERE p.kind = gone.kind AND p.key = gone.key""")


async def get_rules(uow: UnitOfWork) -> RedemptionRules:
    row = await uow.fetch_row(_RULES, {"program": PROGRAM_ID})
    assert row is not None
    return rules_from(row)


def rules_from(row: Mapping[Any, Any]) -> RedemptionRules:
    """The rules from a row holding RULES_COLUMNS."""
    return RedemptionRules(
        points_per_unit=row["points_per_unit"],
        value_per_unit_minor=row["value_per_unit_minor"],
        min_balance_points=row["min_balance_points"],
        min_cart_minor=row["min_cart_minor"],
        max_discount_minor=row["max_discount_minor"],
        max_discount_bp=row["max_discount_bp"],
        exclude_discounted=row["exclude_discounted"],
        earn_on_points_paid=row["earn_on_points_paid"],
        product_rules={(kind, key): payable for kind, key, payable in row["product_rules"]},
    )


async def current_rules(uow: UnitOfWork) -> RedemptionRules:
    """The redemption rules now (a read of its own)."""
    async with uow:
        return await get_rules(uow)


def _check(problems: Problems, changes: Mapping[str, Any]) -> None:
    """The changed settings' ranges (each setting is checked alone, so the ones left as
    they are, checked when they were set, need no check)."""

    def outside(name: str, low: int, high: int, nullable: bool = False) -> bool:
        if name not in changes or (nullable and changes[name] is None):
            return False
        return not low <= changes[name] <= high

    if outside("points_per_unit", 1, MAX_POINTS_PER_OPERATION):
        problems.add(
            "pointsPerUnit", ErrorCode.OUT_OF_RANGE, f"Between 1 and {MAX_POINTS_PER_OPERATION}."
        )
    if outside("value_per_unit_minor", 1, MAX_MONEY_MINOR):
        problems.add(
            "valuePerUnitMinor", ErrorCode.OUT_OF_RANGE, "A positive amount in minor units."
        )
    if outside("min_balance_points", 0, MAX_POINTS_PER_OPERATION):
        problems.add(
            "minBalancePoints", ErrorCode.OUT_OF_RANGE, f"Between 0 and {MAX_POINTS_PER_OPERATION}."
        )
    if outside("min_cart_minor", 0, MAX_MONEY_MINOR):
        problems.add("minCartMinor", ErrorCode.OUT_OF_RANGE, "Zero or more minor units.")
    if outside("max_discount_minor", 1, MAX_MONEY_MINOR, nullable=True):
        problems.add(
            "maxDiscountMinor",
            ErrorCode.OUT_OF_RANGE,
            "A positive amount in minor units, or null for no cap.",
        )
    if outside("max_discount_bp", 1, 10_000, nullable=True):
        problems.add(
            "maxDiscountBp",
            ErrorCode.OUT_OF_RANGE,
            "Basis points of the cart, 1 to 10000 (100%), or null for no cap.",
        )


async def update_rules(
    uow: UnitOfWork,
    changes: dict[str, Any],
    product_rules: list[tuple[str, str, bool]],
    removed: list[tuple[str, str]],
) -> RedemptionRules:
    """Change the redemption rules and set or remove product rules, all or nothing; every
    problem of the changes is reported at once."""
    problems = Problems()
    products: dict[tuple[str, str], bool] = {}
    for i, (kind, key, payable) in enumerate(product_rules):
        if kind not in PRODUCT_KINDS:
            problems.add(f"productRules.{i}.kind", ErrorCode.INVALID, "SKU or LINE.")
        products[(kind, required_text(problems, f"productRules.{i}.key", key, 100))] = payable
    _check(problems, changes)
    problems.raise_if_any()
    return await run(uow, UpdateRules(changes, products, removed))


@dataclass(frozen=True)
class UpdateRules(Command[RedemptionRules]):
    """The rules' row changed, product rules removed and set; the rules as they are then."""

    changes: dict[str, Any]
    products: dict[tuple[str, str], bool]
    removed: list[tuple[str, str]]

    async def handle(self, uow: UnitOfWork) -> RedemptionRules:
        rules = replace(await get_rules(uow), **self.changes)
        await uow.execute(
            update(redemption_rules)
            .where(redemption_rules.c.id == PROGRAM_ID)
            .values(
                points_per_unit=rules.points_per_unit,
                value_per_unit_minor=rules.value_per_unit_minor,
                min_balance_points=rules.min_balance_points,
                min_cart_minor=rules.min_cart_minor,
                max_discount_minor=rules.max_discount_minor,
                max_discount_bp=rules.max_discount_bp,
                exclude_discounted=rules.exclude_discounted,
                earn_on_points_paid=rules.earn_on_points_paid,
            )
        )
        if self.removed:
            await uow.execute(
                _REMOVE_PRODUCT_RULES,
                {"kinds": [k for k, _ in self.removed], "keys": [key for _, key in self.removed]},
            )
        if self.products:
            statement = pg_insert(redemption_product_rules).values(
                [{"kind": k, "key": key, "payable": v} for (k, key), v in self.products.items()]
            )
            await uow.execute(
                statement.on_conflict_do_update(
                    index_elements=["kind", "key"], set_={"payable": statement.excluded.payable}
                )
            )
        return await get_rules(uow)
