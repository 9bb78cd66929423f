"""Given messaging limits and a customer's past messages in the delivery log, when the claim
decides a batch of marketing messages at a given instant, then each waits for the end of the
customer's quiet hours (in their zone, else the program's default, else UTC) or for its
place under the cap, whichever is later; transactional messages and other customers' or
channels' messages are left alone; and only what reached or may reach the customer counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from notifications.delivery.models import Channel, Purpose, Status
from notifications.fatigue.models import Deferral, DeferralReason, LimitChannel, PeriodUnit
from notifications.fatigue.validation import ChannelLimitsSpec, QuietHoursSpec
from tests.notifications.fatigue.support import (
    NIGHT,
    cap,
    customer,
    decide,
    limits,
    queued,
    sent_at,
    set_row,
)

QUIET = DeferralReason.QUIET_HOURS
CAP = DeferralReason.FREQUENCY_CAP


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def test_a_customer_in_rome_at_22_30_gets_the_message_at_9_local_8_utc_in_winter(
    clean_db: AsyncEngine,
) -> None:
    # Given quiet hours 21:00-09:00 and Ann in Europe/Rome
    await limits(clean_db, quiet_hours=NIGHT)
    ann = await customer(clean_db, "ann", "Europe/Rome")
    email = await queued(clean_db, ann, "promo", Channel.EMAIL)
    # When her marketing email is claimed at 22:30 in Rome (21:30 UTC, in winter)
    found = await decide(clean_db, [email], utc("2027-01-15T21:30"))
    # Then it waits until 09:00 in Rome, 08:00 UTC
    assert found == {email: Deferral(utc("2027-01-16T08:00"), QUIET)}
    # And at 09:00 it may go
    assert await decide(clean_db, [email], utc("2027-01-16T08:00")) == {}


async def test_without_a_zone_the_programs_default_then_utc(clean_db: AsyncEngine) -> None:
    bob = await customer(clean_db, "bob")  # no time zone
    sms = await queued(clean_db, bob, "promo")
    at = utc("2027-01-16T03:00")  # 22:00 in New York, 03:00 in UTC
    await limits(clean_db, quiet_hours=NIGHT, default_time_zone="America/New_York")
    assert await decide(clean_db, [sms], at) == {sms: Deferral(utc("2027-01-16T14:00"), QUIET)}
    await limits(clean_db, quiet_hours=NIGHT)
    assert await decide(clean_db, [sms], at) == {sms: Deferral(utc("2027-01-16T09:00"), QUIET)}


async def test_a_channels_own_quiet_hours_replace_the_program_wide_ones(
    clean_db: AsyncEngine,
) -> None:
    # Given program-wide 21:00-09:00 and, for SMS, 20:00-10:00
    sms_night = ChannelLimitsSpec(LimitChannel.SMS, quiet_hours=QuietHoursSpec("20:00", "10:00"))
    await limits(clean_db, quiet_hours=NIGHT, channels=(sms_night,))
    ann = await customer(clean_db, "ann", "Europe/Rome")
    sms = await queued(clean_db, ann, "sms")
    mms = await queued(clean_db, ann, "mms", Channel.MMS)
    email = await queued(clean_db, ann, "email", Channel.EMAIL)
    # When they are claimed at 09:30 in Rome
    found = await decide(clean_db, [sms, mms, email], utc("2027-01-15T08:30"))
    # Then the SMS and the MMS wait until 10:00; the email goes
    assert found == {
        sms: Deferral(utc("2027-01-15T09:00"), QUIET),
        mms: Deferral(utc("2027-01-15T09:00"), QUIET),
    }


async def test_transactional_messages_skip_quiet_hours_and_caps(clean_db: AsyncEngine) -> None:
    week_of_1 = cap(LimitChannel.SMS, 1, 7, PeriodUnit.DAYS)
    await limits(clean_db, quiet_hours=NIGHT, channels=(week_of_1,))
    ann = await customer(clean_db, "ann", "Europe/Rome")
    now = utc("2027-01-15T23:00")  # midnight in Rome
    await sent_at(clean_db, await queued(clean_db, ann, "earlier"), now - timedelta(hours=2))
    voucher = await queued(clean_db, ann, "voucher", purpose=Purpose.TRANSACTIONAL)
    assert await decide(clean_db, [voucher], now) == {}


async def test_at_the_cap_a_message_waits_for_the_oldest_counted_to_leave_the_window(
    clean_db: AsyncEngine,
) -> None:
    # Given at most 3 SMS a week, and three sent 6 days, 2 days and 1 hour ago
    await limits(clean_db, channels=(cap(LimitChannel.SMS, 3, 7, PeriodUnit.DAYS),))
    ann = await customer(clean_db, "ann", "Europe/Rome")
    now = utc("2027-01-15T12:00")
    for n, ago in enumerate([timedelta(days=6), timedelta(days=2), timedelta(hours=1)]):
        await sent_at(clean_db, await queued(clean_db, ann, f"sent-{n}"), now - ago)
    sms = await queued(clean_db, ann, "fourth")
    # Then the fourth waits one day, until the first is a week old
    assert await decide(clean_db, [sms], now) == {sms: Deferral(now + timedelta(days=1), CAP)}
    # And an email is not held by the SMS cap
    email = await queued(clean_db, ann, "email", Channel.EMAIL)
    assert await decide(clean_db, [email], now) == {}


async def test_a_cap_that_ends_in_quiet_hours_waits_for_their_end(clean_db: AsyncEngine) -> None:
    # Given 2 SMS a day, 21:00-09:00, and two sent at 22:00 yesterday and 12:00 today (Rome)
    await limits(
        clean_db, quiet_hours=NIGHT, channels=(cap(LimitChannel.SMS, 2, 1, PeriodUnit.DAYS),)
    )
    ann = await customer(clean_db, "ann", "Europe/Rome")
    await sent_at(clean_db, await queued(clean_db, ann, "a"), utc("2027-01-14T21:00"))
    await sent_at(clean_db, await queued(clean_db, ann, "b"), utc("2027-01-15T11:00"))
    sms = await queued(clean_db, ann, "c")
    # When a third is claimed at 13:00: the cap frees a place at 22:00, in the quiet hours
    found = await decide(clean_db, [sms], utc("2027-01-15T12:00"))
    # Then it waits until the quiet hours end, 09:00 the next day, for the cap
    assert found == {sms: Deferral(utc("2027-01-16T08:00"), CAP)}


async def test_only_what_reached_or_may_reach_the_customer_counts(clean_db: AsyncEngine) -> None:
    # Given at most 2 SMS a day
    await limits(clean_db, channels=(cap(LimitChannel.SMS, 2, 1, PeriodUnit.DAYS),))
    ann = await customer(clean_db, "ann")
    now = utc("2027-01-15T12:00")
    hour_ago = now - timedelta(hours=1)
    # And today: a transactional SMS, a refused one, a suppressed one, one still queued, one
    # deferred, and a marketing email
    for key, status, purpose, channel in [
        ("t", Status.SENT, Purpose.TRANSACTIONAL, Channel.SMS),
        ("f", Status.FAILED, Purpose.MARKETING, Channel.SMS),
        ("s", Status.SUPPRESSED, Purpose.MARKETING, Channel.SMS),
        ("q", Status.QUEUED, Purpose.MARKETING, Channel.SMS),
        ("d", Status.DEFERRED, Purpose.MARKETING, Channel.SMS),
        ("e", Status.SENT, Purpose.MARKETING, Channel.EMAIL),
    ]:
        message_id = await queued(clean_db, ann, key, channel, purpose)
        await set_row(clean_db, message_id, status=status, claimed_at=hour_ago)
    sms = await queued(clean_db, ann, "new")
    # Then none of them counts
    assert await decide(clean_db, [sms], now) == {}
    # But an MMS captured by the sandbox and an SMS a sender is handing over right now do
    mms = await queued(clean_db, ann, "mms", Channel.MMS)
    await set_row(clean_db, mms, status=Status.CAPTURED, claimed_at=now - timedelta(hours=3))
    await set_row(clean_db, await queued(clean_db, ann, "busy"), status=Status.SENDING,
                  claimed_at=now - timedelta(seconds=2))  # fmt: skip
    found = await decide(clean_db, [sms], now)
    assert found == {sms: Deferral(now + timedelta(hours=21), CAP)}
    # And so does a message that may have gone (a sender stopped after the hand-over)
    await set_row(clean_db, mms, status=Status.UNCERTAIN)
    assert await decide(clean_db, [sms], now) == found


async def test_in_a_batch_the_lower_ids_take_the_places_left(clean_db: AsyncEngine) -> None:
    # Given 3 SMS a week, one sent two days ago, and five claimed together
    await limits(clean_db, channels=(cap(LimitChannel.SMS, 3, 7, PeriodUnit.DAYS),))
    ann = await customer(clean_db, "ann")
    bob = await customer(clean_db, "bob")
    now = utc("2027-01-15T12:00")
    await sent_at(clean_db, await queued(clean_db, ann, "old"), now - timedelta(days=2))
    batch = [await queued(clean_db, ann, f"new-{n}") for n in range(5)]
    bobs = [await queued(clean_db, bob, f"bob-{n}") for n in range(3)]
    # When they are decided at once
    found = await decide(clean_db, list(reversed(batch)) + bobs, now)
    # Then the two lowest go now, and the other three wait until a place frees, in five
    # days (the old one leaves the week); then they are decided again, one by one. Bob's
    # messages have their own cap.
    in_five_days = Deferral(now + timedelta(days=5), CAP)
    assert found == {batch[2]: in_five_days, batch[3]: in_five_days, batch[4]: in_five_days}
