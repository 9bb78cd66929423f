"""Price rules: listing them, and pricing a cart (priceCart)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.errors import DomainError
from domain.pricing import services
from funnels.engine.conditions import saved_segments
from schema.checkout.inputs import CartLineInput
from schema.context import Info
from schema.errors import query_error
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import customer_or, requires
from schema.pricing.types import PricedCartType, PriceRuleType


@strawberry.type
class PricingQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_POINTS)], description="Newest first."
    )
    async def price_rules(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        active_only: bool = False,
    ) -> Connection[PriceRuleType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("PriceRule", after)
        page = await services.find_price_rules(info.context.new_uow(), active_only, limit, after_id)
        return connection([PriceRuleType.of(r) for r in page.items], page.has_next, "PriceRule")

    @strawberry.field(
        permission_classes=[customer_or(Permission.VIEW_POINTS)],
        description="Each line at the customer's member price now, the rule that gave it and "
        "why (SEGMENT rules: the customer is in the saved segment now), then what the "
        "customer's DISCOUNT cards and current discount take off, each source's contribution "
        "line by line (docs/card-discounts.md); writes nothing. "
        "Staff name the customer; a customer app prices its own cart.",
    )
    async def price_cart(
        self, info: Info, cart: list[CartLineInput], customer_id: strawberry.ID | None = None
    ) -> PricedCartType:
        try:
            priced = await services.price_customer_cart(
                info.context.new_uow(),
                info.context.principal,
                customer_id,
                [line.to_domain() for line in cart],
                saved_segments(),
            )
        except DomainError as error:
            raise query_error(error) from error
        return PricedCartType.of(priced)
