"""Noticing promotions as they start. A promotion's start is a moment, not a change: no
event is written then, so a job (every minute) looks for promotions that have started.

A run, in one transaction:

1. locks its watermark (the moment the previous run looked up to), so runs take turns;
2. asks promotions for those started by now that are in force now or started after the
   watermark (so one that started and ended between two runs is found too; one created or
   re-activated already started is in force, so it is found whenever it was made);
3. leaves out the starts already noticed (promotion and start time; a start moved is a new
   start), and records the others as noticed, with the number of customers each is for
   (counted by the customers area);
4. queues one email per address that receives PROMOTION_STARTED, dedupe key
   `notice:PROMOTION_STARTED:<promotion id>:<start time>:<address>`;
5. moves the watermark to now.

So each start is noticed once however often, and however concurrently, the job runs; a run
that fails leaves everything as it was for the next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.customers.repository import count_customers
from domain.promotions.models import Promotion
from domain.promotions.services import started_promotions
from domain.uow import UnitOfWork
from notifications.delivery.queueing import QueueMessage
from notifications.notices.content import PromotionFacts, promotion_started_content
from notifications.notices.messages import Notice, notice_messages
from notifications.notices.models import EVERY_SHOP, NoticeKind
from notifications.notices.recipients import all_recipients
from notifications.notices.tables import notice_promotion_starts as noticed_starts
from notifications.notices.tables import notice_watermarks

JOB = "promotion_starts"


async def notice_promotion_starts(uow: UnitOfWork, now: datetime | None = None) -> list[int]:
    """Notice every promotion start not noticed yet (see the module's docstring) as of `now`
    (the database's clock by default); the ids of the messages this run created, for the
    caller to send after the commit."""
    return await run(uow, NoticePromotionStarts(now))


@dataclass(frozen=True)
class NoticePromotionStarts(Command[list[int]]):
    now: datetime | None = None

    async def handle(self, uow: UnitOfWork) -> list[int]:
        now = self.now or (await uow.execute(select(func.now()))).scalar_one()
        since = await _lock_watermark(uow, now)
        started = await started_promotions(uow, now, since)
        new = await _not_noticed(uow, started)
        recipients = await all_recipients(uow)
        created: list[int] = []
        for promotion in new:
            customers = await count_customers(uow, promotion.spec.customer_conditions())
            await uow.execute(
                insert(noticed_starts)
                .values(
                    promotion_id=promotion.id,
                    starts_at=promotion.spec.starts_at,
                    customers=customers,
                )
                .on_conflict_do_nothing()
            )
            for message in notice_messages(_notice(promotion, customers), recipients):
                queued = await QueueMessage(message).handle(uow)
                if queued.created:
                    created.append(queued.message.id)
        await uow.execute(
            notice_watermarks.update()
            .where(notice_watermarks.c.job == JOB)
            .values(until=func.greatest(notice_watermarks.c.until, now))
        )
        return created


async def _lock_watermark(uow: UnitOfWork, now: datetime) -> datetime:
    """The moment the previous run looked up to (the first run: `now`, so it notices the
    promotions in force), its row locked until this run commits."""
    await uow.execute(insert(notice_watermarks).values(job=JOB, until=now).on_conflict_do_nothing())
    until: datetime = (
        await uow.execute(
            select(notice_watermarks.c.until)
            .where(notice_watermarks.c.job == JOB)
            .with_for_update()
        )
    ).scalar_one()
    return until


async def _not_noticed(uow: UnitOfWork, started: list[Promotion]) -> list[Promotion]:
    if not started:
        return []
    keys = [(p.id, p.spec.starts_at) for p in started]
    t = noticed_starts.c
    noticed = {
        (row.promotion_id, row.starts_at)
        for row in await uow.execute(
            select(t.promotion_id, t.starts_at).where(tuple_(t.promotion_id, t.starts_at).in_(keys))
        )
    }
    return [p for p in started if (p.id, p.spec.starts_at) not in noticed]


def _notice(promotion: Promotion, customers: int) -> Notice:
    spec = promotion.spec
    facts = PromotionFacts(
        name=spec.name,
        multiplier=spec.multiplier,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        channels=spec.channels,
        product_lines=spec.product_lines,
        customers=customers,
    )
    reference = f"{promotion.id}:{spec.starts_at.isoformat()}"
    return Notice(
        NoticeKind.PROMOTION_STARTED,
        reference,
        EVERY_SHOP,
        partial(promotion_started_content, facts),
    )
