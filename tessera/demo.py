"""`tessera demo`: a migrated database with demo data, a ready admin token, staff users for
the console, and the server."""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import jwt
import uvicorn
from starlette.applications import Starlette

from domain.access.tokens import replace_staff_token
from domain.actions import services as actions
from domain.actions.models import CustomerAction, EarningAction
from domain.badges import services as badges
from domain.badges.models import BadgeSpec
from domain.checkout import rules as redemption_rules
from domain.customers.categories import create_category, list_categories
from domain.customers.lookups import customer_by_external_ref
from domain.customers.services import create_customer
from domain.gifts import services as gifts
from domain.gifts.models import GiftFilter, GiftScheduleSpec
from domain.ledger import services as ledger
from domain.ledger.validity import update_expiry_rule
from domain.pricing import services as pricing
from domain.pricing.models import PriceCondition, PriceEffect, PriceRuleSpec, PriceScope
from domain.promotions import services as promotions
from domain.promotions.models import PromotionSpec
from domain.purchases import earning_rules
from domain.purchases import services as purchases
from domain.purchases.earning import Line, OverrideMode, PurchaseStatus
from domain.rewards import services as rewards
from domain.rewards.models import RewardKind, RewardSpec
from domain.uow import UnitOfWork
from domain.vouchers import batches as voucher_batches
from domain.vouchers import conversion
from domain.vouchers.models import VoucherKind, VoucherTerms
from tessera.app import create_app
from tessera.database import create_engine
from tessera.demo_cards import seed_cards
from tessera.demo_funnels import seed_funnels
from tessera.demo_messages import DEMO_SHOP_NAME, ensure_messages, seed_messages
from tessera.demo_users import DEMO_PASSWORD, DEMO_USER_DOMAIN, ensure_demo_users
from tessera.dispatching import dispatch_and_send_forever
from tessera.graphiql import AssetError, fetch_assets, graphiql_page
from tessera.migrate import upgrade
from tessera.settings import Settings

DEMO_ACTOR = "system:demo"
# Each run replaces the token of this name, so only the last one printed is valid.
DEMO_TOKEN_NAME = "demo admin"
_PEOPLE = [
    # external ref, card code, first, last, email, phone, category, locale
    ("demo-ann", "4006381333931", "Ann", "Archer", "ann@example.com", "+33612345678", "Base",
     None),
    ("demo-bob", "4006381333932", "Bob", "Baker", "bob@example.com", "+33612345679", "Premium",
     "it-IT"),
    ("demo-chloe", "4006381333933", "Chloe", "Cole", "chloe@example.com", None, "VIP", None),
]  # fmt: skip


async def seed(url: str) -> bool:
    """Load the demo program once; returns False when it was already there (a demo loaded
    before notifications existed gets their templates and settings then)."""
    engine = create_engine(url, pool_size=2)
    try:

        def new() -> UnitOfWork:
            return UnitOfWork(engine)

        if await customer_by_external_ref(new(), "demo-ann") is not None:
            await ensure_messages(new, DEMO_ACTOR)
            await seed_funnels(new, DEMO_ACTOR)
            await seed_cards(new)
            return False

        ids = {c.name: c.id for c in await list_categories(new())}
        for name, multiplier in (("Premium", "2"), ("VIP", "3")):
            if name not in ids:
                created = await create_category(new(), name, Decimal(multiplier), False)
                ids[name] = created.item.id
        await earning_rules.update_earning_rules(
            new(),
            {"points_per_unit": 10, "spend_unit_minor": 500, "award_status": PurchaseStatus.PAID},
            earning_rules.OverrideChanges(
                overrides=[
                    ("GIFT-CARD", OverrideMode.EXCLUDED, 0),
                    ("COFFEE-BEANS", OverrideMode.FIXED_PER_UNIT, 5),
                ],
                removed_skus=[],
            ),
        )
        await redemption_rules.update_rules(
            new(),
            {"max_discount_bp": 3000, "min_cart_minor": 1000, "exclude_discounted": True},
            [("SKU", "GIFT-CARD", False)],
            [],
        )
        # The rules first, so the demo customers earn under them (registration points,
        # double points, points valid 12 months).
        await _catalogue(new)
        await _engagement(new, ids)
        # Messages before customers, so that their registration and first purchase make
        # messages (captured: the demo sends nothing).
        await seed_messages(new, DEMO_ACTOR)
        await seed_funnels(new, DEMO_ACTOR)
        for n, person in enumerate(_PEOPLE, start=1):
            ref, card, first, last, email, phone, category, locale = person
            customer = await create_customer(
                new(),
                {
                    "external_ref": ref,
                    "card_code": card,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "phone": phone,
                    "consent_email": True,
                    "consent_sms": bool(phone),
                    "locale": locale,
                },
                str(ids[category]),
            )
            customer_id = str(customer.item.id)
            await purchases.record_purchase(
                new(),
                purchases.PurchaseReport(
                    order_id=f"DEMO-{n:04d}",
                    status=PurchaseStatus.PAID,
                    customer_id=customer_id,
                    lines=[
                        Line("T-SHIRT", 2, 1250),
                        Line("COFFEE-BEANS", 1, 899),
                        Line("GIFT-CARD", 1, 2000),
                    ],
                ),
                DEMO_ACTOR,
            )
            await ledger.adjust_points(
                new(), customer_id, 50, "Welcome bonus", f"demo-welcome-{ref}", DEMO_ACTOR
            )
        await seed_cards(new)
        return True
    finally:
        await engine.dispose()


async def _catalogue(new: Callable[[], UnitOfWork]) -> None:
    """Rewards to claim, a campaign of voucher codes, and vouchers bought with points."""
    await rewards.create_reward(
        new(),
        RewardSpec(
            name="Coffee mug",
            kind=RewardKind.FREE_PRODUCT,
            cost_points=100,
            voucher=VoucherTerms(VoucherKind.GIFT_ITEM, gift_sku="MUG"),
            validity_days=30,
            description="Our mug, free with your next order",
            per_customer_limit=1,
        ),
        "demo-reward-mug",
    )
    await rewards.create_reward(
        new(),
        RewardSpec(
            name="5.00 off",
            kind=RewardKind.DISCOUNT,
            cost_points=400,
            voucher=VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=500),
            validity_days=90,
            stock=50,
        ),
        "demo-reward-5-off",
    )
    await voucher_batches.create_voucher_batch(
        new(),
        voucher_batches.BatchRequest(
            name="Spring campaign",
            count=20,
            prefix="SPRING-",
            terms=VoucherTerms(VoucherKind.PERCENT, percent_bp=1000, min_cart_minor=2000),
        ),
        "demo-spring",
        DEMO_ACTOR,
    )
    await conversion.update_conversion(new(), {"enabled": True, "min_value_minor": 500})


async def _engagement(new: Callable[[], UnitOfWork], category_ids: dict[str, int]) -> None:
    """Badges, member prices, actions that earn, a launch week of double points, points valid
    12 months, and a monthly gift to VIP customers."""
    badge_ids = {}
    for title, low, high in (("Bronze", 100, 499), ("Silver", 500, 1999), ("Gold", 2000, None)):
        made = await badges.create_badge(
            new(), BadgeSpec(title, low, high), f"demo-badge-{title.lower()}"
        )
        badge_ids[title] = made.badge.id
    await pricing.create_price_rule(
        new(),
        PriceRuleSpec(
            "10% for Silver and Gold",
            PriceEffect.PERCENT,
            percent_bp=1000,
            condition=PriceCondition.ANY_BADGE,
            badge_ids=(badge_ids["Silver"], badge_ids["Gold"]),
        ),
        "demo-rule-silver",
    )
    await pricing.create_price_rule(
        new(),
        PriceRuleSpec(
            "VIP price on coffee beans",
            PriceEffect.MEMBER_PRICE,
            member_price_minor=799,
            scope=PriceScope.SKUS,
            skus=("COFFEE-BEANS",),
            condition=PriceCondition.CATEGORY,
            category_ids=(category_ids["VIP"],),
        ),
        "demo-rule-vip-beans",
    )
    await actions.update_earning_actions(
        new(),
        [
            EarningAction(CustomerAction.REGISTRATION, 20, True, True),
            EarningAction(CustomerAction.NEWSLETTER, 10, True, True),
            EarningAction(CustomerAction.REVIEW, 5, True, False),
        ],
    )
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    await promotions.create_promotion(
        new(),
        PromotionSpec("Launch week: double points", start, start + timedelta(days=7), Decimal(2)),
        f"demo-launch-week-{start:%Y-%m-%d}",
    )
    await update_expiry_rule(new(), None, 12)
    await gifts.create_gift_schedule(
        new(),
        GiftScheduleSpec(
            "Monthly thanks to VIPs",
            "0 9 1 * *",
            10,
            "A thank-you from the shop",
            GiftFilter(category_ids=(str(category_ids["VIP"]),)),
        ),
        "demo-gift-vip",
    )


async def demo_admin_token(url: str) -> str:
    """A new admin token named DEMO_TOKEN_NAME; the previous demo runs' tokens are revoked."""
    engine = create_engine(url, pool_size=1)
    try:
        return await replace_staff_token(UnitOfWork(engine), "admin", DEMO_TOKEN_NAME)
    finally:
        await engine.dispose()


def _demo_secret(data_dir: Path) -> str:
    """A JWT secret kept in the data folder, so demo customer tokens survive restarts."""
    path = data_dir / "demo-jwt-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def customer_area_link(host: str, port: int, customer_jwt: str) -> str:
    """The console's customer area signed in as the token's customer: the token rides in the
    fragment, which the browser never sends, and the page takes it out of the address bar."""
    return f"http://{host}:{port}/console/me#token={customer_jwt}"


def run_demo(settings: Settings, database_url: str, host: str, listening: socket.socket) -> int:
    """Migrate, seed, print how to connect, then serve with GraphiQL on the `listening`
    socket (taken by the caller before anything started) until interrupted."""
    if settings.jwt_secret is None:
        settings = replace(settings, jwt_secret=_demo_secret(settings.data_dir))
    port = listening.getsockname()[1]
    upgrade(database_url)
    seeded = asyncio.run(seed(database_url))
    _ensure_graphiql_assets()
    token = asyncio.run(demo_admin_token(database_url))
    asyncio.run(ensure_demo_users(database_url))
    assert settings.jwt_secret is not None
    customer_jwt = jwt.encode(
        {"sub": "demo-ann", "exp": int(time.time()) + 86_400},
        settings.jwt_secret,
        algorithm="HS256",
    )
    print("Tessera demo" + (" (demo data loaded)" if seeded else " (demo data already there)"))
    print(f"  database:  {database_url}")
    print(f"  GraphiQL:  http://{host}:{port}/graphql")
    print(f"  console:   http://{host}:{port}/console")
    print(
        f"  Sign in to the console as admin@{DEMO_USER_DOMAIN}, manager@, cashier@, marketer@"
        f" or viewer@{DEMO_USER_DOMAIN}, password {DEMO_PASSWORD}"
    )
    print("  Paste the admin token into GraphiQL's headers as")
    print(
        '  {"Authorization": "Bearer <token>"}; try: { customerByCard(code: "4006381333931")'
        " { firstName points { balance } } }"
    )
    print(f"  customer token for Ann (query `me`): {customer_jwt}")
    print(f"  Ann's customer area: {customer_area_link(host, port, customer_jwt)}")
    print(f"  admin token (the one the previous demo printed is revoked):\n{token}", flush=True)
    app = demo_app(settings, database_url)
    uvicorn.Server(uvicorn.Config(app, log_level="info")).run(sockets=[listening])
    return 0


def demo_app(settings: Settings, database_url: str) -> Starlette:
    """The demo's server: GraphiQL on, and, since the demo runs no worker, the dispatcher
    and the sending in this process every second, so purchases made through GraphQL show
    their messages in the `messages` log (CAPTURED without SMTP and Twilio settings)."""
    settings = replace(settings, debug=True, shop_name=settings.shop_name or DEMO_SHOP_NAME)
    return create_app(
        settings,
        database_url,
        background=lambda engine: dispatch_and_send_forever(engine, settings),
    )


def _ensure_graphiql_assets() -> None:
    """Fetch GraphiQL's scripts if the install step could not; without them (offline) the
    page loads them from a CDN, and says so."""
    if graphiql_page() is not None:
        return
    print("Fetching GraphiQL's scripts from the npm registry (once)...", flush=True)
    try:
        fetch_assets()
    except AssetError as error:
        print(f"  could not ({error}); GraphiQL will load them from unpkg.com (needs internet)")
