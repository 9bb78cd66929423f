"""The demo program `tessera demo` loads: once, and ready for the README's examples; the
admin token it prints, one valid at a time; and its staff users for the console."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.access.principals import Staff
from domain.access.tokens import InvalidToken, list_staff_tokens, staff_for_token
from domain.badges.standings import badge_standings
from domain.cards.codes import is_ean13
from domain.cards.lookup import customer_cards
from domain.cards.series import list_series
from domain.checkout.quote import CartLine
from domain.checkout.services import quote_redemption
from domain.customers import repository as customers_repo
from domain.ledger.validity import get_expiry_rule
from domain.pricing.services import price_customer_cart
from domain.rewards.standings import standings
from domain.staff.users import list_users
from domain.uow import UnitOfWork
from domain.vouchers.queries import find_batches
from funnels.definitions.models import FunnelStatus
from funnels.definitions.queries import list_funnels
from funnels.definitions.services import change_status
from funnels.definitions.statuses import Transition
from notifications.builtins.settings import builtin_settings
from notifications.delivery.log import LogFilter, message_log
from notifications.delivery.models import Status
from tessera.database import create_engine
from tessera.demo import (
    DEMO_TOKEN_NAME,
    customer_area_link,
    demo_admin_token,
    demo_app,
    seed,
)
from tessera.demo_messages import DEMO_SHOP_NAME, ensure_messages
from tessera.demo_users import DEMO_PASSWORD, ensure_demo_users
from tessera.dispatching import dispatch_and_send_once
from tessera.funnel_filters import CHECK_FILTER
from tessera.settings import Settings
from tests.support.api import GraphQLClient
from tests.support.databases import fresh_database
from tests.support.serving import serving
from tests.support.staff import login

STAFF = Staff(1, "test", Role.MANAGER)


async def test_the_demo_program_loads_once_and_ann_can_pay_with_points(
    postgres_server: str,
) -> None:
    async with fresh_database(postgres_server) as url:
        # When the demo is loaded twice, then the second time finds it there
        assert await seed(url) is True
        assert await seed(url) is False
        engine = create_engine(url, pool_size=1)
        try:
            async with UnitOfWork(engine) as uow:
                ann = await customers_repo.customer_by(uow, card_code="4006381333931")
            assert ann is not None
            # Then Ann's points (20 for registering; 50 on the T-shirts and 5 on the beans,
            # doubled in the launch week; 50 welcome: 180) can pay 1.80 of a 20.00 cart (the
            # demo's rules would allow up to 30%, 6.00)
            quote = await quote_redemption(
                UnitOfWork(engine), str(ann.id), [CartLine("T-SHIRT", 2, 1000)]
            )
            assert (quote.spendable_points, quote.max_points, quote.max_value_minor) == (
                180,
                180,
                180,
            )
            small = await quote_redemption(
                UnitOfWork(engine), str(ann.id), [CartLine("T-SHIRT", 2, 100)]
            )
            assert [r.value for r in small.reasons] == ["BELOW_MIN_CART"]
            # And the catalogue: Ann's 180 points buy the mug, not yet the 5.00 off
            async with UnitOfWork(engine) as uow:
                found = (await standings(uow, [ann.id]))[ann.id]
            assert [(s.reward.spec.name, s.points_needed, s.claimable) for s in found] == [
                ("Coffee mug", 0, True),
                ("5.00 off", 220, False),
            ]
            spring = (await find_batches(UnitOfWork(engine), 10, None)).items
            assert [(b.name, b.count) for b in spring] == [("Spring campaign", 20)]
            # And the engagement rules: Ann holds Bronze, beans cost VIPs 7.99, points last
            # a year, and a monthly gift goes to VIPs
            async with UnitOfWork(engine) as uow:
                held = (await badge_standings(uow, [ann.id]))[ann.id]
                rule = await get_expiry_rule(uow)
            assert [u.badge.spec.title for u in held.unlocked] == ["Bronze"]
            assert rule.validity_months == 12
            chloe_id = await _customer_id(engine, "4006381333933")
            priced = await price_customer_cart(
                UnitOfWork(engine), STAFF, str(chloe_id), [CartLine("COFFEE-BEANS", 1, 899)]
            )
            assert priced.lines[0].member_unit_price_minor == 799
            # And the card series: Ann holds her loyalty card and a Gold card (EAN-13),
            # Chloe a Prize card (Luhn) and a Gold card reported lost, refused at the till
            names = [s.name for s in await list_series(UnitOfWork(engine))]
            assert names == ["Loyalty card", "Gold card", "Next-visit card", "Prize card"]
            ann_cards = await customer_cards(UnitOfWork(engine), str(ann.id))
            assert [(c.type.value, c.is_primary) for c in ann_cards] == [
                ("POINTS", True),
                ("DISCOUNT", False),
            ]
            assert ann_cards[1].code.startswith("290") and is_ean13(ann_cards[1].code)
            chloe_cards = await customer_cards(UnitOfWork(engine), str(chloe_id))
            assert sorted((c.type.value, c.status.value) for c in chloe_cards) == [
                ("DISCOUNT", "LOST"),
                ("POINTS", "ACTIVE"),
                ("PRIZE", "ACTIVE"),
            ]
        finally:
            await engine.dispose()


async def _customer_id(engine: AsyncEngine, card: str) -> int:
    async with UnitOfWork(engine) as uow:
        found = await customers_repo.customer_by(uow, card_code=card)
    assert found is not None
    return found.id


async def test_each_demo_run_revokes_the_admin_token_the_previous_run_printed(
    postgres_server: str,
) -> None:
    async with fresh_database(postgres_server) as url:
        # Given two demo runs, each printing its admin token
        first = await demo_admin_token(url)
        second = await demo_admin_token(url)

        # Then only the last one printed works, and one demo token is active
        engine = create_engine(url, pool_size=1)
        try:
            with pytest.raises(InvalidToken):
                await staff_for_token(UnitOfWork(engine), first)
            assert (await staff_for_token(UnitOfWork(engine), second)).role is Role.ADMIN
            listed = await list_staff_tokens(UnitOfWork(engine))
            assert [(t.name, t.revoked_at is None) for t in listed] == [
                (DEMO_TOKEN_NAME, False),
                (DEMO_TOKEN_NAME, True),
            ]
        finally:
            await engine.dispose()


async def test_anns_demo_purchase_is_a_captured_points_earned_email(
    postgres_server: str,
) -> None:
    async with fresh_database(postgres_server) as url:
        # Given the demo program, with templates for every built-in in English and Italian
        await seed(url)
        engine = create_engine(url, pool_size=2)
        try:
            async with UnitOfWork(engine) as uow:
                ann = await customers_repo.customer_by(uow, card_code="4006381333931")
                bob = await customers_repo.customer_by(uow, card_code="4006381333932")
                settings = await builtin_settings(uow)
            assert ann is not None and bob is not None
            assert all(s.enabled and s.email_template_id for s in settings.values())
            # When the demo's in-process loop dispatches and sends (no SMTP, no Twilio)
            settings_ = replace(Settings.from_env(), smtp_url=None, twilio_account_sid=None,
                                shop_name=DEMO_SHOP_NAME)  # fmt: skip
            assert await dispatch_and_send_once(engine, settings_) > 0
            # Then Ann's purchase is a captured "points earned" email, in English
            log = await message_log(UnitOfWork(engine), LogFilter(customer_id=ann.id), 50)
            earned = [m for m in log.items if m.dedupe_key.endswith(":POINTS_EARNED:EMAIL")]
            subjects = sorted(m.content["subject"] for m in earned)
            assert subjects == [
                "You earned 110 points at Tessera Demo Shop",  # the T-shirts and beans
                "You earned 20 points at Tessera Demo Shop",  # registering
            ]
            assert {m.status for m in earned} == {Status.CAPTURED}
            # And she also heard of her Bronze badge and of passing 100 points
            kinds = {m.dedupe_key.split(":")[2] for m in log.items}
            assert {"BADGE_UNLOCKED", "THRESHOLD_REACHED"} <= kinds
            # And Bob reads Italian
            bobs = await message_log(UnitOfWork(engine), LogFilter(customer_id=bob.id), 50)
            assert any(
                m.content.get("subject", "").startswith("Hai guadagnato") for m in bobs.items
            )
            # And nothing is left to send
            assert await dispatch_and_send_once(engine, settings_) == 0
            # And a demo loaded before notifications existed gets them on its next start,
            # while a demo user's own settings are left alone
            async with engine.begin() as conn:
                await conn.execute(text("DELETE FROM builtin_notifications"))
            assert await ensure_messages(lambda: UnitOfWork(engine), "t") is True
            assert await ensure_messages(lambda: UnitOfWork(engine), "t") is False
            assert await seed(url) is False
            async with UnitOfWork(engine) as uow:
                assert all(s.enabled for s in (await builtin_settings(uow)).values())
        finally:
            await engine.dispose()


PURCHASE = """mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { pointsAwarded userErrors { code } } }"""
LOG = """query($filter: MessageFilter) {
  messages(first: 50, filter: $filter) { edges { node { subject status } } } }"""


async def test_a_purchase_made_in_the_demo_server_shows_its_captured_email(
    postgres_server: str,
) -> None:
    async with fresh_database(postgres_server) as url:
        # Given the demo server, which dispatches and sends in its own process
        await seed(url)
        token = await demo_admin_token(url)
        settings = replace(Settings.from_env(), smtp_url=None, twilio_account_sid=None)
        async with (
            serving(demo_app(settings, url)) as base,
            httpx.AsyncClient(base_url=base, timeout=30) as http,
        ):
            gql = GraphQLClient(http, token)
            # When Ann buys through GraphQL
            shirts = [{"sku": "T-SHIRT", "quantity": 4, "unitPriceMinor": 1250}]
            order = {"orderId": "DEMO-GQL-1", "status": "PAID", "cardCode": "4006381333931",
                     "lines": shirts}  # fmt: skip
            bought = (await gql.data(PURCHASE, {"input": order}))["recordPurchase"]
            assert bought["userErrors"] == [] and bought["pointsAwarded"] == 200
            # Then the messages log soon shows its email, captured
            wanted = {"subject": "You earned 200 points at Tessera Demo Shop",
                      "status": "CAPTURED"}  # fmt: skip
            deadline = time.monotonic() + 30
            while True:
                shown = await gql.data(LOG, {"filter": {"channel": "EMAIL"}})
                nodes = [e["node"] for e in shown["messages"]["edges"]]
                if wanted in nodes:
                    break
                assert time.monotonic() < deadline, nodes
                await asyncio.sleep(0.2)


async def test_the_demo_has_one_draft_win_back_funnel_that_could_be_activated(
    postgres_server: str,
) -> None:
    # Given the demo loaded twice (as every `./demo` run seeds again)
    async with fresh_database(postgres_server) as url:
        await seed(url)
        await seed(url)
        engine = create_engine(url, pool_size=1)
        try:
            # Then there is one funnel, a draft, in version 1, named as the console shows it
            page = await list_funnels(UnitOfWork(engine), 10)
            assert [(f.name, f.status, f.current_version) for f in page.items] == [
                ("Win back", FunnelStatus.DRAFT, 1)
            ]
            # And its references hold: a marketer can activate it as it is
            active = await change_status(
                UnitOfWork(engine),
                str(page.items[0].id),
                Transition.ACTIVATE,
                CHECK_FILTER,
                "test",
            )
            assert active.status is FunnelStatus.ACTIVE
        finally:
            await engine.dispose()


def test_the_demo_links_to_anns_customer_area_with_her_token_in_the_fragment() -> None:
    # Given the customer token the demo signs for Ann (a JWT: URL-safe base64 and dots)
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vLWFubiJ9.c2ln-_"

    # When the demo prints her link, then it opens the console's customer area, the token in
    # the fragment (never sent to the server), as it was signed
    link = urlsplit(customer_area_link("127.0.0.1", 8000, token))
    assert (link.scheme, link.netloc, link.path, link.query) == (
        "http",
        "127.0.0.1:8000",
        "/console/me",
        "",
    )
    assert parse_qs(link.fragment) == {"token": [token]}


async def test_each_demo_run_has_one_staff_user_per_role_signing_in_with_the_demo_password(
    postgres_server: str,
) -> None:
    async with fresh_database(postgres_server) as url:
        # Given two demo runs
        first = await ensure_demo_users(url)
        second = await ensure_demo_users(url)

        # Then the first made a user for each role, the second none, and there are five
        roles = ["admin", "manager", "cashier", "marketer", "viewer"]
        assert first == [f"{role}@demo.tessera" for role in roles]
        assert second == []
        engine = create_engine(url, pool_size=1)
        try:
            users = await list_users(UnitOfWork(engine))
        finally:
            await engine.dispose()
        assert [(u.email, u.role.value) for u in users] == list(zip(first, roles, strict=True))

        # And the demo server signs the cashier in with the printed password
        settings = replace(Settings.from_env(), smtp_url=None, twilio_account_sid=None)
        async with (
            serving(demo_app(settings, url)) as base,
            httpx.AsyncClient(base_url=base, timeout=30) as http,
        ):
            payload = await login(GraphQLClient(http), "cashier@demo.tessera", DEMO_PASSWORD)
        assert payload["session"]["role"] == "CASHIER"
