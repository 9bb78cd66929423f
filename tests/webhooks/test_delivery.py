"""Given subscriptions on a loopback receiver that checks signatures, when customers' points
move and the dispatcher and the sender run, then every event of a chosen type reaches the
receiver signed, in order per customer, also through failures, and is given up or
disables its subscription as the limits say."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from domain.webhooks.deliveries import unpark
from domain.webhooks.log import DeliveryFilter, list_deliveries, redeliver
from domain.webhooks.models import DeliveryStatus
from domain.webhooks.targets import TargetPolicy
from notifications.notices.reaction import Notices
from tests.notifications.notices.support import notices, recipient
from tests.support.webhook_receiver import Receiver, receiving
from tests.webhooks.support import (
    config,
    customers_with_movements,
    dispatch_all,
    expected_per_customer,
    send_passes,
    send_until,
    statuses,
    subscribe,
)


async def test_every_event_arrives_signed_once_in_order_per_customer(
    clean_db: AsyncEngine,
) -> None:
    receiver = Receiver()
    async with receiving(receiver) as url:
        # Given a subscription to registrations and credits, and three customers' events
        sub = await subscribe(clean_db, url)
        receiver.secret = sub.secret
        assert sub.secret.startswith("whsec_")
        await customers_with_movements(clean_db, 3, 4)
        # When the events are dispatched and sent
        await dispatch_all(clean_db)
        expected = await expected_per_customer(clean_db)
        total = sum(len(ids) for ids in expected.values())
        await send_until(clean_db, config(), lambda: len(receiver.accepted()) >= total)
    # Then each arrived once, verified, in the order it was recorded for its customer
    assert receiver.forged == 0
    assert len(receiver.requests) == total == 15
    assert receiver.per_customer() == expected
    first = receiver.requests[0].body
    assert first["type"] == "CUSTOMER_REGISTERED" and first["timestamp"].endswith("Z")
    assert await statuses(clean_db) == {"DELIVERED": 15}


async def test_a_failing_receiver_is_retried_until_it_recovers_in_order(
    clean_db: AsyncEngine,
) -> None:
    # Given a receiver that answers 500 to the first eight requests, then recovers
    receiver = Receiver(answers=[500] * 8)
    async with receiving(receiver) as url:
        receiver.secret = (await subscribe(clean_db, url)).secret
        await customers_with_movements(clean_db, 2, 3)
        await dispatch_all(clean_db)
        expected = await expected_per_customer(clean_db)
        total = sum(len(ids) for ids in expected.values())
        # When the sender runs with short retry waits
        await send_until(clean_db, config(), lambda: len(receiver.unique()) >= total)
    # Then everything arrived, each customer's in order, after the failures
    assert receiver.per_customer() == expected
    assert [r.answered for r in receiver.requests[:8]] == [500] * 8
    # and no customer's later event was accepted before an earlier one (failed ones retried
    # first: a head blocks the customer's next)
    for ids in receiver.per_customer().values():
        assert ids == sorted(ids, key=lambda i: int(i.removeprefix("evt_")))
    log = await list_deliveries(UnitOfWork(clean_db), 100, None, DeliveryFilter())
    assert {d.status for d in log.items} == {DeliveryStatus.DELIVERED}
    assert sum(d.attempts for d in log.items) == total + 8


async def test_a_delivery_failing_past_its_window_is_given_up_and_the_next_goes(
    clean_db: AsyncEngine,
) -> None:
    # Given a receiver refusing the first request, and no time left to retry in
    receiver = Receiver(answers=[500])
    async with receiving(receiver) as url:
        receiver.secret = (await subscribe(clean_db, url)).secret
        await customers_with_movements(clean_db, 1, 2)
        await dispatch_all(clean_db)
        # When the sender runs with a window shorter than the first wait
        settings = config(schedule_s=(60.0,), window_s=1.0)
        await send_until(clean_db, settings, lambda: len(receiver.requests) >= 3)
    # Then the registration was given up (FAILED, its code kept) and the credits delivered
    assert await statuses(clean_db) == {"FAILED": 1, "DELIVERED": 2}
    failed = await list_deliveries(
        UnitOfWork(clean_db), 10, None, DeliveryFilter(status=DeliveryStatus.FAILED)
    )
    assert [(d.event_type, d.last_status_code) for d in failed.items] == [
        ("CUSTOMER_REGISTERED", 500)
    ]


async def test_a_run_of_failures_disables_the_subscription_and_records_why(
    clean_db: AsyncEngine,
) -> None:
    # Given a receiver that always fails, a limit of three failures in a row, and staff
    # who hear of disabled webhooks
    await recipient(clean_db, "it@shop.example", "WEBHOOK_DISABLED")
    receiver = Receiver(always=503)
    async with receiving(receiver) as url:
        sub = await subscribe(clean_db, url)
        receiver.secret = sub.secret
        await customers_with_movements(clean_db, 3, 1)
        await dispatch_all(clean_db)
        # When the sender runs
        settings = config(disable_after=3)
        await send_until(clean_db, settings, lambda: len(receiver.requests) >= 3)
        await send_passes(clean_db, settings)
    # Then the subscription is disabled, its deliveries wait, and an event says so
    async with clean_db.connect() as conn:
        active = (
            await conn.execute(
                text("SELECT active, disabled_at IS NOT NULL AS off FROM webhook_subscriptions")
            )
        ).one()
        disabled = (
            await conn.execute(
                text("SELECT payload FROM domain_events WHERE type = 'WebhookSubscriptionDisabled'")
            )
        ).scalar_one()
    assert (active.active, active.off) == (False, True)
    assert disabled == {"subscription_id": sub.id, "url": sub.url, "failures": 3}
    assert len(receiver.requests) == 3
    assert (await statuses(clean_db)).get("DELIVERED", 0) == 0
    # and the staff are noticed once the event is dispatched
    await dispatch_all(clean_db, Notices())
    (notice,) = await notices(clean_db, "WEBHOOK_DISABLED")
    assert notice.recipient == "it@shop.example"
    assert notice.content["subject"] == (
        f"Webhook subscription {sub.id} disabled after 3 failed attempts"
    )
    assert url in notice.content["text"]


async def test_a_redelivery_sends_the_same_webhook_id_again_once_per_key(
    clean_db: AsyncEngine,
) -> None:
    receiver = Receiver()
    async with receiving(receiver) as url:
        receiver.secret = (await subscribe(clean_db, url, types=("CUSTOMER_REGISTERED",))).secret
        await customers_with_movements(clean_db, 1, 0)
        await dispatch_all(clean_db)
        await send_until(clean_db, config(), lambda: len(receiver.requests) >= 1)
        # Given a delivered delivery
        [delivered] = (
            await list_deliveries(UnitOfWork(clean_db), 10, None, DeliveryFilter())
        ).items
        # When staff redeliver it, twice with the same key
        again = await redeliver(UnitOfWork(clean_db), str(delivered.id), "again-1")
        replayed = await redeliver(UnitOfWork(clean_db), str(delivered.id), "again-1")
        assert again.status is replayed.status is DeliveryStatus.PENDING
        await send_until(clean_db, config(), lambda: len(receiver.requests) >= 2)
        await send_passes(clean_db, config())
        await redeliver(UnitOfWork(clean_db), str(delivered.id), "again-1")
        await send_passes(clean_db, config())
    # Then it was sent once more, under the same webhook-id (a receiver deduplicates it)
    assert [r.webhook_id for r in receiver.requests] == [delivered.message_id] * 2
    assert len(receiver.unique()) == 1
    assert await statuses(clean_db) == {"DELIVERED": 1}


async def test_an_event_not_yet_dispatched_holds_back_later_deliveries(
    clean_db: AsyncEngine,
) -> None:
    receiver = Receiver()
    async with receiving(receiver) as url:
        receiver.secret = (await subscribe(clean_db, url)).secret
        await customers_with_movements(clean_db, 1, 1)
        await dispatch_all(clean_db)
        # Given an event recorded earlier but still pending (a batch under way)
        async with clean_db.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE domain_events SET published_at = NULL "
                    "WHERE id = (SELECT min(id) FROM domain_events)"
                )
            )
        # When the sender runs
        settings = replace(config(), batch=10)
        await send_passes(clean_db, settings)
        # Then nothing after it is sent until it is dispatched
        assert receiver.requests == []
        await dispatch_all(clean_db)
        expected = await expected_per_customer(clean_db)
        await send_until(clean_db, settings, lambda: len(receiver.requests) >= 2)
    assert receiver.per_customer() == expected
    assert len(receiver.requests) == 2


async def test_a_target_that_turned_private_is_refused_at_send_time(
    clean_db: AsyncEngine,
) -> None:
    receiver = Receiver()
    async with receiving(receiver) as url:
        # Given a subscription saved while its address was allowed
        receiver.secret = (await subscribe(clean_db, url, types=("CUSTOMER_REGISTERED",))).secret
        await customers_with_movements(clean_db, 1, 0)
        await dispatch_all(clean_db)
        # When the sender runs where loopback is no longer allowed
        await send_passes(clean_db, config(policy=TargetPolicy()), passes=2)
    # Then no request was made and the attempt records why
    assert receiver.requests == []
    [delivery] = (await list_deliveries(UnitOfWork(clean_db), 10, None, DeliveryFilter())).items
    assert delivery.attempts >= 1 and delivery.last_status_code is None
    assert delivery.last_error is not None and "refused" in delivery.last_error


async def test_senders_at_once_post_each_event_once_in_order_per_customer(
    clean_db: AsyncEngine,
) -> None:
    receiver = Receiver()
    async with receiving(receiver) as url:
        # Given many customers' events
        receiver.secret = (await subscribe(clean_db, url)).secret
        await customers_with_movements(clean_db, 6, 3)
        await dispatch_all(clean_db)
        expected = await expected_per_customer(clean_db)
        total = sum(len(ids) for ids in expected.values())
        # When three senders with small batches run at once
        settings = replace(config(), batch=2)
        await asyncio.gather(
            *(send_until(clean_db, settings, lambda: len(receiver.requests) >= total)
              for _ in range(3))
        )  # fmt: skip
    # Then each event was posted once (the leases kept the senders apart), in order
    assert len(receiver.requests) == total == 24
    assert receiver.per_customer() == expected


async def test_deliveries_behind_a_pending_one_wait_parked_and_a_lost_wake_is_swept(
    clean_db: AsyncEngine,
) -> None:
    receiver = Receiver()
    async with receiving(receiver) as url:
        receiver.secret = (await subscribe(clean_db, url)).secret
        await customers_with_movements(clean_db, 2, 2)
        # Given the deliveries made: each customer's first due, the others parked
        await dispatch_all(clean_db)
        async with clean_db.connect() as conn:
            parked = (
                await conn.execute(
                    text(
                        "SELECT customer_id, count(*) FILTER (WHERE next_attempt_at = "
                        "'infinity') AS parked, count(*) AS n FROM webhook_deliveries "
                        "GROUP BY customer_id ORDER BY customer_id"
                    )
                )
            ).all()
        assert [(r.parked, r.n) for r in parked] == [(2, 3), (2, 3)]
        # When a customer's head is settled without waking the next (the race of a park
        # with a settling in another transaction)
        async with clean_db.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE webhook_deliveries SET status = 'DELIVERED' WHERE id = "
                    "(SELECT min(id) FROM webhook_deliveries)"
                )
            )
        await send_until(clean_db, config(), lambda: len(receiver.requests) >= 3)
        await send_passes(clean_db, config(), passes=2)
        # Then that customer's next waits until the sweep, which the senders run
        assert len(receiver.requests) == 3
        assert await unpark(UnitOfWork(clean_db)) == 1
        await send_until(clean_db, config(), lambda: len(receiver.requests) >= 5)
    assert await statuses(clean_db) == {"DELIVERED": 6}
