"""Checkout queries: the redemption rules, a cart's quote, and an order's points."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.checkout import redemptions, rules, services
from domain.errors import DomainError
from schema.checkout.inputs import CartLineInput
from schema.checkout.types import OrderPointsType, RedemptionQuoteType, RedemptionRulesType
from schema.context import Info
from schema.errors import query_error
from schema.permissions import requires
from schema.scalars import Money


@strawberry.type
class CheckoutQueries:
    @strawberry.field(permission_classes=[requires(Permission.VIEW_POINTS)])
    async def redemption_rules(self, info: Info) -> RedemptionRulesType:
        return RedemptionRulesType.of(await rules.current_rules(info.context.new_uow()))

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="What this customer's points can pay on this cart (on the order, when "
        "named: net of what points and vouchers already took off it); writes nothing.",
    )
    async def quote_redemption(
        self,
        info: Info,
        customer_id: strawberry.ID,
        cart: list[CartLineInput],
        order_id: str | None = None,
        shop: str = "default",
    ) -> RedemptionQuoteType:
        try:
            found = await services.quote_redemption(
                info.context.new_uow(),
                customer_id,
                [line.to_domain() for line in cart],
                order_id,
                shop,
            )
        except DomainError as error:
            raise query_error(error) from error
        return RedemptionQuoteType.of(found)

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)],
        description="Points earned and used on an order, for receipts.",
    )
    async def order_points(
        self, info: Info, order_id: str, shop: str = "default"
    ) -> OrderPointsType | None:
        try:
            found = await redemptions.order_points(info.context.new_uow(), shop, order_id)
        except DomainError:
            return None
        return OrderPointsType(
            shop=shop,
            order_id=order_id,
            customer_id=strawberry.ID(str(found.customer_id)),
            points_earned=found.points_earned,
            points_used=found.points_used,
            value_redeemed_minor=Money(found.value_redeemed_minor),
            balance=found.balance,
        )
