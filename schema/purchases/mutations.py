"""Purchases, refunds and the earning rules: reporting, refunding and changing them."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.purchases import earning_rules, refunds, services
from domain.purchases.earning import Line
from domain.purchases.line_discounts import LineDiscountInput
from domain.purchases.queries import find_purchase
from domain.purchases.validation import RefundLine
from schema.context import Info
from schema.customers.types import CustomerType, load_customer
from schema.errors import UserError, payload_on_error
from schema.inputs import changed_fields
from schema.ledger.types import PointsSummaryType
from schema.permissions import requires
from schema.purchases.inputs import (
    RecordPurchaseInput,
    RefundPurchaseInput,
    UpdateEarningRulesInput,
)
from schema.purchases.types import EarningRulesType, PurchaseType, RefundType


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
            discounts=[
                LineDiscountInput(i, d.source, d.source_id, d.amount_minor)
                for i, ln in enumerate(input.lines)
                for d in ln.discounts
            ],
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
        purchase = await find_purchase(info.context.new_uow(), refund.purchase_id)
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
        overrides = earning_rules.OverrideChanges(
            overrides=[(o.sku, o.mode, o.value) for o in input.product_overrides or []],
            removed_skus=list(input.remove_product_overrides or []),
            line_overrides=[
                (o.product_line, o.mode, o.value) for o in input.product_line_overrides or []
            ],
            removed_lines=list(input.remove_product_line_overrides or []),
        )
        view = await earning_rules.update_earning_rules(info.context.new_uow(), changes, overrides)
        return EarningRulesPayload(rules=EarningRulesType.of(view))
