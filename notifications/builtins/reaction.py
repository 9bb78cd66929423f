"""The built-in notifications as the dispatcher's reaction to domain events."""

from __future__ import annotations

from collections.abc import Sequence

from domain.events.outbox import PendingEvent
from domain.uow import UnitOfWork
from notifications.builtins.messages import built_in_messages
from notifications.builtins.occasions import occasions_of
from notifications.builtins.settings import builtin_settings
from notifications.delivery.models import NewMessage
from notifications.dispatch.composing import Shop


class BuiltInNotifications:
    """Points earned, thresholds reached, badges unlocked, vouchers issued and rewards
    claimed, for the kinds switched on with a template (read once per batch)."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    async def messages_for(
        self, uow: UnitOfWork, events: Sequence[PendingEvent]
    ) -> list[NewMessage]:
        settings = await builtin_settings(uow)
        on = {kind: s for kind, s in settings.items() if s.enabled and s.template_ids}
        if not on:
            return []
        occasions = [o for event in events for o in occasions_of(event, on)]
        return await built_in_messages(uow, self.shop, on, occasions)
