"""Given customers with and without addresses and consent, messaging limits (a cap, quiet
hours) and messages already sent, when a funnel's send steps are dry-run, then each step
counts per channel the messages that would go, those held by the cap or the quiet hours
(still sent later), the customers without an address or consent; and a template gone
fails the whole step as the engine would."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from notifications.delivery.models import Channel
from notifications.fatigue.models import LimitChannel, PeriodUnit
from notifications.fatigue.validation import ChannelLimitsSpec, QuietHoursSpec
from tests.funnels.engine.support import START, active_funnel
from tests.funnels.segments.people import execute
from tests.funnels.simulation.support import by_step, campaign, seed_messaging, shopper, simulate
from tests.notifications.fatigue.support import cap, limits, queued, sent_at

TWO_SMS = campaign("first", [
    {"id": "first", "type": "sendSms", "template": "hello sms", "next": "second"},
    {"id": "second", "type": "sendSms", "template": "hello sms"},
])  # fmt: skip


async def test_address_and_consent_decide_who_gets_a_message(clean_db: AsyncEngine) -> None:
    await seed_messaging(clean_db)
    await shopper(clean_db, email="a@example.com", phone="+393331111111", email_consent=True)
    await shopper(clean_db, email="b@example.com", email_consent=False)
    await shopper(clean_db)  # no address at all
    definition = campaign("mail", [
        {"id": "mail", "type": "sendEmail", "template": "welcome", "next": "sms"},
        {"id": "sms", "type": "sendSms", "template": "hello sms"},
    ])  # fmt: skip

    simulation = await simulate(clean_db, definition=definition)

    mail, sms = by_step(simulation)["mail"].messages, by_step(simulation)["sms"].messages
    assert mail is not None and sms is not None
    assert (mail.channel, mail.would_send, mail.no_consent, mail.no_address) == (
        Channel.EMAIL, 1, 1, 1)  # fmt: skip
    assert (sms.would_send, sms.no_consent, sms.no_address) == (0, 1, 2)
    # Everyone goes on (no address or consent fails nobody)
    assert by_step(simulation)["sms"].completed == 3
    assert [m.channel for m in simulation.totals.messages] == [Channel.EMAIL, Channel.SMS]


async def test_a_cap_counts_sent_messages_and_the_earlier_steps_ones(clean_db: AsyncEngine) -> None:
    await seed_messaging(clean_db)
    await shopper(clean_db, phone="+393331111111", sms=True)
    texted = await shopper(clean_db, phone="+393332222222", sms=True)
    await limits(clean_db, channels=(cap(LimitChannel.SMS, 1, 1, PeriodUnit.DAYS),))
    # Given a marketing SMS sent to one of them two hours before asOf
    message = await queued(clean_db, texted, "earlier")
    await sent_at(clean_db, message, START - timedelta(hours=2))

    simulation = await simulate(clean_db, definition=TWO_SMS)

    first, second = by_step(simulation)["first"].messages, by_step(simulation)["second"].messages
    assert first is not None and second is not None
    # Then the first step holds the texted customer's SMS back, the second both
    assert (first.would_send, first.capped) == (2, 1)
    assert (second.would_send, second.capped) == (2, 2)


async def test_quiet_hours_defer_at_each_customers_local_time(clean_db: AsyncEngine) -> None:
    await seed_messaging(clean_db)
    # asOf is 08:00 UTC: 09:00 in Rome (after the night), 03:00 in New York, 08:00 in UTC
    await shopper(clean_db, phone="+393331111111", sms=True, time_zone="Europe/Rome")
    await shopper(clean_db, phone="+12125550100", sms=True, time_zone="America/New_York")
    await shopper(clean_db, phone="+393332222222", sms=True)
    night = QuietHoursSpec("21:00", "09:00")
    await limits(clean_db, channels=(ChannelLimitsSpec(LimitChannel.SMS, quiet_hours=night),))

    simulation = await simulate(clean_db, definition=TWO_SMS)

    first = by_step(simulation)["first"].messages
    assert first is not None
    assert (first.would_send, first.deferred_quiet_hours, first.capped) == (3, 2, 0)


async def test_a_template_made_transactional_fails_the_step(clean_db: AsyncEngine) -> None:
    await seed_messaging(clean_db)
    await shopper(clean_db, phone="+393331111111", sms=True)
    funnel = await active_funnel(clean_db, TWO_SMS, "two sms")
    await execute(clean_db, "UPDATE message_templates SET purpose = 'TRANSACTIONAL'")

    simulation = await simulate(clean_db, funnel_id=funnel)

    first = by_step(simulation)["first"]
    assert (first.reached, first.failures, simulation.totals.failed) == (
        1, {"TEMPLATE_UNAVAILABLE": 1}, 1)  # fmt: skip
    assert first.messages is not None and first.messages.would_send == 0


async def test_a_shortcode_without_a_value_fails_to_render(clean_db: AsyncEngine) -> None:
    refs = await seed_messaging(clean_db)
    await shopper(clean_db, phone="+393331111111", sms=True, balance=900)
    await shopper(clean_db, phone="+393332222222", sms=True, balance=10)
    definition = campaign("rich", [
        {"id": "rich", "type": "branch", "filter": {"balance": {"gte": 500}}, "yes": "voucher",
         "no": "sms"},
        {"id": "voucher", "type": "issueVoucher", "voucherBatch": refs["batch"], "next": "sms"},
        {"id": "sms", "type": "sendSms", "template": "voucher sms"},  # shows [voucher_code]
    ])  # fmt: skip

    simulation = await simulate(clean_db, definition=definition)

    sms = by_step(simulation)["sms"].messages
    # Then the customer given a voucher gets the SMS; the other's fails to render
    assert sms is not None and (sms.would_send, sms.render_failed) == (1, 1)
    assert by_step(simulation)["sms"].completed == 2
