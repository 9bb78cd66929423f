"""The shop's settings as a GraphQL type."""

from __future__ import annotations

import strawberry


@strawberry.type(
    name="Shop",
    description="The shop Tessera runs for: what a frontend needs to show its money.",
)
class ShopType:
    name: str | None = strawberry.field(description="TESSERA_SHOP_NAME; null when unset.")
    currency: str = strawberry.field(
        description="The ISO 4217 code of the currency every amount in minor units is in "
        "(TESSERA_CURRENCY, EUR when unset)."
    )
    currency_digits: int = strawberry.field(
        description="How many of an amount's digits are minor units: 2 for EUR (1250 is "
        "12.50), 0 for JPY (1250 is 1,250), 3 for KWD (1250 is 1.250)."
    )
