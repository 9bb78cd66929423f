"""Given built-in notifications switched on with templates, when real domain writes record
their events and the dispatcher runs, then each kind makes its message, rendered in the
customer's locale (with the fallback), once, and a template failing for one customer holds
no one else up."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.access.principals import Staff
from domain.badges.models import BadgeBasis, BadgeSpec
from domain.badges.services import create_badge
from domain.ledger.services import adjust_points
from domain.rewards.claims import claim_reward
from domain.rewards.models import RewardKind, RewardSpec
from domain.rewards.services import create_reward
from domain.uow import UnitOfWork
from domain.vouchers.batches import BatchRequest, assign_voucher, create_voucher_batch
from domain.vouchers.conversion import convert_points_to_voucher, update_conversion
from domain.vouchers.models import VoucherKind, VoucherTerms
from domain.vouchers.queries import VoucherFilter, find_vouchers
from notifications.builtins.models import BuiltInKind
from notifications.delivery.models import Channel, Purpose, Status
from notifications.delivery.sending import Channels, deliver, get_message
from tests.support.builtins import (
    customer,
    dispatch_all,
    email_template,
    messages_of,
    purchase,
    switch_on,
    text_template,
)

EARNED_EMAIL = {
    "it-IT": ("Hai guadagnato [points_earned] punti da [shop_name]", "Saldo: [points] punti"),
    "en-US": ("You earned [points_earned] points at [shop_name]", "Balance: [points] points"),
}


async def _credit(engine: AsyncEngine, customer_id: int, points: int, key: str) -> None:
    await adjust_points(UnitOfWork(engine), str(customer_id), points, "test", key, "test")


async def test_points_earned_on_a_purchase_in_each_customers_locale(
    clean_db: AsyncEngine,
) -> None:
    # Given "points earned" by email (Italian, English as the fallback) and SMS (English)
    html = '<p>[first_name]: [points_earned]</p><a href="[unsubscribe_link]">stop</a>'
    email = await email_template(clean_db, EARNED_EMAIL, html=html)
    sms = await text_template(clean_db, {"en-US": "+[points_earned] pts at [shop_name]"})
    await switch_on(clean_db, BuiltInKind.POINTS_EARNED, email=email, text=sms)
    # And customers in Italy, Germany and the US (only Giulia has a phone)
    giulia = await customer(clean_db, "giulia", locale="it-IT", phone="+393331234567")
    hans = await customer(clean_db, "hans", locale="de-DE")
    john = await customer(clean_db, "john")
    # When each buys for 1,234.00 (1,234 points) and the dispatcher runs
    for cid in (giulia, hans, john):
        await purchase(clean_db, cid, f"O-{cid}", 123_400)
    await dispatch_all(clean_db)
    # Then Giulia reads Italian, Hans the fallback's English with German numbers, John English
    subjects = {
        cid: [
            m.content["subject"]
            for m in await messages_of(clean_db, cid)
            if m.channel.value == "EMAIL"
        ]
        for cid in (giulia, hans, john)
    }
    assert subjects == {
        giulia: ["Hai guadagnato 1.234 punti da Bottega Verde"],
        hans: ["You earned 1.234 points at Bottega Verde"],
        john: ["You earned 1,234 points at Bottega Verde"],
    }
    email_msg, sms_msg = await messages_of(clean_db, giulia)
    assert email_msg.content["text"] == "Saldo: 1.234 punti"
    assert email_msg.recipient == "giulia@example.com"
    assert (email_msg.template_id, email_msg.template_version) == (email, 1)
    assert (email_msg.purpose, email_msg.status) == (Purpose.MARKETING, Status.QUEUED)
    assert email_msg.dedupe_key.endswith(":POINTS_EARNED:EMAIL")
    # And its signed unsubscribe link is in the body and in the List-Unsubscribe header's part
    link = email_msg.content["unsubscribeUrl"]
    assert link.startswith("https://loyalty.example/unsubscribe/")
    assert email_msg.content["html"] == f'<p>Giulia: 1.234</p><a href="{link}">stop</a>'
    # And the SMS goes to her phone, with no link
    assert (sms_msg.channel, sms_msg.recipient) == (Channel.SMS, "+393331234567")
    assert sms_msg.content["text"] == "+1.234 pts at Bottega Verde"
    assert sms_msg.dedupe_key.endswith(":POINTS_EARNED:SMS")


async def test_points_earned_is_about_purchases_and_actions_not_staff_adjustments(
    clean_db: AsyncEngine,
) -> None:
    email = await email_template(clean_db, EARNED_EMAIL)
    await switch_on(clean_db, BuiltInKind.POINTS_EARNED, email=email)
    ann = await customer(clean_db, "ann")
    await _credit(clean_db, ann, 50, "bonus")
    await dispatch_all(clean_db)
    assert await messages_of(clean_db, ann) == []


async def test_a_threshold_is_notified_at_each_upward_crossing(clean_db: AsyncEngine) -> None:
    # Given thresholds at 100 and 500 points
    email = await email_template(clean_db, {"en-US": ("[threshold] reached", "[points]")})
    await switch_on(clean_db, BuiltInKind.THRESHOLD_REACHED, email=email, thresholds=(500, 100))
    ann = await customer(clean_db, "ann")
    # When Ann goes up past 100, down below it, up past it again, a little more, then
    # past 500
    for n, points in enumerate((120, -70, 60, 10, 1000)):
        await _credit(clean_db, ann, points, f"move-{n}")
    await dispatch_all(clean_db)
    # Then 100 is announced twice (each upward crossing) and 500 once
    made = await messages_of(clean_db, ann)
    assert [(m.content["subject"], m.content["text"]) for m in made] == [
        ("100 reached", "120"),
        ("100 reached", "110"),
        ("500 reached", "1,120"),
    ]
    # And a credit that passes both thresholds at once announces the higher one
    bob = await customer(clean_db, "bob")
    await _credit(clean_db, bob, 600, "big")
    await dispatch_all(clean_db)
    assert [m.content["subject"] for m in await messages_of(clean_db, bob)] == ["500 reached"]
    assert (await messages_of(clean_db, bob))[0].dedupe_key.endswith(":THRESHOLD_REACHED:500:EMAIL")


async def test_a_badge_the_customers_points_unlock_is_announced(clean_db: AsyncEngine) -> None:
    # Given Bronze (100-499) and Silver (500+), and "badge unlocked" on
    for title, low, high in (("Bronze", 100, 499), ("Silver", 500, None)):
        await create_badge(UnitOfWork(clean_db), BadgeSpec(title, low, high), title)
    email = await email_template(
        clean_db, {"en-US": ("[badge]!", "[next_badge_points] more for [next_badge]")}
    )
    await switch_on(clean_db, BuiltInKind.BADGE_UNLOCKED, email=email)
    ann = await customer(clean_db, "ann")
    # When Ann's purchase unlocks Bronze
    await purchase(clean_db, ann, "O-1", 15_000)
    await dispatch_all(clean_db)
    # Then she hears of it, and of what Silver still needs
    made = await messages_of(clean_db, ann)
    assert [(m.content["subject"], m.content["text"]) for m in made] == [
        ("Bronze!", "350 more for Silver")
    ]
    # And a badge created later, which Ann holds at once, is not announced to her
    fan = BadgeSpec("Fan", 100, None, BadgeBasis.LIFETIME)
    await create_badge(UnitOfWork(clean_db), fan, "fan")
    async with clean_db.connect() as conn:
        causes = await conn.execute(
            text("SELECT payload->>'cause' FROM domain_events WHERE type = 'BadgeUnlocked'")
        )
        assert sorted(causes.scalars()) == ["BADGE", "POINTS"]
    await dispatch_all(clean_db)
    assert len(await messages_of(clean_db, ann)) == 1


async def test_vouchers_issued_carry_their_code_only_in_the_message(
    clean_db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    email = await email_template(
        clean_db,
        {"en-US": ("Your voucher", "[voucher_code] for [voucher_value]")},
    )
    await switch_on(clean_db, BuiltInKind.VOUCHER_ISSUED, email=email)
    ann = await customer(clean_db, "ann")
    await _credit(clean_db, ann, 1000, "start")
    # Given a code of a 5.00 campaign assigned to Ann, and 2.50 bought with her points
    terms = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=500)
    batch = await create_voucher_batch(
        UnitOfWork(clean_db), BatchRequest("Spring", 1, terms), "spring", "test"
    )
    [code] = (
        await find_vouchers(UnitOfWork(clean_db), VoucherFilter(str(batch.id)), 1, None)
    ).items
    await assign_voucher(UnitOfWork(clean_db), code.code, str(ann))
    await update_conversion(UnitOfWork(clean_db), {"enabled": True})
    bought = await convert_points_to_voucher(UnitOfWork(clean_db), str(ann), 250, "c", "test")
    # When the dispatcher runs
    await dispatch_all(clean_db)
    # Then each code is in its message, transactional, with no unsubscribe header
    made = await messages_of(clean_db, ann)
    assert [m.content["text"] for m in made] == [
        f"{code.code} for €5.00",
        f"{bought.voucher.code} for €2.50",
    ]
    assert {m.purpose for m in made} == {Purpose.TRANSACTIONAL}
    assert all("unsubscribeUrl" not in m.content for m in made)
    # And no log line carries a code
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert code.code not in logged and bought.voucher.code not in logged


async def test_a_vouchers_expiry_date_is_the_last_day_it_is_valid(
    clean_db: AsyncEngine,
) -> None:
    # Given a campaign valid until 2 March 2027 00:00 UTC, exclusive (docs/checkout.md)
    email = await email_template(
        clean_db, {"en-US": ("Your voucher", "Use it by [voucher_expiry_date]")}
    )
    await switch_on(clean_db, BuiltInKind.VOUCHER_ISSUED, email=email)
    ann = await customer(clean_db, "ann")  # no time zone: UTC
    bea = await customer(clean_db, "bea", time_zone="Europe/Rome")  # 01:00 on 2 March
    terms = VoucherTerms(
        VoucherKind.FIXED_AMOUNT, value_minor=500, valid_until=datetime(2027, 3, 2, tzinfo=UTC)
    )
    batch = await create_voucher_batch(
        UnitOfWork(clean_db), BatchRequest("Spring", 2, terms), "spring", "test"
    )
    codes = (await find_vouchers(UnitOfWork(clean_db), VoucherFilter(str(batch.id)), 2, None)).items
    for code, owner in zip(codes, (ann, bea), strict=True):
        await assign_voucher(UnitOfWork(clean_db), code.code, str(owner))
    # When the dispatcher makes their messages
    await dispatch_all(clean_db)
    # Then Ann reads 1 March, her last valid day; Bea, in Rome, may use it until 00:59 on 2 March
    [for_ann] = await messages_of(clean_db, ann)
    [for_bea] = await messages_of(clean_db, bea)
    assert for_ann.content["text"] == "Use it by Mar 1, 2027"
    assert for_bea.content["text"] == "Use it by Mar 2, 2027"


async def test_a_claimed_reward_is_confirmed_with_its_voucher(clean_db: AsyncEngine) -> None:
    email = await email_template(
        clean_db,
        {"en-US": ("[reward_name]", "[voucher_code] ([points_spent]) [reward_link]")},
    )
    await switch_on(clean_db, BuiltInKind.REWARD_CLAIMED, email=email)
    ann = await customer(clean_db, "ann")
    await _credit(clean_db, ann, 500, "start")
    gift = VoucherTerms(VoucherKind.GIFT_ITEM, gift_sku="MUG")
    spec = RewardSpec("Coffee mug", RewardKind.FREE_PRODUCT, 300, gift)
    reward = (await create_reward(UnitOfWork(clean_db), spec, "mug")).item
    cashier = Staff(1, "t", Role.CASHIER)
    claim = await claim_reward(UnitOfWork(clean_db), str(reward.id), str(ann), "claim", cashier)
    await dispatch_all(clean_db)
    [made] = await messages_of(clean_db, ann)
    assert made.content["subject"] == "Coffee mug"
    assert made.content["text"] == (
        f"{claim.voucher.code} (300) https://loyalty.example/rewards/{reward.id}"
    )
    assert made.purpose is Purpose.TRANSACTIONAL


async def test_a_template_failing_for_one_customer_holds_no_one_else_up(
    clean_db: AsyncEngine,
) -> None:
    # Given a template that needs a next badge, which a customer at the top has not
    await create_badge(UnitOfWork(clean_db), BadgeSpec("Gold", 1000, None), "gold")
    email = await email_template(
        clean_db, {"en-US": ("Points!", "Hi [first_name],\n[next_badge_points] to go")}
    )
    await switch_on(clean_db, BuiltInKind.POINTS_EARNED, email=email)
    top = await customer(clean_db, "top")
    low = await customer(clean_db, "low")
    # When both buy, in the same batch
    await purchase(clean_db, top, "O-top", 200_000)
    await purchase(clean_db, low, "O-low", 10_000)
    sent = await dispatch_all(clean_db)
    # Then the top customer's message failed to render, recorded with the problem, not sent
    [failed] = await messages_of(clean_db, top)
    assert (failed.status, failed.status_reason) == (Status.FAILED, "RENDER_ERROR")
    assert failed.last_error is not None
    assert failed.last_error.startswith("textBody: Line 2")
    assert "(UNDEFINED)" in failed.last_error
    # And the other customer's went on, and only it is to be sent
    [fine] = await messages_of(clean_db, low)
    assert (fine.status, fine.content["text"]) == (Status.QUEUED, "Hi Low,\n900 to go")
    assert sent == [fine.id]


async def test_without_consent_the_message_is_made_and_suppressed_at_send_time(
    clean_db: AsyncEngine,
) -> None:
    email = await email_template(clean_db, EARNED_EMAIL)
    await switch_on(clean_db, BuiltInKind.POINTS_EARNED, email=email)
    ann = await customer(clean_db, "ann", consent_email=False)
    await purchase(clean_db, ann, "O-1", 1000)
    [message_id] = await dispatch_all(clean_db)
    await deliver(UnitOfWork(clean_db), message_id, Channels())
    shown = await get_message(UnitOfWork(clean_db), message_id)
    assert shown is not None
    assert (shown.status, shown.status_reason) == (Status.SUPPRESSED, "NO_CONSENT")


async def test_a_kind_switched_off_or_a_customer_without_address_gets_nothing(
    clean_db: AsyncEngine,
) -> None:
    email = await email_template(clean_db, EARNED_EMAIL)
    await switch_on(clean_db, BuiltInKind.POINTS_EARNED, email=email)
    no_email = await customer(clean_db, "nomail", email=None)
    await purchase(clean_db, no_email, "O-1", 1000)
    await dispatch_all(clean_db)
    assert await messages_of(clean_db, no_email) == []
