"""The one place the root Query and Mutation are assembled, and the schema built."""

from __future__ import annotations

from graphql import ASTValidationRule
from strawberry.extensions import max_aliases, query_depth_limiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema.actions.mutations import ActionMutations
from schema.actions.queries import ActionQueries
from schema.badges.mutations import BadgeMutations
from schema.badges.queries import BadgeQueries
from schema.bi.queries import BiQueries
from schema.bi.rfm import RfmMutations
from schema.cards.discount_mutations import CardDiscountMutations
from schema.cards.discount_queries import CardDiscountQueries
from schema.cards.mutations import CardMutations
from schema.cards.queries import CardQueries
from schema.checkout.mutations import CheckoutMutations
from schema.checkout.queries import CheckoutQueries
from schema.cost import VariableCosts, cost_rule
from schema.customers.mutations import CustomerMutations
from schema.customers.queries import CustomerQueries
from schema.data_requests.mutations import DataRequestMutations
from schema.delivery.queries import DeliveryQueries
from schema.execution import TesseraSchema
from schema.expiry.mutations import ExpiryMutations
from schema.expiry.queries import ExpiryQueries
from schema.funnels.mutations import FunnelMutations
from schema.funnels.queries import FunnelQueries
from schema.funnels.simulation import FunnelSimulationQueries
from schema.funnels.statistics import FunnelStatisticsQueries
from schema.gifts.mutations import GiftMutations
from schema.gifts.queries import GiftQueries
from schema.guards import Guards
from schema.imports.operations import ImportMutations, ImportQueries
from schema.input_building import build_inputs_with_plans
from schema.integrations.operations import IntegrationMutations, IntegrationQueries
from schema.ledger.mutations import LedgerMutations
from schema.ledger.queries import LedgerQueries
from schema.literals import InputLiterals
from schema.notifications.limits import MessagingLimitMutations, MessagingLimitQueries
from schema.notifications.mutations import NotificationMutations
from schema.notifications.notices.mutations import NoticeMutations
from schema.notifications.notices.queries import NoticeQueries
from schema.notifications.queries import NotificationQueries
from schema.pricing.mutations import PricingMutations
from schema.pricing.queries import PricingQueries
from schema.program.mutations import ProgramMutations
from schema.program.queries import ProgramQueries
from schema.promotions.mutations import PromotionMutations
from schema.promotions.queries import PromotionQueries
from schema.purchases.mutations import PurchaseMutations
from schema.purchases.queries import PurchaseQueries
from schema.reports.queries import ReportQueries
from schema.rewards.mutations import RewardMutations
from schema.rewards.queries import RewardQueries
from schema.scalars import SCALAR_MAP
from schema.segments.mutations import SegmentMutations
from schema.segments.queries import SegmentQueries
from schema.shop.queries import ShopQueries
from schema.staff.mutations import StaffMutations
from schema.staff.queries import StaffQueries
from schema.tiers.mutations import TierMutations
from schema.tiers.queries import TierQueries
from schema.vouchers.mutations import VoucherMutations
from schema.vouchers.queries import VoucherQueries
from schema.webhooks.mutations import WebhookMutations
from schema.webhooks.queries import WebhookQueries

Query = merge_types(
    "Query",
    (
        CustomerQueries,
        LedgerQueries,
        PurchaseQueries,
        CheckoutQueries,
        VoucherQueries,
        RewardQueries,
        ProgramQueries,
        ReportQueries,
        BiQueries,
        BadgeQueries,
        PricingQueries,
        ActionQueries,
        PromotionQueries,
        ExpiryQueries,
        GiftQueries,
        TierQueries,
        DeliveryQueries,
        NotificationQueries,
        MessagingLimitQueries,
        NoticeQueries,
        SegmentQueries,
        FunnelQueries,
        FunnelStatisticsQueries,
        FunnelSimulationQueries,
        StaffQueries,
        ShopQueries,
        CardDiscountQueries,
        CardQueries,
        IntegrationQueries,
        WebhookQueries,
        ImportQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        CustomerMutations,
        LedgerMutations,
        PurchaseMutations,
        CheckoutMutations,
        VoucherMutations,
        RewardMutations,
        ProgramMutations,
        BadgeMutations,
        PricingMutations,
        ActionMutations,
        PromotionMutations,
        ExpiryMutations,
        GiftMutations,
        TierMutations,
        NotificationMutations,
        MessagingLimitMutations,
        NoticeMutations,
        SegmentMutations,
        FunnelMutations,
        StaffMutations,
        RfmMutations,
        CardDiscountMutations,
        CardMutations,
        IntegrationMutations,
        WebhookMutations,
        DataRequestMutations,
        ImportMutations,
    ),
)


MAX_ALIASES = 30
MAX_TOKENS = 5_000


def build_schema(
    max_depth: int = 10, max_cost: int = 20_000, max_page_size: int = 100
) -> TesseraSchema:
    """The schema with its guards: depth, alias, token and cost limits, storable literals,
    parse and validation cached by query text (schema/guards.py; docs/security.md lists the
    limits)."""
    rules: list[type[ASTValidationRule]] = [
        query_depth_limiter.create_validator(max_depth, None, None),
        max_aliases.create_validator(MAX_ALIASES),
        cost_rule(max_cost, max_page_size),
        InputLiterals,
    ]
    schema = TesseraSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        guards=Guards(rules, VariableCosts(max_cost, max_page_size), MAX_TOKENS),
    )
    build_inputs_with_plans(schema)
    return schema
