"""The one place the root Query and Mutation are assembled, and the schema built."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema.actions.resolvers import ActionMutations, ActionQueries
from schema.badges.resolvers import BadgeMutations, BadgeQueries
from schema.checkout.resolvers import CheckoutMutations, CheckoutQueries
from schema.cost import cost_rule, cost_with_variables
from schema.customers.mutations import CustomerMutations
from schema.customers.queries import CustomerQueries
from schema.errors import ErrorCodes
from schema.expiry.resolvers import ExpiryMutations, ExpiryQueries
from schema.gifts.resolvers import GiftMutations, GiftQueries
from schema.ledger.resolvers import LedgerMutations, LedgerQueries
from schema.literals import InputLiterals
from schema.pricing.resolvers import PricingMutations, PricingQueries
from schema.program.resolvers import ProgramMutations, ProgramQueries
from schema.promotions.resolvers import PromotionMutations, PromotionQueries
from schema.purchases.resolvers import PurchaseMutations, PurchaseQueries
from schema.reports.queries import ReportQueries
from schema.rewards.resolvers import RewardMutations, RewardQueries
from schema.scalars import SCALAR_MAP
from schema.tiers.resolvers import TierMutations, TierQueries
from schema.vouchers.mutations import VoucherMutations
from schema.vouchers.queries import VoucherQueries

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
        BadgeQueries,
        PricingQueries,
        ActionQueries,
        PromotionQueries,
        ExpiryQueries,
        GiftQueries,
        TierQueries,
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
    ),
)


class TesseraSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        # ErrorCodes logs the unexpected ones; client errors are not server events.
        return None


MAX_ALIASES = 30
MAX_TOKENS = 5_000


def build_schema(
    max_depth: int = 10, max_cost: int = 20_000, max_page_size: int = 100
) -> strawberry.Schema:
    """The schema with its guards: depth, alias, token and cost limits, storable literals,
    cached parse/validate (docs/security.md lists the limits)."""
    # The limit rules are built once: the validation cache is keyed by the rule classes,
    # so rules made per request (QueryDepthLimiter's default) would never hit it.
    rules: list[type[ASTValidationRule]] = [
        query_depth_limiter.create_validator(max_depth, None, None),
        max_aliases.create_validator(MAX_ALIASES),
        cost_rule(max_cost, max_page_size),
        InputLiterals,
    ]
    variable_costs = cost_with_variables(max_cost, max_page_size)
    return TesseraSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            ErrorCodes,
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ParserCache(maxsize=1_000),
            lambda: AddValidationRules(rules),
            lambda: ValidationCache(maxsize=1_000),
            variable_costs,
        ],
    )
