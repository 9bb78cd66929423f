"""Card discount settings: a series' discount terms and the cards' combining policy."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.cards import discount_terms
from schema.cards.discount_types import (
    CardCombineModeEnum,
    CardDiscountTermsInput,
    CurrentDiscountTermsInput,
    PolicyType,
    SeriesDiscountsType,
)
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.permissions import requires


@strawberry.type
class CardSeriesDiscountPayload:
    series: SeriesDiscountsType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CardDiscountPolicyPayload:
    policy: PolicyType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CardDiscountMutations:
    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_EARNING_RULES)],
        description="Set what a series' cards give: discount on a DISCOUNT series, "
        "currentDiscount on a CURRENT_DISCOUNT series. Setting again overwrites.",
    )
    @payload_on_error(CardSeriesDiscountPayload)
    async def set_card_series_discount(
        self,
        info: Info,
        series_id: strawberry.ID,
        discount: CardDiscountTermsInput | None = None,
        current_discount: CurrentDiscountTermsInput | None = None,
    ) -> CardSeriesDiscountPayload:
        written = await discount_terms.set_series_discounts(
            info.context.new_uow(),
            series_id,
            discount.to_domain() if discount else None,
            current_discount.to_domain() if current_discount else None,
        )
        return CardSeriesDiscountPayload(series=SeriesDiscountsType.of(written))

    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_EARNING_RULES)],
        description="How the DISCOUNT cards a customer holds combine on one line.",
    )
    @payload_on_error(CardDiscountPolicyPayload)
    async def set_card_discount_policy(
        self,
        info: Info,
        mode: CardCombineModeEnum,  # type: ignore[valid-type]
        cap_bp: int = 10_000,
    ) -> CardDiscountPolicyPayload:
        policy = await discount_terms.set_discount_policy(info.context.new_uow(), mode, cap_bp)
        return CardDiscountPolicyPayload(policy=PolicyType.of(policy))
