"""Card discount settings and a customer's current discounts: reading them."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.cards import current_discounts, discount_terms
from domain.errors import DomainError, Problems
from domain.validation import parse_id
from schema.cards.discount_types import CurrentDiscountType, PolicyType, SeriesDiscountsType
from schema.context import Info
from schema.errors import query_error
from schema.permissions import requires


@strawberry.type
class CardDiscountQueries:
    @strawberry.field(permission_classes=[requires(Permission.VIEW_POINTS)])
    async def card_discount_policy(self, info: Info) -> PolicyType:
        return PolicyType.of(await discount_terms.discount_policy(info.context.new_uow()))

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="The DISCOUNT and CURRENT_DISCOUNT series and what their cards give.",
    )
    async def card_series_discounts(self, info: Info) -> list[SeriesDiscountsType]:
        found = await discount_terms.find_series_discounts(info.context.new_uow())
        return [SeriesDiscountsType.of(s) for s in found]

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="The customer's current discounts, newest first (at most 50).",
    )
    async def current_discounts(
        self, info: Info, customer_id: strawberry.ID
    ) -> list[CurrentDiscountType]:
        problems = Problems()
        cid = parse_id(problems, "customerId", customer_id)
        try:
            problems.raise_if_any()
        except DomainError as error:
            raise query_error(error) from error
        found = await current_discounts.current_discounts_of(info.context.new_uow(), cid)
        return [CurrentDiscountType.of(d) for d in found]
