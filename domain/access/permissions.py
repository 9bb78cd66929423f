"""Roles and the permissions they grant (docs/security.md tabulates this)."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    VIEW_CUSTOMERS = "VIEW_CUSTOMERS"
    MANAGE_CUSTOMERS = "MANAGE_CUSTOMERS"
    VIEW_POINTS = "VIEW_POINTS"
    RECORD_PURCHASES = "RECORD_PURCHASES"
    REDEEM_POINTS = "REDEEM_POINTS"
    REFUND_PURCHASES = "REFUND_PURCHASES"
    ADJUST_POINTS = "ADJUST_POINTS"
    MANAGE_CATEGORIES = "MANAGE_CATEGORIES"
    MANAGE_EARNING_RULES = "MANAGE_EARNING_RULES"
    MANAGE_REDEMPTION_RULES = "MANAGE_REDEMPTION_RULES"
    MANAGE_VOUCHERS = "MANAGE_VOUCHERS"
    MANAGE_REWARDS = "MANAGE_REWARDS"
    # Badges, conditional discounts, earning actions, promotions, expiry, periodic gifts and
    # tier rules: what makes the program engaging.
    MANAGE_ENGAGEMENT = "MANAGE_ENGAGEMENT"
    MANAGE_FUNNELS = "MANAGE_FUNNELS"
    # Message templates (and, later, the notification settings).
    MANAGE_NOTIFICATIONS = "MANAGE_NOTIFICATIONS"
    READ_REPORTS = "READ_REPORTS"
    # Card series: what kinds of card are issued and how their codes are made. (Issuing,
    # blocking and replacing a customer's card is MANAGE_CUSTOMERS, the till's.)
    MANAGE_CARD_SERIES = "MANAGE_CARD_SERIES"
    # E-commerce platform connections, outbound webhook subscriptions, the integration
    # log and bulk imports.
    MANAGE_INTEGRATIONS = "MANAGE_INTEGRATIONS"
    # A customer's data requests: exporting everything held on them, and erasing them.
    MANAGE_DATA_REQUESTS = "MANAGE_DATA_REQUESTS"


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    CASHIER = "cashier"
    MARKETER = "marketer"
    VIEWER = "viewer"


_READ = {Permission.VIEW_CUSTOMERS, Permission.VIEW_POINTS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: frozenset(Permission) - {Permission.MANAGE_FUNNELS},
    Role.CASHIER: frozenset(
        _READ
        | {
            Permission.MANAGE_CUSTOMERS,
            Permission.RECORD_PURCHASES,
            Permission.REFUND_PURCHASES,
            Permission.REDEEM_POINTS,
        }
    ),
    Role.MARKETER: frozenset(
        _READ
        | {
            Permission.MANAGE_FUNNELS,
            Permission.READ_REPORTS,
            Permission.MANAGE_VOUCHERS,
            Permission.MANAGE_ENGAGEMENT,
            Permission.MANAGE_NOTIFICATIONS,
        }
    ),
    Role.VIEWER: frozenset(_READ | {Permission.READ_REPORTS}),
}
