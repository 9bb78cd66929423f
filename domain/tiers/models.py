"""Tier rules as a manager sets them, and the checks on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_MONEY_MINOR
from domain.validation import parse_id

MAX_RUNGS = 50
MAX_WINDOW_DAYS = 3660


class TierMeasure(StrEnum):
    # Totals of the purchases reported PAID or COMPLETED, minus what was refunded of them.
    LIFETIME_SPEND = "LIFETIME_SPEND"
    # Points earned in the last window_days days: credits that count as earning (purchases,
    # actions, gifts, manual credits; not give-backs nor reversals of debits), minus refund
    # take-backs and reversals of such credits.
    POINTS_EARNED = "POINTS_EARNED"


@dataclass(frozen=True)
class TierRung:
    category_id: int
    threshold: int


@dataclass(frozen=True)
class TierRules:
    """The ladder: a customer belongs in the category of the highest rung whose threshold
    their measure reaches. No rungs: no rules (categories change by hand only)."""

    measure: TierMeasure
    window_days: int | None
    rungs: tuple[TierRung, ...]  # lowest threshold first; the lowest is 0
    updated_at: datetime | None = None


NO_RULES = TierRules(TierMeasure.LIFETIME_SPEND, None, ())


@dataclass(frozen=True)
class RungInput:
    category_id: str
    threshold: int


def check_rules(
    problems: Problems, measure: TierMeasure, window_days: int | None, rungs: list[RungInput]
) -> TierRules:
    """Every problem of a ladder at once; the checked rules, rungs lowest first."""
    if measure is TierMeasure.POINTS_EARNED:
        if window_days is None:
            problems.add("windowDays", ErrorCode.REQUIRED, "POINTS_EARNED needs a window.")
        elif not 0 < window_days <= MAX_WINDOW_DAYS:
            problems.add("windowDays", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_WINDOW_DAYS} days.")
    elif window_days is not None:
        problems.add("windowDays", ErrorCode.INVALID, "Only POINTS_EARNED has a window.")
    if len(rungs) > MAX_RUNGS:
        problems.add("rungs", ErrorCode.OUT_OF_RANGE, f"At most {MAX_RUNGS} rungs.")
    checked: list[TierRung] = []
    categories: set[int] = set()
    thresholds: set[int] = set()
    for i, rung in enumerate(rungs[:MAX_RUNGS]):
        category = parse_id(problems, f"rungs.{i}.categoryId", rung.category_id)
        if category in categories:
            problems.add(f"rungs.{i}.categoryId", ErrorCode.DUPLICATE, "One rung per category.")
        if rung.threshold in thresholds:
            problems.add(f"rungs.{i}.threshold", ErrorCode.DUPLICATE, "Thresholds must differ.")
        if not 0 <= rung.threshold <= MAX_MONEY_MINOR:
            problems.add(f"rungs.{i}.threshold", ErrorCode.OUT_OF_RANGE, "0 to 10^15.")
        categories.add(category)
        thresholds.add(rung.threshold)
        checked.append(TierRung(category, rung.threshold))
    if rungs and 0 not in thresholds:
        problems.add(
            "rungs",
            ErrorCode.INVALID,
            "The lowest rung's threshold must be 0, so that every customer has a category.",
        )
    return TierRules(
        measure,
        window_days if measure is TierMeasure.POINTS_EARNED else None,
        tuple(sorted(checked, key=lambda r: r.threshold)),
    )
