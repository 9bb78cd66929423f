"""Creating, changing and listing webhook subscriptions; each write is one command."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, insert, select, update

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest, require_same
from domain.pagination import Page
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text
from domain.webhooks.models import (
    Subscription,
    SubscriptionSpec,
    check_spec,
    new_secret,
    subscription_of,
)
from domain.webhooks.tables import webhook_subscriptions
from domain.webhooks.targets import TargetPolicy

KEY_CONSTRAINT = "webhook_subscriptions_idempotency_key_key"


async def create_subscription(
    uow: UnitOfWork, spec: SubscriptionSpec, idempotency_key: str, policy: TargetPolicy
) -> Created[Subscription]:
    """Add a subscription with a new signing secret; every problem is reported at once (a
    URL that is not https or resolves to a non-public address is INVALID on `url`, an
    unknown event type INVALID on `eventTypes.<i>`). The same key replayed returns the first
    subscription (replayed) and writes nothing; with other settings, IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    clean = await check_spec(problems, spec, policy)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, CreateSubscription(clean, key))


@dataclass(frozen=True)
class CreateSubscription(Command[Created[Subscription]]):
    spec: SubscriptionSpec  # checked
    key: str

    key_constraints = frozenset({KEY_CONSTRAINT})

    async def handle(self, uow: UnitOfWork) -> Created[Subscription]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        row = (
            await uow.execute(
                insert(webhook_subscriptions)
                .values(
                    url=self.spec.url,
                    event_types=list(self.spec.event_types),
                    description=self.spec.description,
                    active=self.spec.active,
                    secret=new_secret(),
                    idempotency_key=self.key,
                    request_digest=request_digest(self.spec),
                )
                .returning(webhook_subscriptions)
            )
        ).one()
        return Created(subscription_of(row))

    async def replay(self, uow: UnitOfWork) -> Created[Subscription] | None:
        query = select(webhook_subscriptions).where(
            webhook_subscriptions.c.idempotency_key == self.key
        )
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, request_digest(self.spec), "webhook subscription")
        return Created(subscription_of(row), replayed=True)


async def update_subscription(
    uow: UnitOfWork,
    subscription_id: str,
    changes: dict[str, Any],
    policy: TargetPolicy,
    rotate_secret: bool = False,
) -> Subscription:
    """Change some settings (the others stay), all or nothing; the URL's host is checked
    again when the URL changes or the subscription is turned back on, not when it is only
    paused or its secret rotated (a receiver whose name stopped resolving can still be
    paused; the sender checks the host before every request anyway). Making a disabled
    subscription active again clears its run of failures: its pending deliveries are sent
    again, in order. `rotate_secret` gives it a
    new signing secret (the old one no longer signs). Setting the same values again writes
    the same: a retried update is harmless."""
    problems = Problems()
    sid = parse_id(problems, "id", subscription_id)
    problems.raise_if_any()
    current = await _get(uow, sid)
    asked = replace(_spec_of(current), **changes)
    check_host = (asked.url or "").strip() != current.url or (asked.active and not current.active)
    clean = await check_spec(problems, asked, policy, check_host)
    problems.raise_if_any()
    return await run(uow, UpdateSubscription(sid, clean, rotate_secret))


@dataclass(frozen=True)
class UpdateSubscription(Command[Subscription]):
    subscription_id: int
    spec: SubscriptionSpec  # checked
    rotate_secret: bool

    async def handle(self, uow: UnitOfWork) -> Subscription:
        table = webhook_subscriptions
        values: dict[str, Any] = {
            "url": self.spec.url,
            "event_types": list(self.spec.event_types),
            "description": self.spec.description,
            "active": self.spec.active,
            "updated_at": func.now(),
        }
        if self.spec.active:
            values["consecutive_failures"] = 0
            values["disabled_at"] = None
        if self.rotate_secret:
            values["secret"] = new_secret()
        row = (
            await uow.execute(
                update(table)
                .where(table.c.id == self.subscription_id)
                .values(**values)
                .returning(table)
            )
        ).one_or_none()
        if row is None:
            raise _not_found()
        return subscription_of(row)


async def list_subscriptions(
    uow: UnitOfWork, limit: int, after_id: int | None = None
) -> Page[Subscription]:
    """Subscriptions in the order they were made, `limit` a page after `after_id`."""
    table = webhook_subscriptions
    query = select(table).order_by(table.c.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(table.c.id > after_id)
    async with uow:
        rows = (await uow.execute(query)).all()
    return Page.from_rows([subscription_of(r) for r in rows], limit)


async def _get(uow: UnitOfWork, subscription_id: int) -> Subscription:
    table = webhook_subscriptions
    async with uow:
        row = (await uow.execute(select(table).where(table.c.id == subscription_id))).one_or_none()
    if row is None:
        raise _not_found()
    return subscription_of(row)


def _spec_of(subscription: Subscription) -> SubscriptionSpec:
    return SubscriptionSpec(
        subscription.url, subscription.event_types, subscription.description, subscription.active
    )


def _not_found() -> DomainError:
    return DomainError.one("id", ErrorCode.NOT_FOUND, "No such webhook subscription.")
