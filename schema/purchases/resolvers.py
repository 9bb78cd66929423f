"""Purchase, refund and earning-rule queries and mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import Permission
from domain.purchases import refunds, rules, services
from domain.purchases.earning import Line
from domain.purchases.repository import get_purchase
from domain.purchases.validation import RefundLine
from schema.context import Info
from schema.customers.types import CustomerType, load_customer
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.ledger.types import PointsSummaryType
from schema.permissions import requires
from schema.purchases.types import (
    EarningRulesType,
    OverrideModeEnum,
    PurchaseChannel,
    PurchaseStatusEnum,
    PurchaseType,
    RefundType,
)
from schema.scalars import Money


@strawberry.input
class PurchaseLineInput:
    sku: str
    quantity: int
    unit_price_minor: Money
    discounted: bool = strawberry.field(default=False, description="Already discounted.")
    product_line: str | None = strawberry.field(
        default=None,
        description="The product line (type) of the SKU: overrides and promotions by line.",
    )


@strawberry.input(description="Give the customer by customerId or by cardCode.")
class RecordPurchaseInput:
    order_id: str = strawberry.field(description="Unique per shop.")
    status: PurchaseStatusEnum  # type: ignore[valid-type]
    lines: list[PurchaseLineInput]
    customer_id: strawberry.ID | None = None
    card_code: str | None = None
    shop: str = "default"
    channel: PurchaseChannel = PurchaseChannel.POS
    occurred_at: datetime | None = None


@strawberry.input
class RefundLineInput:
    sku: str
    quantity: int


@strawberry.input(description="Leave lines out to refund everything not refunded yet.")
class RefundPurchaseInput:
    order_id: str
    idempotency_key: str
    shop: str = "default"
    lines: list[RefundLineInput] | None = None


@strawberry.input
class ProductOverrideInput:
    sku: str
    mode: OverrideModeEnum  # type: ignore[valid-type]
    value: int = 0


@strawberry.input
class ProductLineOverrideInput:
    product_line: str
    mode: OverrideModeEnum  # type: ignore[valid-type]
    value: int = 0


@strawberry.input(description="Fields left out stay as they are.")
class UpdateEarningRulesInput:
    points_per_unit: int | None = strawberry.UNSET
    spend_unit_minor: Money | None = strawberry.UNSET
    award_status: PurchaseStatusEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    min_order_minor: Money | None = strawberry.UNSET
    exclude_discounted: bool | None = strawberry.UNSET
    product_overrides: list[ProductOverrideInput] | None = strawberry.UNSET
    remove_product_overrides: list[str] | None = strawberry.UNSET
    product_line_overrides: list[ProductLineOverrideInput] | None = strawberry.UNSET
    remove_product_line_overrides: list[str] | None = strawberry.UNSET


@strawberry.type
class RecordPurchasePayload:
    purchase: PurchaseType | None = None
    customer_id: strawberry.Private[int | None] = None
    points: PointsSummaryType | None = None
    points_awarded: int = strawberry.field(default=0, description="Awarded by this call.")
    replayed: bool = strawberry.field(
        default=False, description="True when the order had been reported before."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field
    async def customer(self, info: Info) -> CustomerType | None:
        return await load_customer(info, self.customer_id)


@strawberry.type
class RefundPurchasePayload:
    refund: RefundType | None = None
    purchase: PurchaseType | None = None
    points: PointsSummaryType | None = None
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EarningRulesPayload:
    rules: EarningRulesType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _points(info: Info, customer_id: int) -> PointsSummaryType | None:
    account = await info.context.loaders.account.load(customer_id)
    return PointsSummaryType.of(account) if account else None


@strawberry.type
class PurchaseQueries:
    @strawberry.field(permission_classes=[requires(Permission.VIEW_POINTS)])
    async def earning_rules(self, info: Info) -> EarningRulesType:
        return EarningRulesType.of(await rules.earning_rules_view(info.context.new_uow()))


@strawberry.type
class PurchaseMutations:
    @strawberry.mutation(
        permission_classes=[requires(Permission.RECORD_PURCHASES)],
        description="Report an order (or a later status); points once.",
    )
    @payload_on_error(RecordPurchasePayload)
    async def record_purchase(
        self, info: Info, input: RecordPurchaseInput
    ) -> RecordPurchasePayload:
        report = services.PurchaseReport(
            order_id=input.order_id,
            status=input.status,
            lines=[
                Line(ln.sku, ln.quantity, ln.unit_price_minor, ln.discounted, ln.product_line)
                for ln in input.lines
            ],
            customer_id=input.customer_id,
            card_code=input.card_code,
            shop=input.shop,
            channel=input.channel.value,
            occurred_at=input.occurred_at,
        )
        record = await services.record_purchase(
            info.context.new_uow(), report, info.context.principal.actor
        )
        return RecordPurchasePayload(
            purchase=PurchaseType.of(record.purchase),
            customer_id=record.purchase.customer_id,
            points=PointsSummaryType.of(record.account)
            if record.account
            else await _points(info, record.purchase.customer_id),
            points_awarded=record.points_awarded,
            replayed=record.replayed,
        )

    @strawberry.mutation(
        permission_classes=[requires(Permission.REFUND_PURCHASES)],
        description="Refund an order in whole or part; earned points go back.",
    )
    @payload_on_error(RefundPurchasePayload)
    async def refund_purchase(
        self, info: Info, input: RefundPurchaseInput
    ) -> RefundPurchasePayload:
        lines = (
            [RefundLine(ln.sku, ln.quantity) for ln in input.lines]
            if input.lines is not None
            else None
        )
        refund = await refunds.refund_purchase(
            info.context.new_uow(),
            input.order_id,
            input.shop,
            lines,
            input.idempotency_key,
            info.context.principal.actor,
        )
        async with info.context.new_uow() as uow:
            purchase = await get_purchase(uow, refund.purchase_id)
        assert purchase is not None
        return RefundPurchasePayload(
            refund=RefundType.of(refund),
            purchase=PurchaseType.of(purchase),
            points=await _points(info, purchase.customer_id),
            replayed=refund.replayed,
        )

    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_EARNING_RULES)])
    @payload_on_error(EarningRulesPayload)
    async def update_earning_rules(
        self, info: Info, input: UpdateEarningRulesInput
    ) -> EarningRulesPayload:
        changes = changed_fields(
            input,
            (
                "points_per_unit",
                "spend_unit_minor",
                "award_status",
                "min_order_minor",
                "exclude_discounted",
            ),
        )
        overrides = rules.OverrideChanges(
            overrides=[(o.sku, o.mode, o.value) for o in input.product_overrides or []],
            removed_skus=list(input.remove_product_overrides or []),
            line_overrides=[
                (o.product_line, o.mode, o.value) for o in input.product_line_overrides or []
            ],
            removed_lines=list(input.remove_product_line_overrides or []),
        )
        view = await rules.update_earning_rules(info.context.new_uow(), changes, overrides)
        return EarningRulesPayload(rules=EarningRulesType.of(view))
