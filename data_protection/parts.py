"""Every area's part of a customer's data, in the order of the export document (a test
fails when a table holding a customer_id is covered by none)."""

from __future__ import annotations

from domain.analytics import customer_data as analytics
from domain.badges import customer_data as badges
from domain.cards import customer_data as cards
from domain.checkout import customer_data as checkout
from domain.customers import customer_data as customers
from domain.data_requests import customer_data as data_requests
from domain.data_requests.parts import CustomerDataPart
from domain.events import customer_data as events
from domain.imports import customer_data as imports
from domain.integrations import customer_data as integrations
from domain.ledger import customer_data as ledger
from domain.purchases import customer_data as purchases
from domain.rewards import customer_data as rewards
from domain.vouchers import customer_data as vouchers
from domain.webhooks import customer_data as webhooks
from funnels.engine import customer_data as funnels
from notifications.delivery import customer_data as notifications
from notifications.notices import customer_data as staff_notices

PARTS: tuple[CustomerDataPart, ...] = (
    customers.PART,
    ledger.PART,
    purchases.PART,
    checkout.PART,
    vouchers.PART,
    rewards.PART,
    badges.PART,
    cards.PART,
    analytics.PART,
    notifications.PART,
    staff_notices.PART,
    funnels.PART,
    integrations.PART,
    imports.PART,
    webhooks.PART,
    events.PART,
    data_requests.PART,
)
