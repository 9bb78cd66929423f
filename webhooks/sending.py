"""The sender: claims due head deliveries, posts each (signed) to its subscription's URL,
and settles it with the answer. Run by the `send_webhooks` actor (tessera/actors.py).

A request is made only after the claim's lease is committed, and a delivery is settled
DELIVERED only on a 2xx answer: a sender killed mid-request leaves the lease to run out,
and the delivery is sent again (at least once; receivers deduplicate by `webhook-id`).
Redirects are never followed (a 3xx is a failure, as Stripe and Svix treat it): a
redirect could lead to a private address. The URL is checked against the target policy
again before every request: a name may resolve elsewhere since the subscription was saved."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from domain.webhooks.deliveries import Claimed, Limits, Outcome, claim_due, settle, unpark
from domain.webhooks.targets import TargetPolicy, TargetRefused
from webhooks.signing import body_of, signed_headers

logger = logging.getLogger("tessera.webhooks")

# Beyond the request's own timeout, the time a sender has to settle before its lease ends.
LEASE_MARGIN_S = 5.0
RUN_FOR_S = 50.0
IDLE_SLEEP_S = 0.5


@dataclass(frozen=True)
class SenderConfig:
    policy: TargetPolicy
    limits: Limits
    timeout_s: float = 10.0
    batch: int = 50

    @property
    def lease_s(self) -> float:
        return self.timeout_s + LEASE_MARGIN_S


def new_client(config: SenderConfig) -> httpx.AsyncClient:
    """The HTTP client: no redirects, no proxy from the environment, the timeout on every
    phase (the whole request is bounded too, in `post`)."""
    return httpx.AsyncClient(
        follow_redirects=False, trust_env=False, timeout=httpx.Timeout(config.timeout_s)
    )


async def send_due(engine: AsyncEngine, config: SenderConfig, client: httpx.AsyncClient) -> int:
    """One pass: claim up to a batch of due heads, post them at once, settle each. Returns
    how many it claimed."""
    claimed = await claim_due(UnitOfWork(engine), config.batch, config.lease_s)
    if claimed:
        await asyncio.gather(*(_deliver(engine, config, client, c) for c in claimed))
    return len(claimed)


async def send_for(
    engine: AsyncEngine,
    config: SenderConfig,
    run_for_s: float = RUN_FOR_S,
    idle_sleep_s: float = IDLE_SLEEP_S,
) -> int:
    """Pass after pass for `run_for_s` seconds, sleeping `idle_sleep_s` when nothing was
    due; returns how many deliveries it claimed. It first makes due the parked deliveries
    that nothing holds back any more (a rare race; see domain/webhooks/deliveries.py)."""
    deadline = time.monotonic() + run_for_s
    if unparked := await unpark(UnitOfWork(engine)):
        logger.info("%d parked webhook delivery(ies) made due", unparked)
    claimed = 0
    async with new_client(config) as client:
        while True:
            done = await send_due(engine, config, client)
            claimed += done
            if time.monotonic() >= deadline:
                return claimed
            if done == 0:
                await asyncio.sleep(idle_sleep_s)


async def _deliver(
    engine: AsyncEngine, config: SenderConfig, client: httpx.AsyncClient, claimed: Claimed
) -> None:
    outcome = await post(config, client, claimed)
    status = await settle(UnitOfWork(engine), claimed, outcome, config.limits)
    logger.info(
        "webhook delivery %d (event %d, attempt %d) to subscription %d: %s, %s",
        claimed.delivery_id,
        claimed.event_id,
        claimed.attempt,
        claimed.subscription_id,
        outcome.status_code or outcome.error,
        status,
    )


async def post(config: SenderConfig, client: httpx.AsyncClient, claimed: Claimed) -> Outcome:
    """One attempt: the URL checked, the body signed now, posted; the answer's status (its
    body is not read), or why there was none."""
    body = body_of(claimed.event_type, claimed.occurred_at, claimed.customer_id, claimed.payload)
    try:
        # Resolving the name counts in the timeout: the lease covers both.
        async with asyncio.timeout(config.timeout_s):
            try:
                await config.policy.check_async(claimed.url)
            except TargetRefused as refused:
                return Outcome(None, f"refused: {refused}")
            headers = signed_headers(claimed.secret, claimed.event_id, body, datetime.now(UTC))
            async with client.stream("POST", claimed.url, content=body, headers=headers) as answer:
                code = answer.status_code
    except (httpx.HTTPError, TimeoutError, OSError) as error:
        return Outcome(None, f"{type(error).__name__}: {error}"[:500])
    if 200 <= code < 300:
        return Outcome(code)
    return Outcome(code, f"HTTP {code}")
