"""The input that sets the customer area."""

from __future__ import annotations

import strawberry


@strawberry.input
class UpdateCustomerAreaInput:
    introduction: str | None = strawberry.field(
        description="At most 10,000 characters; null or blank removes it."
    )
