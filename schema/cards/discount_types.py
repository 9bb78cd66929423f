"""Card discount settings: GraphQL types and inputs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.cards.combining import CombineMode, DiscountPolicy, DiscountScope
from domain.cards.current_discounts import CurrentDiscountView
from domain.cards.discount_terms import (
    Band,
    CurrentMode,
    CurrentTerms,
    DiscountTerms,
    SeriesDiscounts,
)
from schema.scalars import Money

CardDiscountScopeEnum = strawberry.enum(DiscountScope, name="CardDiscountScope")
CurrentDiscountModeEnum = strawberry.enum(
    CurrentMode,
    name="CurrentDiscountMode",
    description="PERCENT_OF_AMOUNT: percentBp of the sale's amount as money off the next "
    "purchase; BANDS: the percentage of the highest band the sale's amount reaches, off "
    "the next purchase.",
)
CardCombineModeEnum = strawberry.enum(
    CombineMode,
    name="CardCombineMode",
    description="BEST_SINGLE: the largest card percentage on each line; ADDITIVE: the "
    "cards' percentages added, at most capBp of the line.",
)


@strawberry.type(name="CardDiscountTerms")
class DiscountTermsType:
    percent_bp: int
    scope: CardDiscountScopeEnum  # type: ignore[valid-type]
    skus: list[str]
    product_lines: list[str]
    include_discounted: bool

    @classmethod
    def of(cls, t: DiscountTerms) -> DiscountTermsType:
        return cls(
            percent_bp=t.percent_bp,
            scope=t.scope,
            skus=list(t.skus),
            product_lines=list(t.product_lines),
            include_discounted=t.include_discounted,
        )


@strawberry.type(name="CurrentDiscountBand")
class BandType:
    from_minor: Money
    percent_bp: int


@strawberry.type(name="CurrentDiscountTerms")
class CurrentTermsType:
    mode: CurrentDiscountModeEnum  # type: ignore[valid-type]
    percent_bp: int | None
    bands: list[BandType]
    valid_days: int

    @classmethod
    def of(cls, t: CurrentTerms) -> CurrentTermsType:
        return cls(
            mode=t.mode,
            percent_bp=t.percent_bp,
            bands=[
                BandType(from_minor=Money(b.from_minor), percent_bp=b.percent_bp) for b in t.bands
            ],
            valid_days=t.valid_days,
        )


@strawberry.type(name="CardSeriesDiscounts", description="What a series' cards give.")
class SeriesDiscountsType:
    series_id: strawberry.ID
    name: str
    type: str
    discount: DiscountTermsType | None
    current_discount: CurrentTermsType | None

    @classmethod
    def of(cls, s: SeriesDiscounts) -> SeriesDiscountsType:
        return cls(
            series_id=strawberry.ID(str(s.series_id)),
            name=s.name,
            type=s.type,
            discount=DiscountTermsType.of(s.discount) if s.discount else None,
            current_discount=CurrentTermsType.of(s.current) if s.current else None,
        )


@strawberry.type(name="CardDiscountPolicy")
class PolicyType:
    mode: CardCombineModeEnum  # type: ignore[valid-type]
    cap_bp: int = strawberry.field(description="ADDITIVE: at most this much of a line.")

    @classmethod
    def of(cls, p: DiscountPolicy) -> PolicyType:
        return cls(mode=p.mode, cap_bp=p.cap_bp)


@strawberry.type(name="CurrentDiscount", description="What a sale gave for the next purchase.")
class CurrentDiscountType:
    id: strawberry.ID
    card_id: strawberry.ID
    purchase_id: strawberry.ID = strawberry.field(description="The sale that gave it.")
    basis_minor: Money = strawberry.field(description="That sale's amount.")
    amount_off_minor: Money | None
    percent_bp: int | None
    issued_at: datetime
    expires_at: datetime
    used_purchase_id: strawberry.ID | None
    used_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def of(cls, d: CurrentDiscountView) -> CurrentDiscountType:
        def ident(value: int | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value is not None else None

        return cls(
            id=strawberry.ID(str(d.id)),
            card_id=strawberry.ID(str(d.card_id)),
            purchase_id=strawberry.ID(str(d.purchase_id)),
            basis_minor=Money(d.basis_minor),
            amount_off_minor=Money(d.amount_off_minor) if d.amount_off_minor is not None else None,
            percent_bp=d.percent_bp,
            issued_at=d.issued_at,
            expires_at=d.expires_at,
            used_purchase_id=ident(d.used_purchase_id),
            used_at=d.used_at,
            cancelled_at=d.cancelled_at,
        )


@strawberry.input
class CardDiscountTermsInput:
    percent_bp: int = strawberry.field(description="0 to 10000 (100%).")
    scope: CardDiscountScopeEnum = DiscountScope.ALL  # type: ignore[valid-type]
    skus: list[str] = strawberry.field(default_factory=list)
    product_lines: list[str] = strawberry.field(default_factory=list)
    include_discounted: bool = False

    def to_domain(self) -> DiscountTerms:
        return DiscountTerms(
            self.percent_bp,
            self.scope,
            tuple(self.skus),
            tuple(self.product_lines),
            self.include_discounted,
        )


@strawberry.input
class CurrentDiscountBandInput:
    from_minor: Money
    percent_bp: int


@strawberry.input
class CurrentDiscountTermsInput:
    mode: CurrentDiscountModeEnum  # type: ignore[valid-type]
    valid_days: int
    percent_bp: int | None = strawberry.field(default=None, description="PERCENT_OF_AMOUNT.")
    bands: list[CurrentDiscountBandInput] = strawberry.field(
        default_factory=list, description="BANDS: ascending, distinct fromMinor."
    )

    def to_domain(self) -> CurrentTerms:
        return CurrentTerms(
            self.mode,
            self.valid_days,
            self.percent_bp,
            tuple(Band(b.from_minor, b.percent_bp) for b in self.bands),
        )
