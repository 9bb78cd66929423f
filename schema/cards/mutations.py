"""Card mutations: issuing, blocking, reporting lost, replacing, and the series. Each
returns a payload with userErrors."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.cards import issuing, replacement, series, status
from schema.cards.inputs import (
    CardStatusInput,
    CreateCardSeriesInput,
    IssueCardInput,
    ReplaceCardInput,
    SetPrimaryCardInput,
    UpdateCardSeriesInput,
)
from schema.cards.types import CardObject, CardSeriesObject
from schema.context import Info
from schema.errors import UserError, payload_on_error
from schema.permissions import requires


@strawberry.type
class CardPayload:
    card: CardObject | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CardSeriesPayload:
    series: CardSeriesObject | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


_TILL = [requires(Permission.MANAGE_CUSTOMERS)]
_SERIES = [requires(Permission.MANAGE_CARD_SERIES)]


@strawberry.type
class CardMutations:
    @strawberry.mutation(permission_classes=_TILL)
    @payload_on_error(CardPayload)
    async def issue_card(self, info: Info, input: IssueCardInput) -> CardPayload:
        created = await issuing.issue_card(
            info.context.new_uow(),
            input.customer_id,
            input.series_id,
            input.code,
            primary=input.primary,
            idempotency_key=input.idempotency_key,
        )
        return CardPayload(card=CardObject.of(created.item), replayed=created.replayed)

    @strawberry.mutation(
        permission_classes=_TILL, description="Block an ACTIVE card (refused until unblocked)."
    )
    @payload_on_error(CardPayload)
    async def block_card(self, info: Info, input: CardStatusInput) -> CardPayload:
        card = await status.block_card(info.context.new_uow(), input.code, input.reason)
        return CardPayload(card=CardObject.of(card))

    @strawberry.mutation(
        permission_classes=_TILL, description="Take a BLOCKED or LOST card back into use."
    )
    @payload_on_error(CardPayload)
    async def unblock_card(self, info: Info, input: CardStatusInput) -> CardPayload:
        card = await status.unblock_card(info.context.new_uow(), input.code, input.reason)
        return CardPayload(card=CardObject.of(card))

    @strawberry.mutation(
        permission_classes=_TILL, description="Mark a card LOST: it is refused at the till."
    )
    @payload_on_error(CardPayload)
    async def report_card_lost(self, info: Info, input: CardStatusInput) -> CardPayload:
        card = await status.report_lost(info.context.new_uow(), input.code, input.reason)
        return CardPayload(card=CardObject.of(card))

    @strawberry.mutation(
        permission_classes=_TILL,
        description="Replace a card by a new one in one transaction: the old card becomes "
        "REPLACED (its code refused from then on), the new one takes its series, type and "
        "primary flag; points, badges, vouchers and history are the customer's and stay.",
    )
    @payload_on_error(CardPayload)
    async def replace_card(self, info: Info, input: ReplaceCardInput) -> CardPayload:
        created = await replacement.replace_card(
            info.context.new_uow(),
            input.lost_code,
            input.new_code,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return CardPayload(card=CardObject.of(created.item), replayed=created.replayed)

    @strawberry.mutation(
        permission_classes=_TILL, description="Make an ACTIVE card its customer's primary card."
    )
    @payload_on_error(CardPayload)
    async def set_primary_card(self, info: Info, input: SetPrimaryCardInput) -> CardPayload:
        card = await status.set_primary(info.context.new_uow(), input.code)
        return CardPayload(card=CardObject.of(card))

    @strawberry.mutation(permission_classes=_SERIES)
    @payload_on_error(CardSeriesPayload)
    async def create_card_series(
        self, info: Info, input: CreateCardSeriesInput
    ) -> CardSeriesPayload:
        created = await series.add_series(
            info.context.new_uow(),
            input.name,
            input.type,
            input.prefix,
            input.check_digit,
            input.code_length,
            input.active,
            idempotency_key=input.idempotency_key,
        )
        return CardSeriesPayload(
            series=CardSeriesObject.of(created.item), replayed=created.replayed
        )

    @strawberry.mutation(permission_classes=_SERIES)
    @payload_on_error(CardSeriesPayload)
    async def update_card_series(
        self, info: Info, input: UpdateCardSeriesInput
    ) -> CardSeriesPayload:
        changed = await series.update_series(
            info.context.new_uow(),
            input.id,
            name=input.name,
            prefix=input.prefix,
            check_digit=input.check_digit,
            code_length=input.code_length,
            active=input.active,
        )
        return CardSeriesPayload(series=CardSeriesObject.of(changed))
