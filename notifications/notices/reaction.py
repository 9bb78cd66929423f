"""`Notices`: the reaction that makes staff notices from domain events, for the dispatcher
(which queues what it returns after the events' commit): a large manual adjustment, a gift
run finished, an expiry run finished, a webhook subscription disabled. A promotion's start
has no event at that moment; the job in promotion_starts.py notices it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from domain.customers.repository import customers_by_id
from domain.events.outbox import PendingEvent
from domain.events.types import (
    ExpiryRunFinished,
    GiftRunFinished,
    PointsEarned,
    PointsSpent,
    WebhookSubscriptionDisabled,
)
from domain.ledger.kinds import EntryKind
from domain.ledger.queries import entries_by_id
from domain.ledger.services import MANUAL_SOURCE_SHOP
from domain.uow import UnitOfWork
from notifications.delivery.models import NewMessage
from notifications.notices.content import (
    AdjustmentFacts,
    expiry_run_finished_content,
    gift_run_finished_content,
    large_adjustment_content,
    webhook_disabled_content,
)
from notifications.notices.messages import Notice, notice_messages
from notifications.notices.models import EVERY_SHOP, NoticeKind, Recipient, Scope
from notifications.notices.recipients import all_recipients
from notifications.notices.settings import current_settings

_MOVEMENTS = {PointsEarned.__name__: 1, PointsSpent.__name__: -1}  # the sign of each
# The events a LARGE_ADJUSTMENT notice is keyed by (an erasure finds the notices through them).
ADJUSTMENT_EVENTS = tuple(_MOVEMENTS)
_RUNS = {GiftRunFinished.__name__, ExpiryRunFinished.__name__, WebhookSubscriptionDisabled.__name__}


class Notices:
    """A Reaction (notifications/dispatch/reactions.py). For events in the unit of work the
    dispatcher has open, the notices' emails to the recipients who receive them:

    - PointsEarned / PointsSpent of a MANUAL entry of at least the large-adjustment
      threshold (read now) in points: LARGE_ADJUSTMENT, to the recipients of the shop it
      was made at and the program-wide ones, saying who made it (read from the entry);
    - GiftRunFinished: GIFT_RUN_FINISHED; ExpiryRunFinished: EXPIRY_RUN_FINISHED;
      WebhookSubscriptionDisabled: WEBHOOK_DISABLED, to every recipient of the kind.

    Each message's dedupe key is `notice:<KIND>:<event id>:<address>`, so the same events
    given again (a redelivery, two dispatchers) make no second message."""

    async def messages_for(
        self, uow: UnitOfWork, events: Sequence[PendingEvent]
    ) -> list[NewMessage]:
        relevant = [e for e in events if e.type in _MOVEMENTS or e.type in _RUNS]
        if not relevant:
            return []
        recipients = await all_recipients(uow)
        if not recipients:
            return []
        threshold = (await current_settings(uow)).large_adjustment_points
        large = [e for e in relevant if _manual_at_least(e, threshold)]
        adjustments = await _adjustments(uow, large, threshold)
        notices = [adjustments[e.id] for e in large if e.id in adjustments]
        notices += [_run_notice(e) for e in relevant if e.type in _RUNS]
        return _messages(notices, recipients)


def _messages(notices: list[Notice], recipients: list[Recipient]) -> list[NewMessage]:
    return [message for notice in notices for message in notice_messages(notice, recipients)]


def _manual_at_least(event: PendingEvent, threshold: int) -> bool:
    return (
        event.type in _MOVEMENTS
        and event.payload.get("kind") == EntryKind.MANUAL.value
        and int(event.payload["points"]) >= threshold
    )


async def _adjustments(
    uow: UnitOfWork, events: list[PendingEvent], threshold: int
) -> dict[int, Notice]:
    """The LARGE_ADJUSTMENT notice of each event (by event id), with who made it, the note
    and the shop from its entry and the customer's name (one query each for all)."""
    if not events:
        return {}
    entries = await entries_by_id(uow, [int(e.payload["entry_id"]) for e in events])
    customers = await customers_by_id(uow, [e.customer_id for e in events if e.customer_id])
    notices: dict[int, Notice] = {}
    for event in events:
        entry = entries.get(int(event.payload["entry_id"]))
        customer = customers.get(event.customer_id or 0)
        name = None
        if customer is not None:
            name = " ".join(n for n in (customer.first_name, customer.last_name) if n) or None
        shop = None
        if entry is not None and entry.source_type == MANUAL_SOURCE_SHOP:
            shop = entry.source_ref
        facts = AdjustmentFacts(
            customer_id=event.customer_id or 0,
            customer_name=name,
            points=_MOVEMENTS[event.type] * int(event.payload["points"]),
            balance_after=int(event.payload["balance_after"]),
            actor=entry.actor if entry is not None else "unknown",
            note=(entry.note if entry is not None else None) or "",
            made_at=entry.created_at if entry is not None else event.occurred_at,
            shop=shop,
            threshold=threshold,
        )
        notices[event.id] = Notice(
            NoticeKind.LARGE_ADJUSTMENT,
            str(event.id),
            Scope(every_shop=False, shop=shop),
            partial(large_adjustment_content, facts),
        )
    return notices


def _run_notice(event: PendingEvent) -> Notice:
    p = event.payload
    if event.type == GiftRunFinished.__name__:
        content = partial(
            gift_run_finished_content,
            str(p["schedule_name"]),
            str(p["period"]),
            int(p["customers_credited"]),
            int(p["customers_skipped"]),
            int(p["points"]),
        )
        return Notice(NoticeKind.GIFT_RUN_FINISHED, str(event.id), EVERY_SHOP, content)
    if event.type == WebhookSubscriptionDisabled.__name__:
        content = partial(
            webhook_disabled_content, int(p["subscription_id"]), str(p["url"]), int(p["failures"])
        )
        return Notice(NoticeKind.WEBHOOK_DISABLED, str(event.id), EVERY_SHOP, content)
    content = partial(
        expiry_run_finished_content, str(p["as_of"]), int(p["customers"]), int(p["points"])
    )
    return Notice(NoticeKind.EXPIRY_RUN_FINISHED, str(event.id), EVERY_SHOP, content)
