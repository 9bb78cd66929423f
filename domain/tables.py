"""Imports every area's tables so that `metadata` is complete (for Alembic and tests)."""

from __future__ import annotations

from domain.access.tables import api_tokens
from domain.actions.tables import earning_actions
from domain.analytics.tables import rfm_runs, rfm_scores
from domain.badges.tables import badge_changes, badge_resyncs, badges, customer_badges
from domain.cards.tables import (
    card_discount_policy,
    card_series,
    cards,
    current_discounts,
)
from domain.checkout.tables import (
    holds,
    redemption_product_rules,
    redemption_rules,
    redemptions,
)
from domain.customers.tables import consent_changes, customers, point_categories
from domain.data_requests.tables import data_requests
from domain.events.tables import domain_events
from domain.gifts.tables import gift_runs, gift_schedules
from domain.imports.tables import import_jobs, import_rows
from domain.integrations.tables import integration_log, platform_connections, platform_customers
from domain.ledger.tables import (
    expiry_rules,
    ledger_day_totals,
    ledger_entries,
    ledger_hour_totals,
    ledger_rollup_state,
    ledger_rollups,
    lot_allocations,
    point_accounts,
    point_lots,
)
from domain.metadata import metadata
from domain.pricing.tables import price_rules
from domain.program.tables import customer_area_settings
from domain.promotions.tables import promotions
from domain.purchases.tables import (
    earning_rules,
    product_earning_overrides,
    product_line_earning_overrides,
    purchase_line_discounts,
    purchase_lines,
    purchases,
    refunds,
)
from domain.rewards.tables import reward_claims, rewards
from domain.staff.tables import staff_login_failures, staff_sessions, staff_users
from domain.tiers.tables import tier_rules, tier_rungs
from domain.vouchers.tables import (
    voucher_batches,
    voucher_conversion,
    voucher_redemptions,
    vouchers,
)
from domain.webhooks.tables import webhook_deliveries, webhook_subscriptions

__all__ = [
    "api_tokens",
    "badge_changes",
    "badge_resyncs",
    "badges",
    "card_discount_policy",
    "card_series",
    "cards",
    "consent_changes",
    "current_discounts",
    "customer_area_settings",
    "customer_badges",
    "customers",
    "data_requests",
    "domain_events",
    "earning_actions",
    "earning_rules",
    "expiry_rules",
    "gift_runs",
    "gift_schedules",
    "holds",
    "import_jobs",
    "import_rows",
    "integration_log",
    "ledger_day_totals",
    "ledger_entries",
    "ledger_hour_totals",
    "ledger_rollup_state",
    "ledger_rollups",
    "lot_allocations",
    "metadata",
    "platform_connections",
    "platform_customers",
    "point_accounts",
    "point_categories",
    "point_lots",
    "price_rules",
    "product_earning_overrides",
    "product_line_earning_overrides",
    "promotions",
    "purchase_line_discounts",
    "purchase_lines",
    "purchases",
    "redemption_product_rules",
    "redemption_rules",
    "redemptions",
    "refunds",
    "reward_claims",
    "rewards",
    "rfm_runs",
    "rfm_scores",
    "staff_login_failures",
    "staff_sessions",
    "staff_users",
    "tier_rules",
    "tier_rungs",
    "voucher_batches",
    "voucher_conversion",
    "voucher_redemptions",
    "vouchers",
    "webhook_deliveries",
    "webhook_subscriptions",
]
