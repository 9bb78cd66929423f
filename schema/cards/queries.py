"""Card queries: the till's read of a card, and the series."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.cards import lookup
from domain.cards.series import list_series
from domain.errors import DomainError, ErrorCode
from schema.cards.types import CardLookupObject, CardObject, CardSeriesObject, user_error
from schema.context import Info
from schema.customers.types import CustomerType
from schema.errors import query_error
from schema.permissions import requires


@strawberry.type
class CardQueries:
    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_CUSTOMERS)],
        description="Read a card at the till: the card, its holder, and why it is refused "
        "when it is not ACTIVE. Null for a code no card has.",
    )
    async def card_lookup(self, info: Info, code: str) -> CardLookupObject | None:
        try:
            found = await lookup.read_card(info.context.new_uow(), code)
        except DomainError as error:
            if error.problems[0].code is ErrorCode.NOT_FOUND:
                return None
            raise query_error(error) from error
        holder = await info.context.loaders.customer.load(found.card.customer_id)
        return CardLookupObject(
            card=CardObject.of(found.card),
            customer=CustomerType.of(holder) if holder else None,
            refusal=user_error(found.refusal),
        )

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_CUSTOMERS)],
        description="Every card series, oldest first.",
    )
    async def card_series(self, info: Info) -> list[CardSeriesObject]:
        return [CardSeriesObject.of(s) for s in await list_series(info.context.new_uow())]
