"""Each event's payload has one definition, its class in domain/events/types.py: the SQL
that builds payloads is generated from it, and what is really written decodes into it."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dacite
import pytest
from sqlalchemy import column, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.access.permissions import Role
from domain.access.principals import Staff
from domain.badges.models import BadgeSpec
from domain.badges.services import create_badge
from domain.cards.status import report_lost
from domain.checkout.cancellations import cancel_redemption
from domain.checkout.quote import CartLine
from domain.checkout.redemptions import redeem_points
from domain.customers.categories import create_category
from domain.customers.placement import set_category
from domain.customers.services import create_customer, update_customer
from domain.data_requests.services import erase_customer
from domain.events import types
from domain.events.outbox import take_pending
from domain.events.payloads import payload_clause, payload_fields, payload_sql
from domain.events.store import DomainEvent
from domain.gifts.cron import next_after
from domain.gifts.models import GiftScheduleSpec
from domain.gifts.runs import run_gift_schedules
from domain.gifts.services import create_gift_schedule
from domain.ledger.expiry_job import expire_points
from domain.ledger.services import adjust_points, reverse_entry
from domain.ledger.validity import update_expiry_rule
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.refunds import refund_purchase
from domain.purchases.services import PurchaseReport, record_purchase
from domain.purchases.validation import RefundLine
from domain.rewards.claims import claim_reward
from domain.rewards.models import RewardKind, RewardSpec
from domain.rewards.services import create_reward
from domain.tiers.evaluation import evaluate_tiers
from domain.tiers.models import RungInput, TierMeasure
from domain.tiers.services import set_tier_rules
from domain.uow import UnitOfWork
from domain.vouchers.batches import BatchRequest, assign_voucher, create_voucher_batch
from domain.vouchers.cancelling import cancel_voucher_use
from domain.vouchers.conversion import convert_points_to_voucher, update_conversion
from domain.vouchers.models import VoucherKind, VoucherTerms
from domain.vouchers.queries import VoucherFilter, find_vouchers
from domain.vouchers.redeeming import VoucherUseRequest, redeem_voucher
from domain.webhooks.deliveries import Limits, Outcome, add_deliveries, claim_due, settle
from domain.webhooks.models import SubscriptionSpec
from domain.webhooks.retries import RetryPolicy
from domain.webhooks.subscriptions import create_subscription
from domain.webhooks.targets import TargetPolicy, parse_networks
from tests.support.ledger import assert_ledger_sound

EVENT_CLASSES = {
    cls.__name__: cls
    for _, cls in inspect.getmembers(types, inspect.isclass)
    if issubclass(cls, DomainEvent) and cls is not DomainEvent
}
ACTOR = "staff:1:t"


def keys_of(jsonb_build_object: str) -> list[str]:
    """The keys of a jsonb_build_object(...) call: its odd arguments, quoted literals."""
    inner = jsonb_build_object[jsonb_build_object.index("(") + 1 : -1]
    args, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            args.append(inner[start:i].strip())
            start = i + 1
    args.append(inner[start:].strip())
    return [arg.strip("'") for arg in args[::2]]


def calls_in(sql: str) -> list[str]:
    """Every jsonb_build_object(...) call in a text, with its balanced parentheses."""
    found = []
    for match in re.finditer(r"jsonb_build_object\s*\(", sql):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                break
        found.append(sql[match.start() : end + 1])
    return found


# Given payload_sql, then it builds exactly the class's fields, or refuses to.


def test_payload_sql_builds_every_field_of_the_class_in_its_order() -> None:
    built = payload_sql(
        types.PointsExpired, entry_id="e.id", points="-e.points", balance_after="e.balance_after"
    )
    assert built == (
        "jsonb_build_object('entry_id', e.id, 'points', -e.points, "
        "'balance_after', e.balance_after)"
    )
    assert keys_of(built) == list(payload_fields(types.PointsExpired))


def test_payload_sql_refuses_a_missing_or_an_unknown_field() -> None:
    with pytest.raises(TypeError, match="needs balance_after"):
        payload_sql(types.PointsExpired, entry_id="e.id", points="e.points")
    with pytest.raises(TypeError, match="has no field note"):
        payload_sql(
            types.PointsExpired,
            entry_id="e.id",
            points="e.points",
            balance_after="e.balance_after",
            note="e.note",
        )
    with pytest.raises(TypeError, match="customer_id"):
        # customer_id is a column of the event row, not part of the payload
        payload_sql(types.VoucherAssigned, voucher_id="1", batch_id="2", customer_id="3")


def test_classes_sharing_a_statement_must_have_the_same_fields() -> None:
    fields = {f: f"e.{f}" for f in payload_fields(types.PointsEarned)}
    assert keys_of(payload_sql(types.PointsEarned, types.PointsSpent, **fields)) == list(fields)
    with pytest.raises(TypeError, match="different payloads"):
        payload_sql(types.PointsEarned, types.PointsExpired, **fields)


def test_payload_clause_builds_the_same_object_with_core() -> None:
    clause = payload_clause(types.VoucherAssigned, voucher_id=column("v"), batch_id=column("b"))
    compiled = str(
        select(clause).compile(
            dialect=postgresql.dialect(),
            compile_kwargs={"literal_binds": True},
        )
    )
    assert "jsonb_build_object('voucher_id', v, 'batch_id', b)" in compiled
    with pytest.raises(TypeError, match="needs batch_id"):
        payload_clause(types.VoucherAssigned, voucher_id=column("v"))


# Given the database as migrated, then its functions build the classes' payloads.


async def test_every_function_in_the_database_that_writes_events_builds_class_payloads(
    engine: AsyncEngine,
) -> None:
    # The badge sync (a migration's PL/pgSQL) writes BadgeUnlocked / BadgeLost: its SQL
    # cannot be generated at run time, so a change of either class without a migration
    # redefining the function fails here.
    async with engine.connect() as conn:
        functions = (
            await conn.execute(
                text(
                    "SELECT p.proname, pg_get_functiondef(p.oid) AS body FROM pg_proc p "
                    "JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = 'public' AND p.prokind = 'f' "
                    "AND pg_get_functiondef(p.oid) LIKE '%domain_events%'"
                )
            )
        ).all()
    assert "sync_badges_of" in {f.proname for f in functions}
    for function in functions:
        named = [cls for name, cls in EVENT_CLASSES.items() if f"'{name}'" in function.body]
        assert named, f"{function.proname} writes events of no known class"
        calls = calls_in(function.body)
        assert calls, f"{function.proname} writes events without jsonb_build_object"
        # Every payload built is exactly some class's fields (a posting's event type is a
        # parameter: PointsEarned's is not named in the body), and every class named has one.
        built = [set(keys_of(call)) for call in calls]
        classes = [set(payload_fields(cls)) for cls in EVENT_CLASSES.values()]
        for keys in built:
            assert keys in classes, (function.proname, sorted(keys))
        for cls in named:
            assert set(payload_fields(cls)) in built, (function.proname, cls)


# Given one of every change, then every event row written decodes into its class.


async def test_every_event_written_decodes_into_its_class_with_exactly_its_fields(
    clean_db: AsyncEngine,
) -> None:
    await _one_of_every_change(clean_db)
    async with clean_db.connect() as conn:
        rows = (
            await conn.execute(text("SELECT type, customer_id, payload FROM domain_events"))
        ).all()
    written = {row.type for row in rows}
    assert written == set(EVENT_CLASSES), f"not written: {set(EVENT_CLASSES) - written}"
    for row in rows:
        cls = EVENT_CLASSES[row.type]
        # Exactly the fields (a missing field with a default would decode silently)...
        assert set(row.payload) == set(payload_fields(cls)), (row.type, row.payload)
        # ...each of its declared type (strict: no extra key, no int for a str)
        data: dict[str, Any] = {"customer_id": row.customer_id, **row.payload}
        event = dacite.from_dict(cls, data, config=dacite.Config(strict=True, check_types=True))
        assert dataclasses.asdict(event) == data
    await assert_ledger_sound(clean_db)


async def _one_of_every_change(engine: AsyncEngine) -> None:
    """Drive every path that writes events: the services' recorded events, the ledger's
    posting statements (credit, give-back, debit), the purchase statements (with and
    without an award), the bulk credit (a gift run), expiry, tier evaluation, the manual
    category move and the database's badge sync."""

    def new() -> UnitOfWork:
        return UnitOfWork(engine)

    await update_expiry_rule(new(), 30, None)
    ann = str((await create_customer(new(), {"external_ref": "ann"}, None)).item.id)
    bob = str((await create_customer(new(), {"external_ref": "bob"}, None)).item.id)
    await update_customer(new(), ann, {"first_name": "Ann"})
    await create_badge(new(), BadgeSpec("Bronze", 100, 499), "bronze")
    # Purchases: one awaiting payment (no award), one paid (awarded in its statement)
    lines = [Line("TEA", 2, 1000)]
    await record_purchase(new(), PurchaseReport("P0", PurchaseStatus.CREATED, lines, ann), ACTOR)
    await record_purchase(new(), PurchaseReport("P1", PurchaseStatus.PAID, lines, ann), ACTOR)
    await refund_purchase(new(), "P1", "default", [RefundLine("TEA", 1)], "r1", ACTOR)
    # Credits, a debit and its reversal (a give-back to its lots); Bronze unlocked and lost
    await adjust_points(new(), ann, 1000, "start", "a1", ACTOR)
    spent = await adjust_points(new(), ann, -950, "fix", "a2", ACTOR)
    await reverse_entry(new(), str(spent.entry.id), "oops", ACTOR)
    await adjust_points(new(), ann, -900, "fix", "a3", ACTOR)
    # A redemption, cancelled
    cart = [CartLine("TEA", 1, 1000)]
    paid = await redeem_points(new(), ann, "default", "P2", 5, cart, "p2", ACTOR)
    await cancel_redemption(new(), str(paid.id), ACTOR)
    # Vouchers and rewards
    terms = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=500)
    batch = await create_voucher_batch(new(), BatchRequest("B", 1, terms), "b1", ACTOR)
    [voucher] = (await find_vouchers(new(), VoucherFilter(str(batch.id)), 10, None)).items
    await assign_voucher(new(), voucher.code, ann)
    use = VoucherUseRequest(voucher.code, cart, ann, "default", "P3")
    used = await redeem_voucher(new(), use, "v1", ACTOR)
    await cancel_voucher_use(new(), str(used.use.id), ACTOR)
    await redeem_voucher(new(), use, "v2", ACTOR)
    await update_conversion(new(), {"enabled": True})
    await convert_points_to_voucher(new(), ann, 100, "c1", ACTOR)
    gift = VoucherTerms(VoucherKind.GIFT_ITEM, gift_sku="MUG")
    mug = await create_reward(new(), RewardSpec("Mug", RewardKind.FREE_PRODUCT, 10, gift), "m")
    await claim_reward(new(), str(mug.item.id), ann, "w1", Staff(1, "t", Role.CASHIER))
    # Categories: by hand (Ann), then by the tier rules (Bob earns into Silver)
    silver = (await create_category(new(), "Silver", "1.5", False)).item
    vip = (await create_category(new(), "VIP", "2", False)).item
    await set_category(new(), str(vip.id), ACTOR, customer_ids=[ann])
    await adjust_points(new(), bob, 150, "start", "b-start", ACTOR)
    base = (await create_customer(new(), {}, None)).item.category_id
    rungs = [RungInput(str(base), 0), RungInput(str(silver.id), 100)]
    await set_tier_rules(new(), TierMeasure.POINTS_EARNED, 365, rungs)
    await evaluate_tiers(new())
    # A gift run (the bulk credit), then everything past its 30 days expires
    schedule = GiftScheduleSpec("Hourly", "0 * * * *", 5, "Thanks")
    made = (await create_gift_schedule(new(), schedule, "g1")).item
    fire = next_after(schedule.cron, made.runs_from)
    assert fire is not None
    await run_gift_schedules(new(), fire + timedelta(minutes=1))
    await expire_points(new(), datetime.now(UTC) + timedelta(days=60))
    # A card given on registration, reported lost
    await create_customer(new(), {"card_code": "CARD-1"}, None)
    await report_lost(new(), "CARD-1", None)
    # A customer with a card erased (its card blocked under an erased code)
    erased = (await create_customer(new(), {"card_code": "CARD-2"}, None)).item
    await erase_customer(new(), PARTS, erased.id, ACTOR, "e1")
    # A webhook subscription disabled by its first failed attempt
    await _a_webhook_disabled(new)


async def _a_webhook_disabled(new: Callable[[], UnitOfWork]) -> None:
    policy = TargetPolicy(parse_networks("127.0.0.0/8"))
    spec = SubscriptionSpec("http://127.0.0.1:9/hooks", ("CARD_STATUS_CHANGED",))
    await create_subscription(new(), spec, "w1", policy)
    uow = new()
    async with uow:  # what the dispatcher's reaction does, in its transaction
        await add_deliveries(uow, await take_pending(uow, 1_000))
        await uow.commit()
    (claimed,) = await claim_due(new(), 1, 10.0)
    await settle(new(), claimed, Outcome(500, "HTTP 500"), Limits(RetryPolicy(), 1))


def test_no_domain_module_builds_a_payload_by_hand() -> None:
    # Given the domain's source, then JSON objects are built only by domain.events.payloads
    # (a hand-written jsonb_build_object is a payload that can drift from its class).
    root = Path(__file__).parents[3] / "domain"
    by_hand = [
        str(path.relative_to(root.parent))
        for path in root.rglob("*.py")
        if path.name != "payloads.py" and "jsonb_build_object" in path.read_text()
    ]
    assert by_hand == []
