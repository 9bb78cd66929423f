"""Points about to expire: a daily job reminds each customer whose open lots expire on
today + N days (N is the POINTS_EXPIRING setting's `days_before`), one message per
customer, lot date and channel (`expiring:{customer}:{date}:{channel}`).

Set-based, for a million customers: a batch of customers (in id order, from the ledger's
`expiring_on`) per transaction, every fact read once per batch, the messages inserted in
one statement. The run's progress is a row per lot date (`expiry_reminder_runs`), locked by
each batch: a run cut short continues where it stopped, two runs at once take turns batch
by batch and never remind a customer twice, and a run the same day after the first finished
does nothing. A day the job did not run at all is not caught up: those lots get no
reminder (their date is N - 1 days away the next day)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.ledger.expiring_soon import expiring_on
from domain.uow import UnitOfWork
from notifications.builtins.messages import built_in_messages
from notifications.builtins.models import BuiltInKind
from notifications.builtins.occasions import expiring
from notifications.builtins.settings import builtin_settings
from notifications.builtins.tables import expiry_reminder_runs
from notifications.delivery.models import Status
from notifications.delivery.queueing import insert_messages
from notifications.dispatch.composing import Shop

BATCH_CUSTOMERS = 1_000


@dataclass(frozen=True)
class ReminderRun:
    """What a run did: the lot date it reminded (None: the notification is off), how many
    customers this run reminded and how many messages it created."""

    lot_date: date | None
    customers: int
    messages: int


async def remind_expiring_points(
    uow: UnitOfWork,
    shop: Shop,
    today: date | None = None,
    batch_customers: int = BATCH_CUSTOMERS,
    created: Callable[[list[int]], None] | None = None,
) -> ReminderRun:
    """Remind every customer whose lots expire on `today` (UTC, by default the current
    date) + days_before, a batch at a time, each batch committed with its messages; after
    each commit, `created` gets the ids of the batch's messages to send. Safe to run again
    and on several workers at once (see the module's docstring)."""
    day = today or datetime.now(UTC).date()
    customers = made = 0
    while True:
        batch = await run(uow, RemindBatch(shop, day, batch_customers))
        customers += batch.customers
        made += len(batch.message_ids) + batch.failed
        if created is not None and batch.message_ids:
            created(batch.message_ids)
        if batch.done:
            return ReminderRun(batch.lot_date, customers, made)


@dataclass(frozen=True)
class RemindedBatch:
    lot_date: date | None
    done: bool
    customers: int
    message_ids: list[int]  # created QUEUED, to send
    failed: int  # created FAILED (the template failed for the customer)


@dataclass(frozen=True)
class RemindBatch(Command[RemindedBatch]):
    """The next batch of a lot date's reminders, under the lock of the date's run row."""

    shop: Shop
    today: date
    batch: int

    async def handle(self, uow: UnitOfWork) -> RemindedBatch:
        setting = (await builtin_settings(uow))[BuiltInKind.POINTS_EXPIRING]
        if not (setting.enabled and setting.template_ids and setting.days_before):
            return RemindedBatch(None, True, 0, [], 0)
        lot_date = self.today + timedelta(days=setting.days_before)
        runs = expiry_reminder_runs.c
        await uow.execute(
            insert(expiry_reminder_runs).values(lot_date=lot_date).on_conflict_do_nothing()
        )
        progress = (
            await uow.execute(
                select(runs.after_customer_id, runs.finished_at)
                .where(runs.lot_date == lot_date)
                .with_for_update()
            )
        ).one()
        if progress.finished_at is not None:
            return RemindedBatch(lot_date, True, 0, [], 0)
        lots = await expiring_on(uow, lot_date, progress.after_customer_id, self.batch)
        occasions = [expiring(lot.customer_id, lot_date, lot.points) for lot in lots]
        settings = {BuiltInKind.POINTS_EXPIRING: setting}
        made = await insert_messages(
            uow, await built_in_messages(uow, self.shop, settings, occasions)
        )
        done = len(lots) < self.batch
        await uow.execute(
            update(expiry_reminder_runs)
            .where(runs.lot_date == lot_date)
            .values(
                after_customer_id=lots[-1].customer_id if lots else progress.after_customer_id,
                customers=runs.customers + len(lots),
                finished_at=func.now() if done else None,
            )
        )
        return RemindedBatch(
            lot_date,
            done,
            len(lots),
            sorted(m.id for m in made if m.status is Status.QUEUED),
            sum(1 for m in made if m.status is Status.FAILED),
        )
