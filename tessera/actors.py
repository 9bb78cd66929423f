"""Dramatiq's entry point (`dramatiq tessera.actors`): configures the broker, then the actors.

The broker comes first because an actor binds to the broker that is global when it is
declared; actor modules of later areas (funnels, notifications) are imported below it.

The message actors are async: Dramatiq's AsyncIO middleware runs them on one event loop per
worker process, where the process keeps its database pool and its open channels between
messages (tessera/worker_resources.py). The other actors are plain functions that run a
loop of their own per call.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import dramatiq
from dramatiq.middleware.asyncio import AsyncIO
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.card_rollups import roll_up_cards
from domain.analytics.cohort_rollups import roll_up_cohorts
from domain.analytics.product_rollups import roll_up_products
from domain.analytics.rfm import compute_rfm as score_rfm
from domain.analytics.roi_rollups import MADE as ROI_MADE
from domain.analytics.roi_rollups import roll_up_roi
from domain.audit import audit
from domain.badges.resync import continue_resyncs
from domain.badges.resync import resync_badge as continue_resync
from domain.checkout.holds import expire_holds as expire_due_holds
from domain.gifts.runs import run_gift_schedules as pay_due_gifts
from domain.imports.running import run_job, stale_jobs
from domain.imports.uploads import delete_stale_uploads
from domain.ledger.expiry_job import expire_points as expire_due_points
from domain.ledger.rollups import roll_up_ledger as roll_up_entries
from domain.tiers.evaluation import evaluate_tiers as place_by_tier_rules
from domain.uow import UnitOfWork
from funnels.engine.conditions import saved_segments
from funnels.engine.running import LANES, help_while_due, run_for
from notifications.builtins.expiring import remind_expiring_points as remind_expiring
from notifications.delivery.recovery import recover_stuck_messages
from notifications.delivery.sending import (
    Delivery,
    deliver,
    deliver_batch,
    due_again,
    stale_due_messages,
)
from notifications.notices.promotion_starts import notice_promotion_starts as notice_starts
from tessera.broker import configure_broker
from tessera.database import run_with_engine, run_with_uow
from tessera.dispatching import RUN_FOR_S, drain_events, reactions, webhook_sender
from tessera.embedded import ensure_broker_url, ensure_database_url
from tessera.funnel_engine import VERSIONS, audience, runtime
from tessera.garbage_collection import TunedGarbageCollector
from tessera.settings import Settings
from tessera.shop import shop_of
from tessera.worker_resources import KeptResources
from webhooks.sending import RUN_FOR_S as WEBHOOKS_RUN_FOR_S
from webhooks.sending import send_for

broker = configure_broker(ensure_broker_url(Settings.from_env()))
broker.add_middleware(AsyncIO())
kept = KeptResources()  # after AsyncIO: closed before its loop stops
broker.add_middleware(kept)
broker.add_middleware(TunedGarbageCollector())

logger = logging.getLogger(__name__)

# A re-sync of a million customers takes about a minute on a busy small machine; give a
# larger program room. A run stopped by the limit is continued by the next (the sweep).
RESYNC_TIME_LIMIT_MS = 60 * 60 * 1000
# A re-sync no run has moved for this long is continued by the periodic sweep.
RESYNC_IDLE_S = 60.0


def _database_url() -> str:
    return ensure_database_url(Settings.from_env())


@dramatiq.actor(max_retries=0)
def audit_ledger() -> int:
    """Check every invariant (ledger, vouchers, rewards); log each violation at ERROR and
    return how many there are.

    Read-only, so running it twice is harmless. It is not retried: a violation is a finding,
    not a failure, and a crash will be seen at the next scheduled run.
    """
    violations = run_with_engine(_database_url(), audit)
    for violation in violations:
        logger.error("ledger invariant violated: %s", violation)
    logger.info("ledger audit finished with %d violation(s)", len(violations))
    return len(violations)


@dramatiq.actor(max_retries=3)
def expire_holds() -> int:
    """Release the holds whose time has passed; returns how many expired.

    Idempotent and safe on several workers at once (each hold expires once). Captures check
    a hold's time themselves, so a late sweep never lets an expired hold be captured; it
    only decides when the held points become spendable again."""
    expired = run_with_uow(_database_url(), expire_due_holds)
    if expired:
        logger.info("%d hold(s) expired", expired)
    return expired


@dramatiq.actor(max_retries=3)
def expire_points() -> int:
    """Expire what lots past their date have left (EXPIRY entries); returns the points.

    Idempotent and safe on several workers at once: each batch of customers is locked, and
    only what is still in a lot past its date expires, so a second run (or a retry after a
    crash, which finds the batches already committed done) expires nothing more."""
    run = run_with_uow(_database_url(), expire_due_points)
    logger.info("%d point(s) expired for %d customer(s)", run.points, run.customers)
    return run.points


@dramatiq.actor(max_retries=0)
def roll_up_ledger() -> int:
    """Roll up the ledger entries the pending watermark covers, once every transaction that
    could still write below it has ended, and take the next pending watermark
    (domain/ledger/rollups.py); then the same for the cohorts' rollups of customers, entries
    and made purchases (domain/analytics/cohort_rollups.py), the card types' rollups
    (domain/analytics/card_rollups.py), the top products' days and months touched by
    orders made and refunds (domain/analytics/product_rollups.py) and the ROI's, behind
    their five watermarks (domain/analytics/roi_rollups.py). Returns how many ledger
    entries it rolled up. The scheduler sends it every minute, so a row is in the rollups
    within about two minutes.

    Safe to run twice at once (runs take turns on the watermark rows) and to crash anywhere
    (each batch commits with the watermark it reaches): a row is rolled up once. Not
    retried: the next minute's run goes on."""
    run = run_with_uow(_database_url(), roll_up_entries)
    if run.rows:
        logger.info("rolled up %d entries in %d batch(es), to id %d", run.rows,
                    run.batches, run.rolled_to)  # fmt: skip
    cohorts = run_with_uow(_database_url(), roll_up_cohorts)
    if cohorts.ledger.rows or cohorts.purchases.rows:
        logger.info("cohorts: rolled up %d entries and %d made purchases",
                    cohorts.ledger.rows, cohorts.purchases.rows)  # fmt: skip
    cards = run_with_uow(_database_url(), roll_up_cards)
    if cards.rows:
        logger.info("card types: counted the cards of %d customer(s) again", cards.rows)
    products = run_with_uow(_database_url(), roll_up_products)
    if products.days:
        logger.info("top products: recomputed %d day(s)", products.days)
    roi = run_with_uow(_database_url(), roll_up_roi)
    if made := roi[ROI_MADE].rows:
        logger.info("ROI: recomputed the days of %d made order(s) and refund(s)", made)
    return run.rows


@dramatiq.actor(max_retries=3)
def compute_rfm() -> int:
    """Score every customer's RFM (domain/analytics/rfm.py) under the day's key; returns
    how many customers were scored.

    Idempotent: the day's key computes once, a retry after a crash finishes that run, and
    runs on several workers at once take turns (the newest one's scores stand)."""
    key = f"daily-{datetime.now(UTC):%Y-%m-%d}"
    done = run_with_uow(_database_url(), lambda uow: score_rfm(uow, key, "rfm-job"))
    logger.info("RFM run %d scored %d customer(s)", done.id, done.customers)
    return done.customers


@dramatiq.actor(max_retries=3)
def run_gift_schedules() -> int:
    """Pay every gift schedule's due period; returns how many periods this run paid.

    Idempotent and safe on several workers at once: a period is claimed in the transaction
    that pays it, so it is paid once whatever the duplicates and retries."""
    paid = run_with_uow(_database_url(), lambda uow: pay_due_gifts(uow, None, saved_segments()))
    for p in paid:
        logger.info(
            "gift schedule %r paid its period %s: %d customer(s) credited, %d skipped",
            p.name,
            p.run.period.isoformat(),
            p.run.customers_credited,
            p.run.customers_skipped,
        )
    return len(paid)


@dramatiq.actor(max_retries=3)
def evaluate_tiers() -> int:
    """Place every customer not set by hand by the tier rules; returns how many moved.

    Idempotent and safe on several workers at once: a customer already in place is not
    touched, and each move is recorded once."""
    moved = run_with_uow(_database_url(), place_by_tier_rules).moved
    logger.info("tier rules moved %d customer(s)", moved)
    return moved


@dramatiq.actor(max_retries=3, time_limit=RESYNC_TIME_LIMIT_MS)
def resync_badge(badge_id: int, generation: int) -> int:
    """Continue a badge's re-sync of holders (the `generation` a change started) to its end;
    returns how many customers it has re-synced in all.

    Idempotent: each chunk of customers is committed with the re-sync's progress, so a run
    delivered twice, retried or killed mid-way continues from the last chunk, and a run of
    a generation a later change superseded stops at once."""
    progress = run_with_uow(_database_url(), lambda uow: continue_resync(uow, badge_id, generation))
    if progress is None or progress.superseded:
        logger.info("badge %s re-sync %s superseded by a later change", badge_id, generation)
        return 0 if progress is None else progress.customers_done
    logger.info(
        "badge %s re-sync %s: %d customer(s), %d unlocked, %d lost",
        badge_id,
        generation,
        progress.customers_done,
        progress.unlocked,
        progress.lost,
    )
    return progress.customers_done


@dramatiq.actor(max_retries=3, time_limit=RESYNC_TIME_LIMIT_MS)
def resync_badges() -> int:
    """Continue every badge re-sync that no run has moved for a minute (its handover was
    lost, or its worker killed); returns how many it finished. Safe beside the runs under
    way: they take turns chunk by chunk."""
    done = run_with_uow(_database_url(), lambda uow: continue_resyncs(uow, RESYNC_IDLE_S))
    for p in done:
        logger.info("badge %s re-sync %s continued to its end", p.badge_id, p.generation)
    return sum(1 for p in done if p.finished)


# A due message nothing has touched for this long lost its send request: sent again.
STALE_MESSAGE_S = 120.0
# Messages one send_messages call works on at a time: one claim, one consent read and two
# settling statements per batch; more than this a call takes in turns.
SEND_BATCH = 200


def send_in_batches(message_ids: Sequence[int]) -> None:
    """Send `send_messages` for the messages, SEND_BATCH ids a Dramatiq message (the way to
    send many: a dispatcher's batch of new messages, a sweep's)."""
    for chunk in _chunks(message_ids, SEND_BATCH):
        send_messages.send(chunk)


@dramatiq.actor(max_retries=0)
async def send_messages(message_ids: list[int]) -> dict[str, int]:
    """One attempt at sending each message (notifications/delivery/sending.py), a batch at
    a time; how many ended in each status ("None": another sender has it, or it is not
    due). Messages failed for now or held back are sent again by a delayed send_messages
    when they are due, so Dramatiq's own retries are off: the rows keep the attempts. Safe
    to deliver twice, and beside other batches holding the same messages."""
    resources = await kept.resources()
    statuses: Counter[str] = Counter()
    for chunk in _chunks(message_ids, SEND_BATCH):
        deliveries = await deliver_batch(UnitOfWork(resources.engine), chunk, resources.channels)
        _send_again_when_due(deliveries)
        statuses.update(str(delivery.status) for delivery in deliveries.values())
    return dict(statuses)


@dramatiq.actor(max_retries=0)
async def send_message(message_id: int) -> str:
    """One attempt at sending a message: send_messages of one; returns its status after it.
    Safe to deliver twice."""
    resources = await kept.resources()
    delivery = await deliver(UnitOfWork(resources.engine), message_id, resources.channels)
    _send_again_when_due({message_id: delivery})
    return str(delivery.status)


# A Dramatiq message delayed for long sits unacknowledged in a worker's memory (up to a
# thousand a thread, first in first out), so a campaign deferred overnight would hold back
# every short retry behind it: messages due later than this are left to recover_messages'
# sweep, which sends any due QUEUED or DEFERRED message within a minute or two of its time.
MAX_SEND_DELAY_MS = 15 * 60 * 1000


def _send_again_when_due(deliveries: Mapping[int, Delivery]) -> None:
    for delay_ms, ids in due_again(deliveries, datetime.now(UTC), SEND_BATCH):
        if delay_ms <= MAX_SEND_DELAY_MS:
            send_messages.send_with_options(args=(ids,), delay=delay_ms)


def _chunks(ids: Sequence[int], size: int) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


@dramatiq.actor(max_retries=3)
def recover_messages() -> int:
    """Settle the messages crashed senders left SENDING (notifications/delivery/recovery.py:
    queued again, or UNCERTAIN and never resent), send the re-queued ones and the due ones
    whose send request was lost; returns how many messages it touched."""
    url = _database_url()
    recovered = run_with_uow(url, recover_stuck_messages)
    stale = run_with_uow(url, lambda uow: stale_due_messages(uow, STALE_MESSAGE_S))
    send_in_batches(sorted({*recovered.requeued, *stale}))
    return len(recovered.requeued) + len(recovered.uncertain) + len(stale)


@dramatiq.actor(max_retries=0)
def dispatch_events(run_for_s: float = RUN_FOR_S) -> int:
    """Make the messages of pending domain events (notifications/dispatch), batch after
    batch, and send the ones created to `send_messages` in batches; poll for new events (every half
    second when there are none) for `run_for_s` seconds, then return how many events it
    took. The scheduler sends it every minute, so one is almost always running.

    Safe to run twice at once (they take disjoint batches) and to crash anywhere: a batch
    is done only with its messages, a message is never made twice, and a message whose send
    request was lost after its batch committed is sent by recover_messages' sweep. Not
    retried: the next minute's run goes on."""
    settings = Settings.from_env()
    wanted = reactions(settings)

    async def drain(engine: AsyncEngine) -> int:
        return await drain_events(engine, wanted, send_in_batches, run_for_s=run_for_s)

    taken = run_with_engine(ensure_database_url(settings), drain)
    if taken:
        logger.info("dispatched %d event(s)", taken)
    return taken


@dramatiq.actor(max_retries=0)
def send_webhooks(run_for_s: float = WEBHOOKS_RUN_FOR_S) -> int:
    """Post the due webhook deliveries (webhooks/sending.py), signed, each customer's in
    order; poll for more (every half second when none is due) for `run_for_s` seconds, then
    return how many it claimed. The scheduler sends it every minute.

    Safe to run twice at once (each claims different heads under a lease) and to be killed
    anywhere: a delivery whose sender died is sent again when its lease runs out. Not
    retried: the next minute's run goes on."""
    settings = Settings.from_env()
    config = webhook_sender(settings)

    async def send(engine: AsyncEngine) -> int:
        return await send_for(engine, config, run_for_s=run_for_s)

    claimed = run_with_engine(ensure_database_url(settings), send)
    if claimed:
        logger.info("claimed %d webhook delivery(ies)", claimed)
    return claimed


@dramatiq.actor(max_retries=3, time_limit=RESYNC_TIME_LIMIT_MS)
def remind_expiring_points() -> int:
    """Remind the customers whose points expire in POINTS_EXPIRING's `days_before` days
    (notifications/builtins/expiring.py), a batch at a time, sending each batch's messages
    once it is committed; returns how many customers this run reminded. Safe to repeat and
    to run on several workers: a lot date's customers are reminded once."""
    settings = Settings.from_env()
    shop = shop_of(settings)
    done = run_with_uow(
        ensure_database_url(settings),
        lambda uow: remind_expiring(uow, shop, created=send_in_batches),
    )
    if done.lot_date is not None:
        logger.info(
            "reminded %d customer(s) of points expiring on %s (%d message(s))",
            done.customers,
            done.lot_date.isoformat(),
            done.messages,
        )
    return done.customers


@dramatiq.actor(max_retries=3)
def notice_promotion_starts() -> int:
    """Notice the promotions that have started since the last run to the staff who receive
    PROMOTION_STARTED (notifications/notices/promotion_starts.py), then send the notices;
    returns how many it made. Idempotent and safe on several workers at once: runs take
    turns, and each start is recorded as noticed in the transaction that queues its
    messages, so it is noticed once. A send request lost after the commit is sent again by
    `recover_messages`."""
    created = run_with_uow(_database_url(), notice_starts)
    send_in_batches(created)
    if created:
        logger.info("%d promotion start notice(s) queued", len(created))
    return len(created)


@dramatiq.actor(max_retries=0)
def run_funnels(run_for_s: float = RUN_FOR_S) -> int:
    """Run the funnels (funnels/engine/running.py) for `run_for_s` seconds: exit archived
    funnels' customers, move migrated versions' enrollments, enter the schedules' and
    campaigns' due customers, and advance every due enrollment batch after batch, sending
    each batch's messages once it has committed; returns how many steps ran. The scheduler
    sends it every minute, so one is almost always running.

    Safe to run twice at once (batches are taken FOR UPDATE SKIP LOCKED, an occurrence of a
    schedule enters once) and to crash anywhere: a batch's steps, runs and moves commit
    together or not at all. Not retried: the next minute's run goes on."""
    settings = Settings.from_env()
    wiring = runtime(settings)

    def send_helpers() -> None:
        for _ in range(settings.funnel_helpers):
            advance_funnels.send()

    async def work(engine: AsyncEngine) -> int:
        return await run_for(
            engine, VERSIONS, wiring, audience, send_in_batches, run_for_s, helpers=send_helpers
        )

    ran = run_with_engine(ensure_database_url(settings), work)
    if ran:
        logger.info("funnels ran %d step(s)", ran)
    return ran


@dramatiq.actor(max_retries=0)
def advance_funnels() -> int:
    """Help run_funnels through a backlog (a campaign that just entered a large segment):
    advance due enrollments batch after batch until none is due, in whichever worker
    process takes this message, sending each batch's messages once it has committed;
    returns how many steps ran. run_funnels sends TESSERA_FUNNEL_HELPERS of these when it
    finds one; with workers of several processes (`tessera worker --processes N`), each
    helper's Python runs on a core of its own. At most TESSERA_FUNNEL_HELPERS help at once:
    one sent while they all help leaves at once. Safe beside run_funnels and other helpers
    (batches are taken FOR UPDATE SKIP LOCKED) and to crash anywhere. Not retried."""
    settings = Settings.from_env()
    wiring = runtime(settings)

    async def work(engine: AsyncEngine) -> int | None:
        done = await help_while_due(engine, VERSIONS, wiring, send_in_batches,
                                    settings.funnel_helpers)  # fmt: skip
        return None if done is None else done.ran

    # A connection for the helper's slot, and one for each lane.
    ran = run_with_engine(ensure_database_url(settings), work, pool_size=1 + LANES)
    if ran is None:
        logger.info("a funnel helper left: TESSERA_FUNNEL_HELPERS already help")
        return 0
    logger.info("a funnel helper ran %d step(s)", ran)
    return ran


# An import of hundreds of megabytes takes minutes (bench/: a million customers in about
# two); a run stopped by the limit is retried and resumes after its last chunk.
IMPORT_TIME_LIMIT_MS = 60 * 60 * 1000


@dramatiq.actor(max_retries=3, time_limit=IMPORT_TIME_LIMIT_MS)
def run_import_job(job_id: int) -> str | None:
    """Run the import job startImport queued (domain/imports/running.py); returns its status
    after the run (None: no such job).

    Idempotent: a job finished, or taken by another run that is alive, is left as it is;
    a run delivered again after its worker was killed resumes the import after its last
    committed chunk (a dry run checks again), and a file loads once whatever the runs."""
    settings = Settings.from_env()
    chunk_rows = max(1, settings.import_chunk_rows)
    job = run_with_engine(
        ensure_database_url(settings),
        lambda engine: run_job(UnitOfWork(engine), job_id, chunk_rows=chunk_rows),
        pool_size=2,  # the import's connection, and its progress recorder's
    )
    if job is not None:
        logger.info("import job %s is %s", job_id, job.status)
    return None if job is None else job.status


@dramatiq.actor(max_retries=0)
def resume_import_jobs() -> int:
    """Send run_import_job again for the API's unfinished import jobs no run has written to
    for a minute (a QUEUED one for ten: its message may just wait behind others), whose
    worker died or whose message was lost; returns how many. The scheduler sends it every
    minute; a job another run has is not taken from it (running.ClaimRun)."""
    ids = run_with_uow(_database_url(), stale_jobs)
    for job_id in ids:
        run_import_job.send(job_id)
    return len(ids)


@dramatiq.actor(max_retries=3)
def delete_import_uploads() -> int:
    """Delete the import uploads older than a day that no unfinished job needs; returns
    how many. Idempotent."""
    deleted = run_with_uow(_database_url(), delete_stale_uploads)
    if deleted:
        logger.info("deleted %d import upload(s)", deleted)
    return deleted
