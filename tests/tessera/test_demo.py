"""The demo program `tessera demo` loads: once, and ready for the README's examples; and
the admin token it prints, one valid at a time."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.access.principals import Staff
from domain.access.tokens import InvalidToken, list_staff_tokens, staff_for_token
from domain.badges.standings import badge_standings
from domain.checkout.quote import CartLine
from domain.checkout.services import quote_redemption
from domain.customers import repository as customers_repo
from domain.ledger.expiry import get_expiry_rule
from domain.pricing.services import price_customer_cart
from domain.rewards.standings import standings
from domain.uow import UnitOfWork
from domain.vouchers.queries import find_batches
from tessera.database import create_engine
from tessera.demo import DEMO_TOKEN_NAME, demo_admin_token, seed
from tests.support.databases import fresh_database

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
