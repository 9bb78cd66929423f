"""Given changes made through the services, then each recorded its events in the same
transaction, with the payload the event classes describe."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.permissions import Role
from domain.access.principals import Staff
from domain.badges.models import BadgeSpec
from domain.badges.services import create_badge, update_badge
from domain.checkout.cancellations import cancel_redemption
from domain.checkout.quote import CartLine
from domain.checkout.redemptions import redeem_points
from domain.customers.models import CustomerFilter
from domain.customers.services import create_category, create_customer, set_category
from domain.errors import DomainError
from domain.events import types
from domain.ledger.services import adjust_points, reverse_entry
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.refunds import refund_purchase
from domain.purchases.services import PurchaseReport, record_purchase
from domain.purchases.validation import RefundLine
from domain.rewards.claims import claim_reward
from domain.rewards.models import RewardKind, RewardSpec
from domain.rewards.services import create_reward
from domain.uow import UnitOfWork
from domain.vouchers.batches import BatchRequest, assign_voucher, create_voucher_batch
from domain.vouchers.conversion import convert_points_to_voucher, update_conversion
from domain.vouchers.models import VoucherKind, VoucherTerms
from domain.vouchers.queries import VoucherFilter, find_vouchers
from domain.vouchers.redeeming import VoucherUseRequest, redeem_voucher


async def events(engine: AsyncEngine) -> list[tuple[str, int | None, dict[str, object]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT type, customer_id, payload FROM domain_events ORDER BY id")
        )
        return [(r.type, r.customer_id, r.payload) for r in rows]


def fields_of(event_type: str) -> set[str]:
    cls = getattr(types, event_type)
    return {f.name for f in dataclasses.fields(cls)} - {"customer_id"}


async def test_every_change_records_its_events(clean_db: AsyncEngine) -> None:
    new = lambda: UnitOfWork(clean_db)  # noqa: E731
    customer = await create_customer(new(), {"external_ref": "ev-1"}, None)
    await record_purchase(
        new(),
        PurchaseReport(
            order_id="E1",
            status=PurchaseStatus.PAID,
            customer_id=str(customer.id),
            lines=[Line("A", 2, 1000)],
        ),
        "staff:1:t",
    )
    adjusted = await adjust_points(new(), str(customer.id), -5, "fix", "ev-k", "staff:1:t")
    await reverse_entry(new(), str(adjusted.entry.id), "oops", "staff:1:t")
    await refund_purchase(new(), "E1", "default", [RefundLine("A", 1)], "ev-r", "staff:1:t")
    cart = [CartLine("A", 1, 1000)]
    paid = await redeem_points(new(), str(customer.id), "default", "E2", 5, cart, "ev-p", "t")
    await cancel_redemption(new(), str(paid.id), "staff:1:t")

    recorded = await events(clean_db)
    assert [t for t, _, _ in recorded] == [
        "CustomerRegistered",
        "PurchaseRecorded",
        "PointsEarned",
        "PointsSpent",
        "LedgerEntryReversed",
        "PointsSpent",
        "PurchaseRefunded",
        "PointsSpent",
        "LedgerEntryReversed",
        "RedemptionCancelled",
    ]
    assert {c for _, c, _ in recorded} == {customer.id}
    for event_type, _, payload in recorded:
        assert set(payload) == fields_of(event_type), event_type
    earned = recorded[2][2]
    assert earned == {
        "entry_id": earned["entry_id"],
        "points": 20,
        "balance_after": 20,
        "kind": "PURCHASE",
        "source_ref": "default/E1",
    }


async def test_a_refused_change_records_nothing(clean_db: AsyncEngine) -> None:
    customer = await create_customer(UnitOfWork(clean_db), {}, None)
    before = await events(clean_db)
    with pytest.raises(DomainError):
        await adjust_points(UnitOfWork(clean_db), str(customer.id), -1, "n", "k", "staff:1:t")
    assert await events(clean_db) == before


async def test_a_bulk_category_change_records_one_event_per_changed_customer(
    clean_db: AsyncEngine,
) -> None:
    new = lambda: UnitOfWork(clean_db)  # noqa: E731
    vip = await create_category(new(), "VIP", "3", False)
    ids = [str((await create_customer(new(), {}, None)).id) for _ in range(3)]
    await set_category(new(), str(vip.id), "staff:1:t", customer_ids=ids[:1])
    before = len(await events(clean_db))
    # When all three are moved by filter (one of them is already VIP)
    change = await set_category(new(), str(vip.id), "staff:1:t", filter=CustomerFilter())
    # Then two changed, each with its event
    assert change.count == 2
    assert change.first_ids == [int(i) for i in ids[1:]]
    recorded = (await events(clean_db))[before:]
    assert sorted((t, c) for t, c, _ in recorded) == [("CategoryChanged", int(i)) for i in ids[1:]]
    for _, _, payload in recorded:
        assert set(payload) == fields_of("CategoryChanged")
        assert payload["to_category_id"] == vip.id and payload["actor"] == "staff:1:t"


async def test_voucher_and_reward_changes_record_their_events(clean_db: AsyncEngine) -> None:
    new = lambda: UnitOfWork(clean_db)  # noqa: E731
    actor = "staff:1:t"
    customer = str((await create_customer(new(), {}, None)).id)
    await adjust_points(new(), customer, 1000, "start", "ev-v", actor)
    terms = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=500)
    batch = await create_voucher_batch(new(), BatchRequest("B", 1, terms), "ev-b", actor)
    [voucher] = (await find_vouchers(new(), VoucherFilter(str(batch.id)), 10, None)).items
    await assign_voucher(new(), voucher.code, customer)
    cart = [CartLine("TEA", 1, 1000)]
    request = VoucherUseRequest(voucher.code, cart, customer, "default", "EV-1")
    await redeem_voucher(new(), request, "ev-r", actor)
    await update_conversion(new(), {"enabled": True})
    await convert_points_to_voucher(new(), customer, 100, "ev-c", actor)
    gift = VoucherTerms(VoucherKind.GIFT_ITEM, gift_sku="MUG")
    reward = await create_reward(new(), RewardSpec("Mug", RewardKind.FREE_PRODUCT, 300, gift), "m")
    await claim_reward(new(), str(reward.item.id), customer, "ev-w", Staff(1, "t", Role.CASHIER))

    recorded = [e for e in await events(clean_db) if e[0] != "CustomerRegistered"]
    assert [t for t, _, _ in recorded] == [
        "PointsEarned",
        "VoucherBatchCreated",
        "VoucherAssigned",
        "VoucherRedeemed",
        "PointsSpent",
        "PointsConvertedToVoucher",
        "PointsSpent",
        "RewardClaimed",
    ]
    for event_type, customer_id, payload in recorded:
        assert set(payload) == fields_of(event_type), event_type
        expected = None if event_type == "VoucherBatchCreated" else int(customer)
        assert customer_id == expected, event_type


async def test_badge_unlocks_and_losses_record_their_events(clean_db: AsyncEngine) -> None:
    new = lambda: UnitOfWork(clean_db)  # noqa: E731
    actor = "staff:1:t"
    customer = str((await create_customer(new(), {}, None)).id)
    bronze = await create_badge(new(), BadgeSpec("Bronze", 100, 499), "ev-bronze")
    # When the points cross into the range and out, and then the range moves to them
    await adjust_points(new(), customer, 150, "in", "ev-in", actor)
    await adjust_points(new(), customer, -100, "out", "ev-out", actor)
    await update_badge(new(), str(bronze.badge.id), {"min_points": 50})

    recorded = [e for e in await events(clean_db) if e[0] != "CustomerRegistered"]
    assert [t for t, _, _ in recorded] == [
        "PointsEarned",
        "BadgeUnlocked",
        "PointsSpent",
        "BadgeLost",
        "BadgeUnlocked",
    ]
    for event_type, customer_id, payload in recorded:
        assert set(payload) == fields_of(event_type), event_type
        assert customer_id == int(customer)
    badges = [(t, p) for t, _, p in recorded if t.startswith("Badge")]
    assert [(t, p["points"], p["cause"], p["basis"]) for t, p in badges] == [
        ("BadgeUnlocked", 150, "POINTS", "BALANCE"),
        ("BadgeLost", 50, "POINTS", "BALANCE"),
        ("BadgeUnlocked", 50, "BADGE", "BALANCE"),
    ]
    assert {p["badge_id"] for _, p in badges} == {bronze.badge.id}
