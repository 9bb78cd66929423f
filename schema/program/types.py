"""The customer area, as a GraphQL type."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.program import customer_area


@strawberry.type(name="CustomerArea", description="What the shop shows in its customer area.")
class CustomerAreaType:
    introduction: str | None = strawberry.field(
        description="Plain text or Markdown, shown at the top; the app escapes it."
    )
    updated_at: datetime | None

    @classmethod
    def of(cls, area: customer_area.CustomerArea) -> CustomerAreaType:
        return cls(introduction=area.introduction, updated_at=area.updated_at)
