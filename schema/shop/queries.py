"""The shop's settings a frontend needs: its name, and its currency with its minor units."""

from __future__ import annotations

import strawberry
from babel.numbers import get_currency_precision

from schema.context import Info
from schema.permissions import IsSignedIn
from schema.shop.types import ShopType


@strawberry.type
class ShopQueries:
    @strawberry.field(
        permission_classes=[IsSignedIn],
        description="The shop's name and currency, for staff and customer apps alike.",
    )
    def shop(self, info: Info) -> ShopType:
        facts = info.context.shop
        return ShopType(
            name=facts.name,
            currency=facts.currency,
            currency_digits=get_currency_precision(facts.currency),
        )
