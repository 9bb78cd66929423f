"""Property: any sequence of ledger operations keeps every balance sound.

Given a few customers, random manual credits and debits (some replaying an idempotency key),
reversals of earlier entries, purchases, points paying orders (redeemed, or held then
captured or released) and cancelled, and partial or whole refunds; when they run in turn
(expected refusals allowed); then after each example every balance equals the sum of its
entries and is never negative, the ledger invariants hold, a replay changed nothing, an
order awarded points at most once, and each refusal wrote nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.cancellations import cancel_redemption
from domain.checkout.holds import capture_hold, hold_points, release_hold
from domain.checkout.quote import CartLine
from domain.checkout.redemptions import redeem_points
from domain.customers.services import create_customer
from domain.errors import DomainError, ErrorCode
from domain.ledger.invariants import find_violations
from domain.ledger.services import adjust_points, reverse_entry
from domain.limits import BALANCE_CEILING
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.refunds import refund_purchase
from domain.purchases.services import PurchaseReport, record_purchase
from domain.purchases.validation import RefundLine
from domain.uow import UnitOfWork
from tests.support.databases import reset_tables

CUSTOMERS = 3
START_POINTS = 300
ACTOR = "test"
SKUS = ("A", "B", "C")


@dataclass(frozen=True)
class Adjust:
    customer: int
    points: int
    key: str


@dataclass(frozen=True)
class Retry:
    pick: int  # index (modulo) into the adjustments sent so far: the same call again


@dataclass(frozen=True)
class Reverse:
    pick: int  # index (modulo) into the entries written so far


@dataclass(frozen=True)
class Purchase:
    customer: int
    order: str
    status: PurchaseStatus
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Refund:
    order: str
    lines: tuple[RefundLine, ...] | None  # None refunds whatever is left
    key: str


@dataclass(frozen=True)
class Redeem:
    customer: int
    order: str
    points: int
    key: str
    hold: str | None  # None: redeemPoints; "capture" or "release": a hold, then that


@dataclass(frozen=True)
class Cancel:
    pick: int  # index (modulo) into the redemptions made so far


Operation = Adjust | Retry | Reverse | Purchase | Refund | Redeem | Cancel

small_points = st.integers(1, 200) | st.integers(-150, -1)
huge_points = st.sampled_from([BALANCE_CEILING - 100, -(BALANCE_CEILING - 100)])
adjusts = st.builds(
    Adjust,
    customer=st.integers(0, CUSTOMERS - 1),
    points=st.one_of(*[small_points] * 6, huge_points),
    key=st.sampled_from([f"k{i}" for i in range(8)]),
)
retries = st.builds(Retry, pick=st.integers(0, 1_000))
reverses = st.builds(Reverse, pick=st.integers(0, 1_000))
lines = st.lists(
    st.builds(
        Line,
        sku=st.sampled_from(SKUS),
        quantity=st.integers(1, 3),
        unit_price_minor=st.integers(0, 5_000),
    ),
    min_size=1,
    max_size=3,
).map(tuple)
purchases = st.builds(
    Purchase,
    customer=st.integers(0, CUSTOMERS - 1),
    order=st.sampled_from(["o1", "o2", "o3"]),
    status=st.sampled_from(list(PurchaseStatus)),
    lines=lines,
)
refunds = st.builds(
    Refund,
    order=st.sampled_from(["o1", "o2", "o3"]),
    lines=st.none()
    | st.lists(
        st.builds(RefundLine, sku=st.sampled_from(SKUS), quantity=st.integers(1, 3)),
        min_size=1,
        max_size=2,
    ).map(tuple),
    key=st.sampled_from([f"r{i}" for i in range(4)]),
)
redeems = st.builds(
    Redeem,
    customer=st.integers(0, CUSTOMERS - 1),
    # Orders of their own too: points pay an order before its sale earns.
    order=st.sampled_from(["o1", "o2", "o3", "p1", "p2", "p3"]),
    points=st.integers(1, 60),
    key=st.sampled_from([f"p{i}" for i in range(4)]),
    hold=st.sampled_from([None, "capture", "release"]),
)
# Points pay on a cart of 60.00 (the default rate: 100 points = 1.00, no caps).
REDEEM_CART = [CartLine("A", 3, 2_000)]
cancels = st.builds(Cancel, pick=st.integers(0, 1_000))
operations = st.lists(
    st.one_of(adjusts, adjusts, retries, reverses, purchases, refunds, redeems, cancels),
    min_size=3,
    max_size=30,
)


@dataclass
class Model:
    """What the operations reported, to compare with what the database holds."""

    customer_ids: list[str]
    sent: list[Adjust] = field(default_factory=list)
    balances: dict[int, int] = field(default_factory=dict)
    adjust_keys: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    reversed_ids: set[int] = field(default_factory=set)


STATE_ACCOUNTS = text(
    "SELECT customer_id, balance, lifetime_earned, lifetime_spent "
    "FROM point_accounts ORDER BY customer_id"
)
STATE_COUNTS = text(
    "SELECT (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM point_lots), "
    "(SELECT sum(remaining) FROM point_lots), (SELECT count(*) FROM lot_allocations), "
    "(SELECT count(*) FROM refunds)"
)
SUMS_OF_ENTRIES = text(
    "SELECT a.customer_id, COALESCE(sum(e.points), 0) AS total FROM point_accounts a "
    "LEFT JOIN ledger_entries e USING (customer_id) GROUP BY a.customer_id"
)
ORDERS_AWARDED_TWICE = text(
    "SELECT source_ref FROM ledger_entries WHERE kind = 'PURCHASE' "
    "GROUP BY source_ref HAVING count(*) > 1"
)


async def ledger_state(engine: AsyncEngine) -> tuple[object, ...]:
    """Everything a write could change: balances, entries, lots, allocations, refunds."""
    async with engine.connect() as conn:
        accounts = (await conn.execute(STATE_ACCOUNTS)).all()
        counts = (await conn.execute(STATE_COUNTS)).one()
    return tuple(accounts), tuple(counts)


async def balances(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT customer_id, balance FROM point_accounts"))
        return {row.customer_id: row.balance for row in rows}


WRITTEN, REPLAYED, REFUSED = "written", "replayed", "refused"


async def run_adjust(engine: AsyncEngine, model: Model, op: Adjust) -> str:
    cid = int(model.customer_ids[op.customer])
    balance = model.balances[cid]
    used = model.adjust_keys.get(op.key)
    try:
        movement = await adjust_points(
            UnitOfWork(engine), str(cid), op.points, "property", op.key, ACTOR
        )
    except DomainError as error:
        codes = {p.code for p in error.problems}
        if used is not None:
            assert codes == {ErrorCode.IDEMPOTENCY_CONFLICT}
            assert used[:2] != (cid, op.points)
        elif balance + op.points < 0:
            assert codes == {ErrorCode.INSUFFICIENT_POINTS}
        else:
            assert balance + op.points > BALANCE_CEILING
            assert codes == {ErrorCode.BALANCE_LIMIT_EXCEEDED}
        return REFUSED
    if used is not None:
        # Given a key already used for this very movement, the first movement comes back.
        assert movement.replayed
        assert used == (cid, op.points, movement.entry.id)
        return REPLAYED
    assert not movement.replayed
    assert 0 <= balance + op.points <= BALANCE_CEILING
    assert movement.account.balance == balance + op.points
    model.balances[cid] += op.points
    model.adjust_keys[op.key] = (cid, op.points, movement.entry.id)
    return WRITTEN


async def run_reverse(engine: AsyncEngine, model: Model, op: Reverse) -> str:
    async with engine.connect() as conn:
        entries = (
            await conn.execute(
                text("SELECT id, customer_id, points, kind FROM ledger_entries ORDER BY id")
            )
        ).all()
    if not entries:
        return REFUSED
    target = entries[op.pick % len(entries)]
    balance = model.balances[target.customer_id]
    try:
        movement = await reverse_entry(UnitOfWork(engine), str(target.id), "undo", ACTOR)
    except DomainError as error:
        codes = {p.code for p in error.problems}
        if target.kind != "MANUAL":
            assert codes == {ErrorCode.NOT_REVERSIBLE}
        elif target.id in model.reversed_ids:
            assert codes == {ErrorCode.ALREADY_REVERSED}
        elif balance - target.points < 0:
            assert codes == {ErrorCode.INSUFFICIENT_POINTS}
        else:
            assert codes == {ErrorCode.BALANCE_LIMIT_EXCEEDED}
        return REFUSED
    assert target.kind == "MANUAL" and target.id not in model.reversed_ids
    assert movement.entry.points == -target.points
    assert movement.entry.reverses_entry_id == target.id
    model.reversed_ids.add(target.id)
    model.balances[target.customer_id] -= target.points
    return WRITTEN


async def run_purchase(engine: AsyncEngine, model: Model, op: Purchase) -> str:
    cid = int(model.customer_ids[op.customer])
    report = PurchaseReport(
        order_id=op.order, status=op.status, lines=list(op.lines), customer_id=str(cid)
    )
    try:
        record = await record_purchase(UnitOfWork(engine), report, ACTOR)
    except DomainError:
        return REFUSED  # another customer's order, or an award that would cross the ceiling
    model.balances[cid] += record.points_awarded
    return REPLAYED if record.replayed and not record.points_awarded else WRITTEN


async def run_refund(engine: AsyncEngine, model: Model, op: Refund) -> str:
    lines = list(op.lines) if op.lines is not None else None
    try:
        refund = await refund_purchase(
            UnitOfWork(engine), op.order, "default", lines, op.key, ACTOR
        )
    except DomainError:
        return REFUSED  # no such order, or more than is left to refund
    if refund.replayed:
        return REPLAYED
    assert 0 <= refund.points_taken <= refund.points_due
    assert (
        refund.points_taken + refund.points_uncollected + refund.points_expired == refund.points_due
    )
    assert refund.points_returned >= 0
    async with engine.connect() as conn:
        cid = (
            await conn.execute(
                text("SELECT customer_id FROM purchases WHERE id = :id"), {"id": refund.purchase_id}
            )
        ).scalar_one()
    model.balances[cid] += refund.points_returned - refund.points_taken
    return WRITTEN


async def run_redeem(engine: AsyncEngine, model: Model, op: Redeem) -> str:
    cid = int(model.customer_ids[op.customer])
    try:
        if op.hold is None:
            done = await redeem_points(
                UnitOfWork(engine),
                str(cid),
                "default",
                op.order,
                op.points,
                REDEEM_CART,
                op.key,
                ACTOR,
            )
            replayed = done.replayed
        else:
            held = await hold_points(
                UnitOfWork(engine), str(cid), op.points, op.key, op.order, REDEEM_CART
            )
            if held.replayed:
                return REPLAYED
            if op.hold == "release":
                await release_hold(UnitOfWork(engine), str(held.id))
                return WRITTEN  # a hold and its release: the balance is as it was
            await capture_hold(UnitOfWork(engine), str(held.id), ACTOR)
            replayed = False
    except DomainError:
        return REFUSED  # too few points, above the quote, another's order, a key reused
    if replayed:
        return REPLAYED
    model.balances[cid] -= op.points
    return WRITTEN


async def run_cancel(engine: AsyncEngine, model: Model, op: Cancel) -> str:
    async with engine.connect() as conn:
        made = (await conn.execute(text("SELECT id FROM redemptions ORDER BY id"))).all()
    if not made:
        return REFUSED
    try:
        done = await cancel_redemption(UnitOfWork(engine), str(made[op.pick % len(made)].id), ACTOR)
    except DomainError as error:
        assert {p.code for p in error.problems} <= {
            ErrorCode.NOT_REVERSIBLE,
            ErrorCode.BALANCE_LIMIT_EXCEEDED,
        }
        return REFUSED  # its sale is recorded (refund it), or the balance would cross the ceiling
    if done.replayed:
        return REPLAYED
    model.balances[done.customer_id] += done.points
    return WRITTEN


async def run(engine: AsyncEngine, model: Model, op: Operation) -> str:
    """Runs one operation: WRITTEN, REPLAYED (an earlier call answered) or REFUSED."""
    if isinstance(op, Adjust):
        model.sent.append(op)
        return await run_adjust(engine, model, op)
    if isinstance(op, Retry):
        if not model.sent:
            return REFUSED
        return await run_adjust(engine, model, model.sent[op.pick % len(model.sent)])
    if isinstance(op, Reverse):
        return await run_reverse(engine, model, op)
    if isinstance(op, Purchase):
        return await run_purchase(engine, model, op)
    if isinstance(op, Redeem):
        return await run_redeem(engine, model, op)
    if isinstance(op, Cancel):
        return await run_cancel(engine, model, op)
    return await run_refund(engine, model, op)


async def new_customers(engine: AsyncEngine) -> list[str]:
    customers = [
        (await create_customer(UnitOfWork(engine), {"email": f"c{i}@example.com"}, None)).item
        for i in range(CUSTOMERS)
    ]
    return [str(c.id) for c in customers]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=operations)
async def test_any_sequence_of_operations_keeps_the_ledger_sound(
    engine: AsyncEngine, ops: list[Operation]
) -> None:
    # Given an empty program with a few customers, 300 points each
    await reset_tables(engine)
    model = Model(customer_ids=await new_customers(engine))
    model.balances = {int(c): 0 for c in model.customer_ids}
    for cid in model.customer_ids:  # something to spend from the start
        await adjust_points(UnitOfWork(engine), cid, START_POINTS, "start", f"start-{cid}", ACTOR)
        model.balances[int(cid)] = START_POINTS

    for op in ops:
        before = await ledger_state(engine)
        # When the operation runs
        outcome = await run(engine, model, op)
        event(f"{type(op).__name__}: {outcome}")
        # Then a replay or a refusal changed nothing, and balances match what was reported
        if outcome != WRITTEN:
            assert await ledger_state(engine) == before, (op, outcome)
        assert await balances(engine) == model.balances, op

    # Then every balance is the sum of its entries and never negative, and the ledger is sound
    async with engine.connect() as conn:
        sums = {row.customer_id: row.total for row in await conn.execute(SUMS_OF_ENTRIES)}
        awards = (await conn.execute(ORDERS_AWARDED_TWICE)).all()
        violations = await find_violations(conn)
    assert sums == model.balances
    assert all(balance >= 0 for balance in sums.values())
    assert awards == [], "an order earned points more than once"
    assert violations == []
