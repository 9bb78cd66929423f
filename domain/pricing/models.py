"""Price rules as the program holds them, and the checks on what a manager sets.

One mechanism covers conditional discounts (a percentage or an amount off each unit) and
member prices (a fixed unit price): what it does (`effect`), on which products (`scope`),
for whom (`condition`: badges held, a category or a saved segment) and when (`valid_from`,
`valid_until`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_MONEY_MINOR
from domain.validation import check_window, parse_id, required_text

MAX_BP = 10_000  # 100%
MAX_KEYS = 500  # SKUs, product lines, badges or categories one rule names


class PriceEffect(StrEnum):
    PERCENT = "PERCENT"  # percent_bp basis points off each unit, rounded down
    AMOUNT_OFF = "AMOUNT_OFF"  # amount_off_minor off each unit, never below zero
    MEMBER_PRICE = "MEMBER_PRICE"  # the unit price is member_price_minor


class PriceScope(StrEnum):
    ALL = "ALL"
    SKUS = "SKUS"
    PRODUCT_LINES = "PRODUCT_LINES"


class PriceCondition(StrEnum):
    NONE = "NONE"  # every customer
    ANY_BADGE = "ANY_BADGE"  # holds at least one of badge_ids
    ALL_BADGES = "ALL_BADGES"  # holds every one of badge_ids
    CATEGORY = "CATEGORY"  # belongs to one of category_ids
    SEGMENT = "SEGMENT"  # is in the saved segment `segment` at pricing time


_VALUE_FIELD = {
    PriceEffect.PERCENT: "percentBp",
    PriceEffect.AMOUNT_OFF: "amountOffMinor",
    PriceEffect.MEMBER_PRICE: "memberPriceMinor",
}


@dataclass(frozen=True)
class PriceRuleSpec:
    """What a manager sets on a rule; the one value its effect uses is set, the others None."""

    name: str
    effect: PriceEffect
    percent_bp: int | None = None
    amount_off_minor: int | None = None
    member_price_minor: int | None = None
    scope: PriceScope = PriceScope.ALL
    skus: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    condition: PriceCondition = PriceCondition.NONE
    # Ids as the API gives them (strings) until check_spec parses them; ints after.
    badge_ids: tuple[int | str, ...] = ()
    category_ids: tuple[int | str, ...] = ()
    # The name of a saved segment (funnels/segments) the customer must be in.
    segment: str | None = None
    include_discounted: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    active: bool = True

    def columns(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "effect": self.effect.value,
            "percent_bp": self.percent_bp,
            "amount_off_minor": self.amount_off_minor,
            "member_price_minor": self.member_price_minor,
            "scope": self.scope.value,
            "skus": list(self.skus),
            "product_lines": list(self.product_lines),
            "condition": self.condition.value,
            "badge_ids": list(self.badge_ids),
            "category_ids": list(self.category_ids),
            "segment": self.segment,
            "include_discounted": self.include_discounted,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "active": self.active,
        }


@dataclass(frozen=True)
class PriceRule:
    id: int
    spec: PriceRuleSpec
    created_at: datetime
    updated_at: datetime


def price_rule_of(row: Any) -> PriceRule:
    spec = PriceRuleSpec(
        name=row.name,
        effect=PriceEffect(row.effect),
        percent_bp=row.percent_bp,
        amount_off_minor=row.amount_off_minor,
        member_price_minor=row.member_price_minor,
        scope=PriceScope(row.scope),
        skus=tuple(row.skus),
        product_lines=tuple(row.product_lines),
        condition=PriceCondition(row.condition),
        badge_ids=tuple(row.badge_ids),
        category_ids=tuple(row.category_ids),
        segment=row.segment,
        include_discounted=row.include_discounted,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        active=row.active,
    )
    return PriceRule(row.id, spec, row.created_at, row.updated_at)


def check_spec(problems: Problems, spec: PriceRuleSpec) -> PriceRuleSpec:
    """Every problem of a rule's settings at once (whether its badges, categories and saved
    segment exist aside: the service checks that); the cleaned settings."""
    name = required_text(problems, "name", spec.name)
    _check_value(problems, spec)
    skus = _keys(problems, "skus", spec.skus, spec.scope is PriceScope.SKUS)
    lines = _keys(
        problems, "productLines", spec.product_lines, spec.scope is PriceScope.PRODUCT_LINES
    )
    by_badges = spec.condition in (PriceCondition.ANY_BADGE, PriceCondition.ALL_BADGES)
    badge_ids = _ids(problems, "badgeIds", spec.badge_ids, by_badges)
    category_ids = _ids(
        problems, "categoryIds", spec.category_ids, spec.condition is PriceCondition.CATEGORY
    )
    segment = _segment(problems, spec.segment, spec.condition is PriceCondition.SEGMENT)
    check_window(problems, ("validFrom", spec.valid_from), ("validUntil", spec.valid_until))
    return replace(
        spec,
        name=name,
        skus=skus,
        product_lines=lines,
        badge_ids=badge_ids,
        category_ids=category_ids,
        segment=segment,
    )


def _check_value(problems: Problems, spec: PriceRuleSpec) -> None:
    """The one value the effect uses, in its range; the others left out."""
    needed = _VALUE_FIELD[spec.effect]
    given = {
        "percentBp": spec.percent_bp,
        "amountOffMinor": spec.amount_off_minor,
        "memberPriceMinor": spec.member_price_minor,
    }
    for name, value in given.items():
        if name != needed and value is not None:
            problems.add(name, ErrorCode.INVALID, f"A {spec.effect} rule sets {needed} only.")
    value = given[needed]
    if value is None:
        problems.add(needed, ErrorCode.REQUIRED, f"A {spec.effect} rule needs {needed}.")
    elif spec.effect is PriceEffect.PERCENT and not 0 < value <= MAX_BP:
        problems.add(needed, ErrorCode.OUT_OF_RANGE, f"1 to {MAX_BP} basis points (at most 100%).")
    elif spec.effect is PriceEffect.AMOUNT_OFF and not 0 < value <= MAX_MONEY_MINOR:
        problems.add(needed, ErrorCode.OUT_OF_RANGE, f"1 to {MAX_MONEY_MINOR} minor units.")
    elif spec.effect is PriceEffect.MEMBER_PRICE and not 0 <= value <= MAX_MONEY_MINOR:
        problems.add(needed, ErrorCode.OUT_OF_RANGE, f"0 to {MAX_MONEY_MINOR} minor units.")


def _keys(problems: Problems, field: str, values: tuple[str, ...], wanted: bool) -> tuple[str, ...]:
    """SKUs or product lines: stripped, distinct, in the order given; required when the
    scope names them, refused otherwise."""
    if not wanted:
        if values:
            problems.add(field, ErrorCode.INVALID, f"Only a rule scoped to {field} lists them.")
        return ()
    clean: list[str] = []
    for i, value in enumerate(values[:MAX_KEYS]):
        key = required_text(problems, f"{field}.{i}", value, 100)
        if key and key not in clean:
            clean.append(key)
    _count(problems, field, len(values))
    return tuple(clean)


def _ids(
    problems: Problems, field: str, values: tuple[int | str, ...], wanted: bool
) -> tuple[int | str, ...]:
    """Badge or category ids, parsed: distinct, in the order given; required when the
    condition names them, refused otherwise."""
    if not wanted:
        if values:
            problems.add(
                field, ErrorCode.INVALID, f"Only a rule conditioned on them lists {field}."
            )
        return ()
    _count(problems, field, len(values))
    parsed = [parse_id(problems, f"{field}.{i}", raw) for i, raw in enumerate(values[:MAX_KEYS])]
    return tuple(dict.fromkeys(parsed))


def _segment(problems: Problems, name: str | None, wanted: bool) -> str | None:
    """A saved segment's name, stripped: required by a SEGMENT rule, refused otherwise."""
    if not wanted:
        if name is not None:
            problems.add("segment", ErrorCode.INVALID, "Only a SEGMENT rule names a segment.")
        return None
    return required_text(problems, "segment", name, 100) or None


def _count(problems: Problems, field: str, count: int) -> None:
    if count == 0:
        problems.add(field, ErrorCode.REQUIRED, f"List at least one in {field}.")
    elif count > MAX_KEYS:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {MAX_KEYS}.")
