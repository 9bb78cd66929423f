"""Gift schedules as a manager sets them, their runs, and the checks on their settings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from domain.customers.models import CustomerFilter
from domain.customers.repository import filter_conditions
from domain.customers.validation import filter_criteria
from domain.errors import ErrorCode, Problems
from domain.gifts import cron
from domain.limits import MAX_NOTE_LENGTH, MAX_POINTS_PER_OPERATION
from domain.validation import check_window, optional_text, parse_id, required_text

MAX_FILTER_CATEGORIES = 100


@dataclass(frozen=True)
class GiftFilter:
    """Which customers a gift goes to; every given criterion must match. `category_ids`:
    any of them; balances inclusive; registered after (inclusive) / before (exclusive)."""

    category_ids: tuple[str, ...] | None = None
    min_balance: int | None = None
    max_balance: int | None = None
    registered_after: datetime | None = None
    registered_before: datetime | None = None
    # The name of a saved segment the customers must also be in (funnels/segments).
    segment: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The customers' filter conditions (customers.repository.filtered_ids) of a
        checked filter."""
        return filter_conditions(
            category_id=None,
            min_balance=self.min_balance,
            max_balance=self.max_balance,
            search=None,
            category_ids=[int(c) for c in self.category_ids or ()],
            registered_after=self.registered_after,
            registered_before=self.registered_before,
        )


@dataclass(frozen=True)
class GiftScheduleSpec:
    """What a manager sets: every matching customer gets `points` with `description` as the
    entry's note at each fire time of `cron` (five crontab fields, UTC)."""

    name: str
    cron: str
    points: int
    description: str
    filter: GiftFilter = field(default_factory=GiftFilter)
    active: bool = True

    def columns(self) -> dict[str, Any]:
        f = self.filter
        return {
            "name": self.name,
            "cron": self.cron,
            "points": self.points,
            "description": self.description,
            "category_ids": [int(c) for c in f.category_ids] if f.category_ids else None,
            "min_balance": f.min_balance,
            "max_balance": f.max_balance,
            "registered_after": f.registered_after,
            "registered_before": f.registered_before,
            "segment": f.segment,
            "active": self.active,
        }


@dataclass(frozen=True)
class GiftSchedule:
    id: int
    spec: GiftScheduleSpec
    runs_from: datetime
    last_period: datetime | None  # of its latest run
    created_at: datetime
    updated_at: datetime

    def due_period(self, now: datetime) -> datetime | None:
        """The period a run should pay now: the latest fire time at or before `now`, if the
        schedule is active, it came after `runs_from` and it has not run yet. Earlier missed
        periods are not paid (a run pays one period, the latest)."""
        if not self.spec.active:
            return None
        latest = cron.latest_until(self.spec.cron, now)
        if latest is None or latest <= self.runs_from:
            return None
        if self.last_period is not None and latest <= self.last_period:
            return None
        return latest

    def next_run_at(self, now: datetime) -> datetime | None:
        """When it will pay next: its due period (overdue: the next tick of the job pays
        it), else its next fire time; None when inactive."""
        if not self.spec.active:
            return None
        return self.due_period(now) or cron.next_after(self.spec.cron, max(now, self.runs_from))


@dataclass(frozen=True)
class GiftRun:
    id: int
    schedule_id: int
    period: datetime
    started_at: datetime
    finished_at: datetime | None
    customers_credited: int
    customers_skipped: int
    points_credited: int


def schedule_of(row: Any, last_period: datetime | None = None) -> GiftSchedule:
    spec = GiftScheduleSpec(
        name=row.name,
        cron=row.cron,
        points=row.points,
        description=row.description,
        filter=GiftFilter(
            category_ids=tuple(str(c) for c in row.category_ids) if row.category_ids else None,
            min_balance=row.min_balance,
            max_balance=row.max_balance,
            registered_after=row.registered_after,
            registered_before=row.registered_before,
            segment=row.segment,
        ),
        active=row.active,
    )
    return GiftSchedule(row.id, spec, row.runs_from, last_period, row.created_at, row.updated_at)


def check_spec(problems: Problems, spec: GiftScheduleSpec) -> GiftScheduleSpec:
    """Every problem of a schedule's settings at once; the cleaned settings."""
    name = required_text(problems, "name", spec.name, 100)
    expression = cron.check_cron(problems, "cron", spec.cron)
    if isinstance(spec.points, bool) or not 0 < spec.points <= MAX_POINTS_PER_OPERATION:
        problems.add("points", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_POINTS_PER_OPERATION} points.")
    description = required_text(problems, "description", spec.description, MAX_NOTE_LENGTH)
    return replace(
        spec,
        name=name,
        cron=expression,
        description=description,
        filter=check_filter(problems, spec.filter, "filter"),
    )


def check_filter(problems: Problems, f: GiftFilter, prefix: str) -> GiftFilter:
    balances = filter_criteria(
        problems, CustomerFilter(min_balance=f.min_balance, max_balance=f.max_balance), prefix
    )
    if (
        balances["min_balance"] is not None
        and balances["max_balance"] is not None
        and balances["min_balance"] > balances["max_balance"]
    ):
        problems.add(f"{prefix}.maxBalance", ErrorCode.INVALID, "Below minBalance.")
    categories = None
    if f.category_ids is not None:
        if len(f.category_ids) > MAX_FILTER_CATEGORIES:
            problems.add(
                f"{prefix}.categoryIds",
                ErrorCode.OUT_OF_RANGE,
                f"At most {MAX_FILTER_CATEGORIES} categories.",
            )
        ids = [
            parse_id(problems, f"{prefix}.categoryIds.{i}", raw)
            for i, raw in enumerate(f.category_ids[:MAX_FILTER_CATEGORIES])
        ]
        categories = tuple(str(i) for i in dict.fromkeys(ids)) or None
    check_window(
        problems,
        (f"{prefix}.registeredAfter", f.registered_after),
        (f"{prefix}.registeredBefore", f.registered_before),
    )
    segment = optional_text(problems, f"{prefix}.segment", f.segment, 100)
    return replace(f, category_ids=categories, segment=segment)
