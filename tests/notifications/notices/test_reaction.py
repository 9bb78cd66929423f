"""Given notice recipients per shop and program-wide, when real domain actions write their
events and the Notices reaction is asked for them (as the dispatcher asks after commit),
then a large manual adjustment, a gift run and an expiry run each make one email per
address that receives its kind, with its totals, and never a second one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.gifts.cron import next_after
from domain.gifts.models import GiftScheduleSpec
from domain.gifts.runs import run_gift_schedules
from domain.gifts.services import create_gift_schedule
from domain.ledger.expiry_job import expire_points
from domain.ledger.services import adjust_points
from domain.ledger.validity import update_expiry_rule
from domain.uow import UnitOfWork
from notifications.channels.email import SmtpConfig, SmtpSender
from notifications.delivery.models import Status
from notifications.delivery.sending import Channels, deliver
from notifications.dispatch.reactions import Reaction
from notifications.notices.reaction import Notices
from notifications.notices.settings import set_large_adjustment_threshold
from tests.notifications.notices.support import (
    last_event_id,
    notices,
    pending_events,
    react,
    recipient,
)
from tests.support.smtp_server import smtp_server

ADJUSTMENTS = "LARGE_ADJUSTMENT"


def test_notices_is_a_reaction() -> None:
    reaction: Reaction = Notices()
    assert reaction is not None


async def _ann(engine: AsyncEngine) -> str:
    values = {"first_name": "Ann", "last_name": "Rossi", "external_ref": "ann"}
    return str((await create_customer(UnitOfWork(engine), values, None)).item.id)


async def test_a_large_manual_adjustment_is_noticed_to_its_shop_and_the_program_wide_only(
    clean_db: AsyncEngine,
) -> None:
    # Given a threshold of 5,000 points, a manager of each of two shops and head office
    await set_large_adjustment_threshold(UnitOfWork(clean_db), 5_000, "test")
    await recipient(clean_db, "centro@shop.example", ADJUSTMENTS, shop="centro")
    await recipient(clean_db, "mare@shop.example", ADJUSTMENTS, shop="mare")
    await recipient(clean_db, "HQ@Shop.Example", ADJUSTMENTS)
    await recipient(clean_db, "gifts@shop.example", "GIFT_RUN_FINISHED")
    ann = await _ann(clean_db)
    start = await last_event_id(clean_db)
    # When staff at "centro" credit Ann 5,000 points (at the threshold) and 4,999 points
    # (under it), and head office (no shop) debits her 6,000
    new = lambda: UnitOfWork(clean_db)  # noqa: E731
    credit = await adjust_points(
        new(), ann, 5_000, "contest prize", "a1", "staff:7:maria", "centro"
    )
    await adjust_points(new(), ann, 4_999, "complaint", "a2", "staff:7:maria", "centro")
    await adjust_points(new(), ann, -6_000, "duplicate card", "a3", "staff:1:admin")
    created = await react(clean_db, await pending_events(clean_db, start))
    # Then the credit at the threshold is noticed to centro's manager and head office, the
    # debit without a shop to head office only, the one under the threshold to nobody
    made = await notices(clean_db, ADJUSTMENTS)
    assert len(created) == 3
    ann_rossi = f"Ann Rossi (customer {ann})"
    assert [(m.recipient, m.content["subject"]) for m in made] == [
        ("centro@shop.example", f"Large adjustment: +5,000 points for {ann_rossi}"),
        ("hq@shop.example", f"Large adjustment: +5,000 points for {ann_rossi}"),
        ("hq@shop.example", f"Large adjustment: -6,000 points for {ann_rossi}"),
    ]
    # And each says who made it, where, why and the balance after, with no customer of its
    # own (no consent applies), transactional, by email
    first = made[0]
    when = credit.entry.created_at.astimezone(UTC).strftime("%H:%M")
    assert first.content["text"].startswith(
        f"A manual adjustment of +5,000 points was made for {ann_rossi} "
        "at the shop centro.\n\nBy: staff:7:maria\n"
    )
    assert f"{when} UTC" in first.content["text"]
    assert "Note: contest prize\nBalance after: 5,000 points\n" in first.content["text"]
    assert "Adjustments of 5,000 points or more are reported." in first.content["text"]
    assert "<td>contest prize</td>" in first.content["html"]
    assert (first.customer_id, first.purpose, first.channel) == (None, "TRANSACTIONAL", "EMAIL")
    entry_event = (await pending_events(clean_db, start))[0]
    assert first.dedupe_key == f"notice:LARGE_ADJUSTMENT:{entry_event.id}:centro@shop.example"
    # And the same events given again (a redelivery, a second dispatcher) make nothing more
    again = await react(clean_db, await pending_events(clean_db, start))
    assert again == [] and len(await notices(clean_db)) == 3


async def test_the_threshold_is_read_when_the_events_are_handled(clean_db: AsyncEngine) -> None:
    # Given the default threshold (1,000 points) and head office
    await recipient(clean_db, "hq@shop.example", ADJUSTMENTS)
    ann = await _ann(clean_db)
    start = await last_event_id(clean_db)
    await adjust_points(UnitOfWork(clean_db), ann, 1_000, "prize", "d1", "staff:1:admin")
    await adjust_points(UnitOfWork(clean_db), ann, 999, "prize", "d2", "staff:1:admin")
    # Then 1,000 points is large, 999 is not
    await react(clean_db, await pending_events(clean_db, start))
    assert [m.content["subject"][:27] for m in await notices(clean_db)] == [
        "Large adjustment: +1,000 po"
    ]
    # And purchases' points, however many, are no manual adjustment
    await set_large_adjustment_threshold(UnitOfWork(clean_db), 1, "test")
    events = await pending_events(clean_db, start)
    earned = [e for e in events if e.type == "PointsEarned"]
    assert len(earned) == 2 and all(e.payload["kind"] == "MANUAL" for e in earned)
    await react(clean_db, events)
    assert len(await notices(clean_db)) == 2  # now 999 is large too, and noticed once


async def test_a_gift_run_is_noticed_with_its_totals_to_every_recipient_of_the_kind(
    clean_db: AsyncEngine,
) -> None:
    # Given three customers, a monthly gift of 50 points, and recipients in two shops and
    # program-wide (the expiry-only one does not get gift runs)
    for _ in range(3):
        await create_customer(UnitOfWork(clean_db), {}, None)
    await recipient(clean_db, "centro@shop.example", "GIFT_RUN_FINISHED", shop="centro")
    await recipient(clean_db, "hq@shop.example", "GIFT_RUN_FINISHED", "EXPIRY_RUN_FINISHED")
    await recipient(clean_db, "expiry@shop.example", "EXPIRY_RUN_FINISHED")
    spec = GiftScheduleSpec("Monthly thanks", "0 9 1 * *", 50, "Thank you")
    made = (await create_gift_schedule(UnitOfWork(clean_db), spec, "g")).item
    period = next_after(spec.cron, made.runs_from)
    assert period is not None
    start = await last_event_id(clean_db)
    # When the gift run pays its period
    await run_gift_schedules(UnitOfWork(clean_db), period + timedelta(minutes=1))
    await react(clean_db, await pending_events(clean_db, start))
    # Then both recipients of gift runs hear of it, with the totals
    made_notices = await notices(clean_db, "GIFT_RUN_FINISHED")
    assert [m.recipient for m in made_notices] == ["centro@shop.example", "hq@shop.example"]
    content = made_notices[0].content
    assert content["subject"] == "Gift run finished: Monthly thanks, 150 points to 3 customers"
    assert content["text"] == (
        f'The gift schedule "Monthly thanks" paid its period of '
        f"{period.strftime('%b')} 1, {period.year}, 09:00 UTC.\n\n"
        "Customers credited: 3\n"
        "Customers skipped: 0 (the gift would have taken their balance past the ceiling)\n"
        "Points credited: 150"
    )
    assert await react(clean_db, await pending_events(clean_db, start)) == []


async def test_an_expiry_run_is_noticed_with_its_totals(clean_db: AsyncEngine) -> None:
    # Given points valid one day, two customers with 1,200 and 300 points, head office
    await update_expiry_rule(UnitOfWork(clean_db), 1, None)
    for n, points in enumerate((1_200, 300)):
        cid = str((await create_customer(UnitOfWork(clean_db), {}, None)).item.id)
        await adjust_points(UnitOfWork(clean_db), cid, points, "start", f"e{n}", "t")
    await recipient(clean_db, "hq@shop.example", "EXPIRY_RUN_FINISHED")
    start = await last_event_id(clean_db)
    # When the expiry job runs three days later
    as_of = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    await expire_points(UnitOfWork(clean_db), as_of)
    await react(clean_db, await pending_events(clean_db, start))
    # Then head office hears of the 1,500 points expired from 2 customers, once
    (notice,) = await notices(clean_db, "EXPIRY_RUN_FINISHED")
    assert notice.content["subject"] == "Points expired: 1,500 points of 2 customers"
    assert "Customers who lost points: 2\nPoints expired: 1,500" in notice.content["text"]
    assert as_of.strftime("%H:%M UTC") in notice.content["text"]
    # And a second run, with nothing left to expire, tells nothing
    later = await last_event_id(clean_db)
    await expire_points(UnitOfWork(clean_db), as_of + timedelta(days=1))
    assert await pending_events(clean_db, later) == []


async def test_without_recipients_nothing_is_made(clean_db: AsyncEngine) -> None:
    ann = await _ann(clean_db)
    start = await last_event_id(clean_db)
    await adjust_points(UnitOfWork(clean_db), ann, 50_000, "prize", "n1", "staff:1:admin")
    assert await react(clean_db, await pending_events(clean_db, start)) == []


async def test_a_large_adjustment_notice_goes_out_through_the_send_path_by_smtp(
    clean_db: AsyncEngine,
) -> None:
    # Given head office and a large manual debit at the shop "mare", its notice queued
    await recipient(clean_db, "hq@shop.example", ADJUSTMENTS)
    ann = await _ann(clean_db)
    await adjust_points(UnitOfWork(clean_db), ann, 2_000, "start", "m1", "t")
    start = await last_event_id(clean_db)
    await adjust_points(
        UnitOfWork(clean_db), ann, -1_500, "fraud <check>", "m2", "staff:2:luca", "mare"
    )
    (message_id,) = await react(clean_db, await pending_events(clean_db, start))
    # When a sender delivers it through a real SMTP server
    with smtp_server() as (inbox, server):
        email = SmtpSender(SmtpConfig("127.0.0.1", server.port))
        try:
            channels = Channels(email=email, email_from="loyalty@shop.example")
            delivery = await deliver(UnitOfWork(clean_db), message_id, channels)
        finally:
            await email.close()
    # Then it is sent (no customer, so no consent is asked), text and HTML, escaped in HTML
    assert delivery.status is Status.SENT
    (sent,) = inbox.messages
    assert (sent["To"], sent["Subject"]) == (
        "hq@shop.example",
        f"Large adjustment: -1,500 points for Ann Rossi (customer {ann})",
    )
    plain, html = sent.get_body(("plain",)), sent.get_body(("html",))
    assert plain is not None and html is not None
    text = plain.get_content().replace("\r\n", "\n")  # SMTP's line ends
    assert "at the shop mare.\n\nBy: staff:2:luca\n" in text
    assert "Note: fraud <check>\n" in text
    assert "<td>fraud &lt;check&gt;</td>" in html.get_content()
