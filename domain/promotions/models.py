"""Promotions as a manager sets them, and the checks on what is set."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement

from domain.customers.validation import parse_multiplier
from domain.errors import ErrorCode, Problems
from domain.purchases.validation import CHANNELS
from domain.validation import required_text

MAX_PRODUCT_LINES = 100


@dataclass(frozen=True)
class PromotionSpec:
    """Purchases made from `starts_at` (inclusive) to `ends_at` (exclusive) earn
    `multiplier` times the points on their lines of `product_lines` (all when empty),
    when made through one of `channels` (all when empty)."""

    name: str
    starts_at: datetime
    ends_at: datetime
    multiplier: Decimal
    product_lines: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    active: bool = True

    def customer_conditions(self) -> list[ColumnElement[bool]]:
        """The customers' filter conditions (customers.repository.filter_conditions) of the
        customers it is for: none, every customer. A promotion limits the purchases that
        earn with it (channels, product lines), not who makes them."""
        return []

    def columns(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "multiplier": self.multiplier,
            "product_lines": list(self.product_lines),
            "channels": list(self.channels),
            "active": self.active,
        }


@dataclass(frozen=True)
class Promotion:
    id: int
    spec: PromotionSpec
    created_at: datetime
    updated_at: datetime


def promotion_of(row: Any) -> Promotion:
    spec = PromotionSpec(
        name=row.name,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        multiplier=row.multiplier,
        product_lines=tuple(row.product_lines),
        channels=tuple(row.channels),
        active=row.active,
    )
    return Promotion(row.id, spec, row.created_at, row.updated_at)


def check_spec(problems: Problems, spec: PromotionSpec) -> PromotionSpec:
    """Every problem of a promotion's settings at once; the cleaned settings."""
    name = required_text(problems, "name", spec.name, 100)
    starts_at = _aware(problems, "startsAt", spec.starts_at)
    ends_at = _aware(problems, "endsAt", spec.ends_at)
    if not problems.items and ends_at <= starts_at:
        problems.add("endsAt", ErrorCode.INVALID, "A promotion ends after it starts.")
    multiplier = parse_multiplier(problems, "multiplier", spec.multiplier)
    if len(spec.product_lines) > MAX_PRODUCT_LINES:
        problems.add(
            "productLines", ErrorCode.OUT_OF_RANGE, f"At most {MAX_PRODUCT_LINES} product lines."
        )
    lines = tuple(
        dict.fromkeys(
            required_text(problems, f"productLines.{i}", line, 100)
            for i, line in enumerate(spec.product_lines[:MAX_PRODUCT_LINES])
        )
    )
    if len(spec.channels) > len(CHANNELS):
        problems.add("channels", ErrorCode.OUT_OF_RANGE, f"At most {len(CHANNELS)} channels.")
    for i, channel in enumerate(spec.channels[: len(CHANNELS)]):
        if channel not in CHANNELS:
            problems.add(f"channels.{i}", ErrorCode.INVALID, f"One of {', '.join(CHANNELS)}.")
    channels = tuple(dict.fromkeys(spec.channels))
    return replace(
        spec,
        name=name,
        starts_at=starts_at,
        ends_at=ends_at,
        multiplier=multiplier,
        product_lines=lines,
        channels=channels,
    )


def _aware(problems: Problems, field: str, moment: datetime) -> datetime:
    if moment.tzinfo is None:
        problems.add(field, ErrorCode.INVALID, "Give a time with its UTC offset.")
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
