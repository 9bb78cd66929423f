"""What a DISCOUNT or CURRENT_DISCOUNT series gives its holders, and how the program combines
DISCOUNT cards: checking and setting them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.cards.combining import MAX_BP, CombineMode, DiscountPolicy, DiscountScope
from domain.cards.sql import POLICY_ID, policy_from, policy_json
from domain.cards.tables import card_discount_policy, card_series
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.limits import MAX_MONEY_MINOR
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text

MAX_KEYS = 500
MAX_BANDS = 50
MAX_VALID_DAYS = 3650


class CurrentMode(StrEnum):
    PERCENT_OF_AMOUNT = "PERCENT_OF_AMOUNT"  # percent_bp of the sale's amount, as money off
    BANDS = "BANDS"  # the percentage of the highest band the sale's amount reaches


@dataclass(frozen=True)
class DiscountTerms:
    """A DISCOUNT series: its holders' percentage, on all lines or some."""

    percent_bp: int
    scope: DiscountScope = DiscountScope.ALL
    skus: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    include_discounted: bool = False


@dataclass(frozen=True)
class Band:
    from_minor: int
    percent_bp: int


@dataclass(frozen=True)
class CurrentTerms:
    """A CURRENT_DISCOUNT series: what each sale gives for the next purchase."""

    mode: CurrentMode
    valid_days: int
    percent_bp: int | None = None
    bands: tuple[Band, ...] = ()


@dataclass(frozen=True)
class SeriesDiscounts:
    """A series' discount settings as stored (None: not set)."""

    series_id: int
    name: str
    type: str
    discount: DiscountTerms | None
    current: CurrentTerms | None = field(default=None)


def check_discount(problems: Problems, terms: DiscountTerms) -> DiscountTerms:
    """The cleaned DISCOUNT terms; problems named `discount.<input>`."""
    _bp(problems, "discount.percentBp", terms.percent_bp, 0)
    skus = _keys(problems, "discount.skus", terms.skus, terms.scope is DiscountScope.SKUS)
    lines = _keys(
        problems,
        "discount.productLines",
        terms.product_lines,
        terms.scope is DiscountScope.PRODUCT_LINES,
    )
    return DiscountTerms(terms.percent_bp, terms.scope, skus, lines, terms.include_discounted)


def check_current(problems: Problems, terms: CurrentTerms) -> CurrentTerms:
    """The cleaned CURRENT_DISCOUNT terms; problems named `currentDiscount.<input>`."""
    if not 1 <= terms.valid_days <= MAX_VALID_DAYS:
        problems.add(
            "currentDiscount.validDays", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_VALID_DAYS} days."
        )
    if terms.mode is CurrentMode.PERCENT_OF_AMOUNT:
        if terms.percent_bp is None:
            problems.add(
                "currentDiscount.percentBp", ErrorCode.REQUIRED, "PERCENT_OF_AMOUNT needs it."
            )
        else:
            _bp(problems, "currentDiscount.percentBp", terms.percent_bp, 1)
        if terms.bands:
            problems.add("currentDiscount.bands", ErrorCode.INVALID, "Only BANDS lists bands.")
        return terms
    if terms.percent_bp is not None:
        problems.add(
            "currentDiscount.percentBp", ErrorCode.INVALID, "BANDS give their own percentages."
        )
    _check_bands(problems, terms.bands)
    return terms


def _check_bands(problems: Problems, bands: Sequence[Band]) -> None:
    if not bands:
        problems.add("currentDiscount.bands", ErrorCode.REQUIRED, "List at least one band.")
    elif len(bands) > MAX_BANDS:
        problems.add("currentDiscount.bands", ErrorCode.OUT_OF_RANGE, f"At most {MAX_BANDS}.")
    previous = None
    for i, band in enumerate(bands[:MAX_BANDS]):
        where = f"currentDiscount.bands.{i}"
        if not 0 < band.from_minor <= MAX_MONEY_MINOR:
            problems.add(f"{where}.fromMinor", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_MONEY_MINOR}.")
        elif previous is not None and band.from_minor <= previous:
            problems.add(
                f"{where}.fromMinor",
                ErrorCode.INVALID,
                "Bands go up: each starts above the one before.",
            )
        previous = band.from_minor
        _bp(problems, f"{where}.percentBp", band.percent_bp, 1)


def _bp(problems: Problems, name: str, value: int, lowest: int) -> None:
    if not lowest <= value <= MAX_BP:
        problems.add(name, ErrorCode.OUT_OF_RANGE, f"{lowest} to {MAX_BP} basis points.")


def _keys(problems: Problems, name: str, values: Sequence[str], wanted: bool) -> tuple[str, ...]:
    if not wanted:
        if values:
            problems.add(name, ErrorCode.INVALID, "Only a series scoped to them lists them.")
        return ()
    if not values:
        problems.add(name, ErrorCode.REQUIRED, "List at least one.")
    elif len(values) > MAX_KEYS:
        problems.add(name, ErrorCode.OUT_OF_RANGE, f"At most {MAX_KEYS}.")
    clean = [
        required_text(problems, f"{name}.{i}", v, 100) for i, v in enumerate(values[:MAX_KEYS])
    ]
    return tuple(dict.fromkeys(k for k in clean if k))


async def set_series_discounts(
    uow: UnitOfWork,
    series_id: str,
    discount: DiscountTerms | None,
    current: CurrentTerms | None,
) -> SeriesDiscounts:
    """Set what a series' cards give: `discount` on a DISCOUNT series, `currentDiscount` on
    a CURRENT_DISCOUNT series (the other refused as INVALID naming it; every problem of
    the terms reported at once, writing nothing). Setting again overwrites, so a retry is
    harmless; carts priced and current discounts issued before keep what they had."""
    problems = Problems()
    sid = parse_id(problems, "seriesId", series_id)
    clean_discount = check_discount(problems, discount) if discount else None
    clean_current = check_current(problems, current) if current else None
    if discount is None and current is None:
        problems.add("discount", ErrorCode.REQUIRED, "Give discount or currentDiscount.")
    problems.raise_if_any()
    return await run(uow, SetSeriesDiscounts(sid, clean_discount, clean_current))


@dataclass(frozen=True)
class SetSeriesDiscounts(Command[SeriesDiscounts]):
    series_id: int
    discount: DiscountTerms | None
    current: CurrentTerms | None

    async def handle(self, uow: UnitOfWork) -> SeriesDiscounts:
        query = select(card_series.c.type).where(card_series.c.id == self.series_id)
        kind = (await uow.execute(query.with_for_update())).scalar_one_or_none()
        if kind is None:
            raise DomainError.one("seriesId", ErrorCode.NOT_FOUND, "No such card series.")
        problems = Problems()
        if self.discount is not None and kind != "DISCOUNT":
            problems.add("discount", ErrorCode.INVALID, f"A {kind} series gives no discount.")
        if self.current is not None and kind != "CURRENT_DISCOUNT":
            problems.add(
                "currentDiscount", ErrorCode.INVALID, f"A {kind} series gives no current discount."
            )
        problems.raise_if_any()
        values: dict[str, Any] = {}
        if self.discount is not None:
            values.update(_discount_columns(self.discount))
        if self.current is not None:
            values.update(_current_columns(self.current))
        row = (
            await uow.execute(
                update(card_series)
                .where(card_series.c.id == self.series_id)
                .values(**values)
                .returning(card_series)
            )
        ).one()
        return series_discounts_of(row)


def _discount_columns(terms: DiscountTerms) -> dict[str, Any]:
    return {
        "discount_bp": terms.percent_bp,
        "discount_scope": terms.scope.value,
        "discount_skus": list(terms.skus),
        "discount_product_lines": list(terms.product_lines),
        "discount_include_discounted": terms.include_discounted,
    }


def _current_columns(terms: CurrentTerms) -> dict[str, Any]:
    return {
        "current_mode": terms.mode.value,
        "current_percent_bp": terms.percent_bp,
        "current_bands": [
            {"from_minor": b.from_minor, "percent_bp": b.percent_bp} for b in terms.bands
        ],
        "current_valid_days": terms.valid_days,
    }


def series_discounts_of(row: Any) -> SeriesDiscounts:
    discount = current = None
    if row.discount_bp is not None:
        discount = DiscountTerms(
            row.discount_bp,
            DiscountScope(row.discount_scope),
            tuple(row.discount_skus),
            tuple(row.discount_product_lines),
            row.discount_include_discounted,
        )
    if row.current_mode is not None:
        current = CurrentTerms(
            CurrentMode(row.current_mode),
            row.current_valid_days,
            row.current_percent_bp,
            tuple(Band(int(b["from_minor"]), int(b["percent_bp"])) for b in row.current_bands),
        )
    return SeriesDiscounts(row.id, row.name, row.type, discount, current)


async def find_series_discounts(uow: UnitOfWork) -> list[SeriesDiscounts]:
    """The DISCOUNT and CURRENT_DISCOUNT series with their settings, by id."""
    query = (
        select(card_series)
        .where(card_series.c.type.in_(("DISCOUNT", "CURRENT_DISCOUNT")))
        .order_by(card_series.c.id)
    )
    async with uow:
        return [series_discounts_of(row) for row in await uow.execute(query)]


async def discount_policy(uow: UnitOfWork) -> DiscountPolicy:
    """The program's policy for combining DISCOUNT cards (BEST_SINGLE until one is set)."""
    async with uow:
        return policy_from((await uow.execute(select(policy_json()))).scalar_one())


async def set_discount_policy(uow: UnitOfWork, mode: CombineMode, cap_bp: int) -> DiscountPolicy:
    """Set how simultaneous DISCOUNT cards combine on a line: BEST_SINGLE, or ADDITIVE up to
    `cap_bp` of the line (0 to 10000; OUT_OF_RANGE on capBp otherwise, writing nothing).
    Carts priced from then on follow it; a retry sets the same again."""
    problems = Problems()
    _bp(problems, "capBp", cap_bp, 0)
    problems.raise_if_any()
    return await run(uow, SetDiscountPolicy(DiscountPolicy(mode, cap_bp)))


@dataclass(frozen=True)
class SetDiscountPolicy(Command[DiscountPolicy]):
    policy: DiscountPolicy

    async def handle(self, uow: UnitOfWork) -> DiscountPolicy:
        values = {"mode": self.policy.mode.value, "cap_bp": self.policy.cap_bp}
        await uow.execute(
            pg_insert(card_discount_policy)
            .values(id=POLICY_ID, **values)
            .on_conflict_do_update(
                index_elements=[card_discount_policy.c.id],
                set_={**values, "updated_at": func.now()},
            )
        )
        return self.policy
