"""Property: evaluating the tier rules step by step ends where a from-scratch computation does.

Given a few customers and random histories (purchases reported CREATED, PAID or COMPLETED,
whole refunds, manual credits and debits, reversals of them, gifts, categories set by hand
and released, the rules changed between measures, thresholds and windows), with the
evaluation run at random moments in between; when a last evaluation runs at a random
moment, then every customer's category is what the ladder gives on a measure computed from
scratch in Python (or, if set by hand, the category set), a second evaluation moves nobody,
and each customer's CategoryChanged events chain from their first category to their last."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.categories import create_category
from domain.customers.placement import set_category
from domain.customers.services import create_customer
from domain.errors import DomainError
from domain.ledger.services import adjust_points, reverse_entry
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.refunds import refund_purchase
from domain.purchases.services import PurchaseReport, record_purchase
from domain.tiers.evaluation import evaluate_tiers
from domain.tiers.models import RungInput, TierMeasure
from domain.tiers.services import release_category_override, set_tier_rules
from domain.uow import UnitOfWork
from tests.support.databases import reset_tables

CUSTOMERS = 3
ACTOR = "test"


@dataclass(frozen=True)
class Buy:
    customer: int
    order: str
    status: PurchaseStatus
    total_minor: int


@dataclass(frozen=True)
class RefundAll:
    pick: int  # index (modulo) into the orders reported so far


@dataclass(frozen=True)
class Adjust:
    customer: int
    points: int


@dataclass(frozen=True)
class Reverse:
    pick: int


@dataclass(frozen=True)
class ByHand:
    customer: int
    category: int  # index into the categories


@dataclass(frozen=True)
class Release:
    customer: int


@dataclass(frozen=True)
class Rules:
    measure: TierMeasure
    window_days: int
    thresholds: tuple[int, int]  # of the second and third categories (the first is 0)


@dataclass(frozen=True)
class Evaluate:
    pick: int  # the moment: at, or a day after, a ledger entry (see `moment`)


Operation = Buy | RefundAll | Adjust | Reverse | ByHand | Release | Rules | Evaluate

orders = st.sampled_from(["o1", "o2", "o3", "o4"])
rules = st.builds(
    Rules,
    measure=st.sampled_from(list(TierMeasure)),
    window_days=st.integers(1, 3),
    thresholds=st.lists(st.integers(1, 1_500), min_size=2, max_size=2, unique=True).map(tuple),
)
buys = st.builds(
    Buy,
    customer=st.integers(0, CUSTOMERS - 1),
    order=orders,
    status=st.sampled_from(list(PurchaseStatus)),
    total_minor=st.integers(0, 4_000),
)
adjusts = st.builds(Adjust, customer=st.integers(0, CUSTOMERS - 1), points=st.integers(-300, 900))
operations = st.lists(
    st.one_of(
        buys,
        buys,
        buys,
        st.builds(RefundAll, pick=st.integers(0, 1_000)),
        st.builds(RefundAll, pick=st.integers(0, 1_000)),
        adjusts,
        adjusts,
        st.builds(Reverse, pick=st.integers(0, 1_000)),
        st.builds(ByHand, customer=st.integers(0, CUSTOMERS - 1), category=st.integers(0, 3)),
        st.builds(Release, customer=st.integers(0, CUSTOMERS - 1)),
        rules,
        st.builds(Evaluate, pick=st.integers(0, 1_000)),
    ),
    min_size=3,
    max_size=20,
)


@dataclass
class Model:
    customers: list[int]
    categories: list[int]  # Base (default), Silver, Gold, Staff (never on the ladder)
    by_hand: dict[int, int] = field(default_factory=dict)  # customer: category set by hand
    counter: int = 0

    def key(self) -> str:
        self.counter += 1
        return f"k{self.counter}"


async def run(engine: AsyncEngine, model: Model, op: Operation) -> None:
    """Run one operation; expected refusals (an order of another customer, a debit beyond
    the balance, an entry that is not reversible, nothing left to refund) are fine."""
    try:
        await _run(engine, model, op)
    except DomainError as error:
        event(f"{type(op).__name__} refused: {error.problems[0].code} {error.problems[0].message}")
    else:
        event(f"{type(op).__name__} ran")


async def _run(engine: AsyncEngine, model: Model, op: Operation) -> None:
    if isinstance(op, Buy):
        line = Line("A", 1, op.total_minor)
        report = PurchaseReport(op.order, op.status, [line], str(model.customers[op.customer]))
        await record_purchase(UnitOfWork(engine), report, ACTOR)
    elif isinstance(op, RefundAll):
        reported = await _rows(engine, "SELECT order_id FROM purchases ORDER BY id")
        if reported:
            order = str(reported[op.pick % len(reported)][0])
            await refund_purchase(UnitOfWork(engine), order, "default", None, model.key(), ACTOR)
    elif isinstance(op, Adjust) and op.points:
        who = str(model.customers[op.customer])
        await adjust_points(UnitOfWork(engine), who, op.points, "n", model.key(), ACTOR)
    elif isinstance(op, Reverse):
        entries = await _rows(engine, "SELECT id FROM ledger_entries ORDER BY id")
        if entries:
            picked = str(entries[op.pick % len(entries)][0])
            await reverse_entry(UnitOfWork(engine), picked, "undo", ACTOR)
    elif isinstance(op, ByHand):
        cid, category = model.customers[op.customer], model.categories[op.category]
        await set_category(UnitOfWork(engine), str(category), ACTOR, [str(cid)])
        model.by_hand[cid] = category
    elif isinstance(op, Release):
        cid = model.customers[op.customer]
        await release_category_override(UnitOfWork(engine), [str(cid)])
        model.by_hand.pop(cid, None)
    elif isinstance(op, Rules):
        await set_ladder(engine, model, op)
    elif isinstance(op, Evaluate):
        await evaluate_tiers(UnitOfWork(engine), await moment(engine, op.pick))


async def set_ladder(engine: AsyncEngine, model: Model, op: Rules) -> None:
    base, silver, gold, _ = model.categories
    rungs = [RungInput(str(base), 0)] + [
        RungInput(str(c), t) for c, t in zip((silver, gold), op.thresholds, strict=True)
    ]
    window = op.window_days if op.measure is TierMeasure.POINTS_EARNED else None
    await set_tier_rules(UnitOfWork(engine), op.measure, window, rungs)


async def moment(engine: AsyncEngine, pick: int) -> datetime:
    """A day after one of the entries, so that a one-day window leaves out that entry and
    those before it; or the time of one, leaving out those after it; or a minute from now."""
    entries = await _rows(engine, "SELECT created_at FROM ledger_entries ORDER BY id")
    choice = pick % (2 * len(entries) + 1)
    if choice == 2 * len(entries):
        return datetime.now(UTC) + timedelta(minutes=1)
    created: datetime = entries[choice // 2][0]
    return created + timedelta(days=choice % 2)


async def _rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(sql)))


async def from_scratch(engine: AsyncEngine, model: Model, now: datetime) -> dict[int, int]:
    """Each customer's category computed in Python from the raw history and the rules."""
    (rules_row,) = await _rows(engine, "SELECT measure, window_days FROM tier_rules")
    measure, window_days = TierMeasure(str(rules_row[0])), rules_row[1]
    ladder = await _rows(engine, "SELECT threshold, category_id FROM tier_rungs ORDER BY 1")
    values = dict.fromkeys(model.customers, 0)
    if measure is TierMeasure.LIFETIME_SPEND:
        bought = await _rows(
            engine,
            "SELECT p.customer_id, p.status, p.total_minor, "
            "(SELECT COALESCE(sum(amount_minor), 0) FROM refunds r WHERE r.purchase_id = p.id) "
            "FROM purchases p",
        )
        for cid, status, total, refunded in bought:
            if status in ("PAID", "COMPLETED"):
                values[int(cid)] += int(total) - int(refunded)
    else:
        assert isinstance(window_days, int)
        since = now - timedelta(days=window_days)
        for cid, points, kind, created in await _rows(
            engine, "SELECT customer_id, points, kind, created_at FROM ledger_entries"
        ):
            assert isinstance(points, int) and isinstance(created, datetime)
            counts = (
                (points > 0 and kind not in ("REVERSAL", "REDEMPTION_REFUND"))
                or kind == "REFUND"
                or (kind == "REVERSAL" and points < 0)
            )
            if counts and since < created <= now:
                values[int(cid)] += points
    placed = {}
    for cid, value in values.items():
        fitting = [int(c) for t, c in ladder if int(t) <= max(value, 0)]
        placed[cid] = model.by_hand.get(cid, fitting[-1])
    return placed


async def categories_now(engine: AsyncEngine) -> dict[int, int]:
    found = await _rows(engine, "SELECT id, category_id FROM customers")
    return {int(c): int(k) for c, k in found}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=operations, last_rules=rules, last_pick=st.integers(0, 1_000))
async def test_evaluating_step_by_step_ends_where_a_from_scratch_computation_does(
    engine: AsyncEngine, ops: list[Operation], last_rules: Rules, last_pick: int
) -> None:
    # Given customers in the default category and three more categories, earning 10 points
    # per 1.00 (so purchases, refunds and manual credits all move the measures)
    await reset_tables(engine)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE earning_rules SET spend_unit_minor = 10"))
    made = [(await create_customer(UnitOfWork(engine), {}, None)).item for _ in range(CUSTOMERS)]
    categories = [made[0].category_id] + [
        (await create_category(UnitOfWork(engine), name, "1", False)).item.id
        for name in ("Silver", "Gold", "Staff")
    ]
    model = Model([c.id for c in made], categories)
    for i, c in enumerate(made):  # something earned and spent from the start
        line = Line("A", 1, 1_000 * (i + 1))
        start = PurchaseReport(f"s{i}", PurchaseStatus.PAID, [line], str(c.id))
        await record_purchase(UnitOfWork(engine), start, ACTOR)
    first = await categories_now(engine)
    # When the history runs, with evaluations in between, then a last evaluation
    for op in ops:
        await run(engine, model, op)
    await set_ladder(engine, model, last_rules)
    now = await moment(engine, last_pick)
    await evaluate_tiers(UnitOfWork(engine), now)
    # Then the categories are those computed from scratch, and evaluating again moves nobody
    final = await categories_now(engine)
    event(f"final {last_rules.measure}: {len(set(final.values()))} categories in use")
    assert final == await from_scratch(engine, model, now)
    assert (await evaluate_tiers(UnitOfWork(engine), now)).moved == 0
    # And each customer's events chain from their first category to their last, one per move
    events = await _rows(
        engine,
        "SELECT customer_id, (payload->>'from_category_id')::bigint, "
        "(payload->>'to_category_id')::bigint FROM domain_events "
        "WHERE type = 'CategoryChanged' ORDER BY id",
    )
    chained = dict(first)
    for cid, from_id, to_id in events:
        assert chained[int(cid)] == from_id != to_id
        chained[int(cid)] = int(to_id)
    assert chained == final
