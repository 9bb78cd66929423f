"""Deliveries: made from the dispatched events, claimed by senders in order per customer,
settled with each attempt's outcome (staff's log and redelivery: domain/webhooks/log.py).

At least once, in order per customer, provably:
- a delivery row is written in the transaction that dispatches its event (add_deliveries,
  called by the webhooks' reaction), once per subscription and event (unique key);
- a sender claims only the head of each (subscription, customer) queue: a PENDING delivery
  with no earlier PENDING one in its queue (checked in the claim itself), and only once
  every event with a lower id has been dispatched (so an earlier event's delivery cannot
  appear after a later one was sent). So that senders do not scan the waiting ones, a
  delivery made behind a pending one is parked (next attempt at 'infinity') and made due
  when the one before it is settled; a sweep (unpark) catches the rare park that raced
  with that settling;
- the claim is a lease (locked_until) committed before the request is made: while the
  request is under way the head stays PENDING and blocks the customer's later deliveries;
  a sender killed mid-request leaves the lease to run out and the head is sent again;
- only a 2xx answer settles a delivery DELIVERED; a failure schedules the next attempt, or
  gives up (FAILED) after the retry window, which lets the customer's next delivery go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.commands import Command, run
from domain.events.outbox import PendingEvent, dispatched_below
from domain.events.types import WebhookSubscriptionDisabled
from domain.uow import UnitOfWork
from domain.webhooks.events import WEBHOOK_TYPES
from domain.webhooks.models import DeliveryStatus
from domain.webhooks.retries import RetryPolicy
from domain.webhooks.tables import webhook_deliveries, webhook_subscriptions

MAX_ERROR_LENGTH = 500


async def add_deliveries(uow: UnitOfWork, events: Sequence[PendingEvent]) -> int:
    """In the open unit of work (the dispatcher's): a PENDING delivery of each event to each
    active subscription that chose its type, once each whatever the replays. Returns how
    many rows it asked for."""
    subs = webhook_subscriptions
    found = (
        await uow.execute(
            select(subs.c.id, subs.c.event_types).where(subs.c.active).order_by(subs.c.id)
        )
    ).all()
    rows = [
        {
            "subscription_id": sub.id,
            "event_id": event.id,
            "customer_id": event.customer_id,
            "queue_key": event.customer_id or 0,
            "event_type": WEBHOOK_TYPES[event.type],
            "payload": event.payload,
            "occurred_at": event.occurred_at,
        }
        for event in events
        if event.type in WEBHOOK_TYPES
        for sub in found
        if WEBHOOK_TYPES[event.type] in sub.event_types
    ]
    if rows:
        await uow.execute(
            pg_insert(webhook_deliveries).on_conflict_do_nothing(
                constraint="uq_webhook_deliveries_event"
            ),
            rows,
        )
        await uow.execute(_PARK, {"event_ids": sorted({r["event_id"] for r in rows})})
    return len(rows)


# A queue's pending deliveries before this one: while there is one, this one waits.
_EARLIER_PENDING = """
    SELECT 1 FROM webhook_deliveries e
     WHERE e.subscription_id = d.subscription_id AND e.queue_key = d.queue_key
       AND e.status = 'PENDING' AND e.event_id < d.event_id"""
# The batch's deliveries that are behind a pending one, parked (the statement sees the
# rows the insert just made, so a batch's own earlier events count).
_PARK = text(f"""
    UPDATE webhook_deliveries d SET next_attempt_at = 'infinity'
     WHERE d.event_id = ANY(:event_ids) AND d.status = 'PENDING' AND d.attempts = 0
       AND EXISTS ({_EARLIER_PENDING})
""")
# The parked deliveries with nothing pending before them any more (their predecessor was
# settled while they were being parked, in another transaction): due now.
_UNPARK = text(f"""
    UPDATE webhook_deliveries d SET next_attempt_at = clock_timestamp()
     WHERE d.status = 'PENDING' AND d.next_attempt_at = 'infinity'
       AND NOT EXISTS ({_EARLIER_PENDING})
    RETURNING d.id
""")
# The next delivery of a queue, made due when the one before it is settled.
_PROMOTE_NEXT = text("""
    UPDATE webhook_deliveries SET next_attempt_at = clock_timestamp()
     WHERE id = (SELECT id FROM webhook_deliveries
                  WHERE subscription_id = :subscription_id AND queue_key = :queue_key
                    AND status = 'PENDING'
                  ORDER BY event_id LIMIT 1)
       AND next_attempt_at = 'infinity'
""")


async def unpark(uow: UnitOfWork) -> int:
    """Make due the parked deliveries with no pending delivery before them any more;
    returns how many. The senders run it once a minute: a delivery parked in the instant
    its predecessor was settled waits at most that long."""
    return await run(uow, Unpark())


@dataclass(frozen=True)
class Unpark(Command[int]):
    async def handle(self, uow: UnitOfWork) -> int:
        return len((await uow.execute(_UNPARK)).all())


@dataclass(frozen=True)
class Claimed:
    """A delivery a sender holds the lease of: what to send, where, signed with what."""

    delivery_id: int
    subscription_id: int
    url: str
    secret: str
    event_id: int
    customer_id: int | None
    event_type: str
    payload: dict[str, Any]
    occurred_at: datetime
    attempt: int  # this attempt's number (1 for the first)


# The due deliveries (oldest due first, by the due index: parked ones are not reached) that
# are not leased, of an active subscription, and heads of their queues (no earlier PENDING
# one: the rule itself, whatever the parking did); locked SKIP LOCKED so that senders at
# once take different heads, and leased in the same statement. The UPDATE checks the lease
# again on the row's latest version (a sender that claimed it meanwhile).
_CLAIM = text(f"""
    WITH due AS (
        SELECT d.id
          FROM webhook_deliveries d
         WHERE d.status = 'PENDING'
           AND d.next_attempt_at <= clock_timestamp()
           AND (d.locked_until IS NULL OR d.locked_until <= clock_timestamp())
           AND d.event_id < :below
           AND EXISTS (SELECT 1 FROM webhook_subscriptions s
                        WHERE s.id = d.subscription_id AND s.active)
           AND NOT EXISTS ({_EARLIER_PENDING})
         ORDER BY d.next_attempt_at, d.id
         LIMIT :limit
           FOR UPDATE OF d SKIP LOCKED)
    UPDATE webhook_deliveries d
       SET locked_until = clock_timestamp() + make_interval(secs => :lease_s),
           attempts = d.attempts + 1,
           last_attempt_at = clock_timestamp()
      FROM due, webhook_subscriptions s
     WHERE d.id = due.id AND s.id = d.subscription_id AND s.active
       AND d.status = 'PENDING'
       AND (d.locked_until IS NULL OR d.locked_until <= clock_timestamp())
    RETURNING d.id, d.subscription_id, s.url, s.secret, d.event_id, d.customer_id, d.event_type,
              d.payload,
              d.occurred_at, d.attempts
""")


async def claim_due(uow: UnitOfWork, limit: int, lease_s: float) -> list[Claimed]:
    """Lease up to `limit` due head deliveries for `lease_s` seconds (committed here): no
    other sender takes them until the lease runs out. Send each, then `settle` it."""
    return await run(uow, ClaimDue(limit, lease_s))


@dataclass(frozen=True)
class ClaimDue(Command[list[Claimed]]):
    limit: int
    lease_s: float

    async def handle(self, uow: UnitOfWork) -> list[Claimed]:
        below = (await uow.execute(select(dispatched_below()))).scalar_one()
        rows = await uow.execute(
            _CLAIM, {"below": below, "limit": self.limit, "lease_s": self.lease_s}
        )
        return sorted(
            (
                Claimed(
                    r.id,
                    r.subscription_id,
                    r.url,
                    r.secret,
                    r.event_id,
                    r.customer_id,
                    r.event_type,
                    dict(r.payload),
                    r.occurred_at,
                    r.attempts,
                )
                for r in rows
            ),
            key=lambda c: c.event_id,
        )


@dataclass(frozen=True)
class Outcome:
    """What an attempt got: the HTTP status (None: no answer) and, on failure, why."""

    status_code: int | None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Limits:
    """The retry schedule and the run of failed attempts that disables a subscription."""

    retry: RetryPolicy
    disable_after_failures: int


async def settle(
    uow: UnitOfWork, claimed: Claimed, outcome: Outcome, limits: Limits
) -> DeliveryStatus | None:
    """Record an attempt's outcome: DELIVERED on 2xx; otherwise PENDING with its next
    attempt, or FAILED when that would fall outside the retry window. A failure adds to the
    subscription's run of failures, which disables it at the limit (recording
    WebhookSubscriptionDisabled); a success ends the run. None when the lease was lost (the
    delivery was claimed again meanwhile): that attempt's outcome no longer counts."""
    return await run(uow, Settle(claimed, outcome, limits))


_DELIVERED = text("""
    UPDATE webhook_deliveries
       SET status = 'DELIVERED', delivered_at = clock_timestamp(), locked_until = NULL,
           last_status_code = :code, last_error = NULL
     WHERE id = :id AND attempts = :attempt AND status = 'PENDING'
    RETURNING status
""")
_FAILED = text("""
    UPDATE webhook_deliveries
       SET status = CASE WHEN clock_timestamp() + make_interval(secs => :wait_s)
                              > retry_from + make_interval(secs => :window_s)
                         THEN 'FAILED' ELSE 'PENDING' END,
           next_attempt_at = clock_timestamp() + make_interval(secs => :wait_s),
           locked_until = NULL, last_status_code = :code, last_error = :error
     WHERE id = :id AND attempts = :attempt AND status = 'PENDING'
    RETURNING status
""")
_RUN_OF_FAILURES = text("""
    UPDATE webhook_subscriptions
       SET consecutive_failures = CASE WHEN :failed THEN consecutive_failures + 1 ELSE 0 END
     WHERE id = :id
    RETURNING consecutive_failures, active, url
""")
_DISABLE = text("""
    UPDATE webhook_subscriptions SET active = false, disabled_at = clock_timestamp(),
           updated_at = clock_timestamp()
     WHERE id = :id AND active
""")


@dataclass(frozen=True)
class Settle(Command[DeliveryStatus | None]):
    claimed: Claimed
    outcome: Outcome
    limits: Limits

    async def handle(self, uow: UnitOfWork) -> DeliveryStatus | None:
        c, o = self.claimed, self.outcome
        params: dict[str, Any] = {"id": c.delivery_id, "attempt": c.attempt, "code": o.status_code}
        if o.delivered:
            status = (await uow.execute(_DELIVERED, params)).scalar_one_or_none()
        else:
            wait = self.limits.retry.wait_after(c.attempt)
            params |= {"wait_s": wait.total_seconds(), "window_s": self.limits.retry.window_s,
                       "error": (o.error or "")[:MAX_ERROR_LENGTH] or None}  # fmt: skip
            status = (await uow.execute(_FAILED, params)).scalar_one_or_none()
        if status is None:
            return None
        if status != DeliveryStatus.PENDING:  # settled: the queue's next one goes
            await uow.execute(
                _PROMOTE_NEXT,
                {"subscription_id": c.subscription_id, "queue_key": c.customer_id or 0},
            )
        run_of = (
            await uow.execute(
                _RUN_OF_FAILURES, {"id": c.subscription_id, "failed": not o.delivered}
            )
        ).one()
        if run_of.active and run_of.consecutive_failures >= self.limits.disable_after_failures:
            await uow.execute(_DISABLE, {"id": c.subscription_id})
            uow.record(
                WebhookSubscriptionDisabled(
                    None, c.subscription_id, run_of.url, run_of.consecutive_failures
                )
            )
        return DeliveryStatus(status)
