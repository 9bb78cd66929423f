"""Property: any sequence of ledger operations keeps every balance sound.

Given a few customers, random manual credits and debits (some replaying an idempotency key),
reversals of earlier entries, purchases and partial or whole refunds; when they run in turn
(expected refusals allowed); then after each example every balance equals the sum of its
entries and is never negative, the ledger invariants hold, a replay changed nothing, an
order awarded points at most once, and each refusal wrote nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.errors import DomainError, ErrorCode
from domain.ledger.invariants import find_violations
from domain.ledger.services import adjust_points, reverse_entry
from domain.limits import BALANCE_CEILING
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.services import PurchaseReport, record_purchase, refund_purchase
from domain.purchases.validation import RefundLine
from domain.uow import UnitOfWork
from tests.support.databases import reset_tables

CUSTOMERS = 3
ACTOR = "test"
SKUS = ("A", "B", "C")


@dataclass(frozen=True)
class Adjust:
    customer: int
    points: int
    key: str


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


Operation = Adjust | Reverse | Purchase | Refund

small_points = st.integers(-150, 150).filter(lambda p: p != 0)
huge_points = st.sampled_from([BALANCE_CEILING - 100, -(BALANCE_CEILING - 100)])
adjusts = st.builds(
    Adjust,
    customer=st.integers(0, CUSTOMERS - 1),
    points=st.one_of(small_points, small_points, small_points, huge_points),
    key=st.sampled_from([f"k{i}" for i in range(6)]),
)
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
    order=st.sampled_from(["o1", "o2", "o3", "o4"]),
    status=st.sampled_from(list(PurchaseStatus)),
    lines=lines,
)
refunds = st.builds(
    Refund,
    order=st.sampled_from(["o1", "o2", "o3", "o4"]),
    lines=st.none()
    | st.lists(
        st.builds(RefundLine, sku=st.sampled_from(SKUS), quantity=st.integers(1, 3)),
        min_size=1,
        max_size=2,
    ).map(tuple),
    key=st.sampled_from([f"r{i}" for i in range(4)]),
)
operations = st.lists(st.one_of(adjusts, adjusts, reverses, purchases, refunds), max_size=25)


@dataclass
class Model:
    """What the operations reported, to compare with what the database holds."""

    customer_ids: list[str]
    balances: dict[int, int] = field(default_factory=dict)
    adjust_keys: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    reversed_ids: set[int] = field(default_factory=set)


async def ledger_state(engine: AsyncEngine) -> tuple[object, ...]:
    """Everything a write could change: balances, entries, lots, allocations, refunds."""
    async with engine.connect() as conn:
        accounts = (await conn.execute(text(
            "SELECT customer_id, balance, lifetime_earned, lifetime_spent FROM point_accounts "
            "ORDER BY customer_id"))).all()
        counts = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM point_lots), "
            "(SELECT sum(remaining) FROM point_lots), (SELECT count(*) FROM lot_allocations), "
            "(SELECT count(*) FROM refunds)"))).one()
    return tuple(accounts), tuple(counts)


async def balances(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT customer_id, balance FROM point_accounts"))
        return {row.customer_id: row.balance for row in rows}


async def run_adjust(engine: AsyncEngine, model: Model, op: Adjust) -> bool:
    """Runs one adjustment; True when it only replayed an earlier one."""
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
        return False
    if used is not None:
        # Given a key already used for this very movement, the first movement comes back.
        assert movement.replayed
        assert used == (cid, op.points, movement.entry.id)
        return True
    assert not movement.replayed
    assert 0 <= balance + op.points <= BALANCE_CEILING
    assert movement.account.balance == balance + op.points
    model.balances[cid] += op.points
    model.adjust_keys[op.key] = (cid, op.points, movement.entry.id)
    return False


async def run_reverse(engine: AsyncEngine, model: Model, op: Reverse) -> None:
    async with engine.connect() as conn:
        entries = (await conn.execute(text(
            "SELECT id, customer_id, points, kind FROM ledger_entries ORDER BY id"))).all()
    if not entries:
        return
    target = entries[op.pick % len(entries)]
    balance = model.balances[target.customer_id]
    try:
        movement = await reverse_entry(UnitOfWork(engine), str(target.id), "undo", ACTOR)
    except DomainError as error:
        codes = {p.code for p in error.problems}
        if target.kind == "REVERSAL":
            assert codes == {ErrorCode.NOT_REVERSIBLE}
        elif target.id in model.reversed_ids:
            assert codes == {ErrorCode.ALREADY_REVERSED}
        elif balance - target.points < 0:
            assert codes == {ErrorCode.INSUFFICIENT_POINTS}
        else:
            assert codes == {ErrorCode.BALANCE_LIMIT_EXCEEDED}
        return
    assert target.kind != "REVERSAL" and target.id not in model.reversed_ids
    assert movement.entry.points == -target.points
    assert movement.entry.reverses_entry_id == target.id
    model.reversed_ids.add(target.id)
    model.balances[target.customer_id] -= target.points


async def run_purchase(engine: AsyncEngine, model: Model, op: Purchase) -> None:
    cid = int(model.customer_ids[op.customer])
    report = PurchaseReport(order_id=op.order, status=op.status, lines=list(op.lines),
                            customer_id=str(cid))
    try:
        record = await record_purchase(UnitOfWork(engine), report, ACTOR)
    except DomainError:
        return  # another customer's order, or an award that would cross the ceiling
    model.balances[cid] += record.points_awarded


async def run_refund(engine: AsyncEngine, model: Model, op: Refund) -> bool:
    """Runs one refund; True when it only replayed an earlier one."""
    lines = list(op.lines) if op.lines is not None else None
    try:
        refund = await refund_purchase(UnitOfWork(engine), op.order, "default", lines, op.key,
                                       ACTOR)
    except DomainError:
        return False  # no such order, or more than is left to refund
    if refund.replayed:
        return True
    assert 0 <= refund.points_taken <= refund.points_due
    assert refund.points_taken + refund.points_uncollected == refund.points_due
    async with engine.connect() as conn:
        cid = (await conn.execute(text(
            "SELECT customer_id FROM purchases WHERE id = :id"), {"id": refund.purchase_id}
        )).scalar_one()
    model.balances[cid] -= refund.points_taken
    return False


async def run(engine: AsyncEngine, model: Model, op: Operation) -> tuple[bool, bool]:
    """(replayed, refused): whether the operation only replayed, or wrote nothing."""
    if isinstance(op, Adjust):
        return await run_adjust(engine, model, op), False
    if isinstance(op, Reverse):
        await run_reverse(engine, model, op)
    elif isinstance(op, Purchase):
        await run_purchase(engine, model, op)
    else:
        return await run_refund(engine, model, op), False
    return False, False


async def new_customers(engine: AsyncEngine) -> list[str]:
    customers = [await create_customer(UnitOfWork(engine), {"email": f"c{i}@example.com"}, None)
                 for i in range(CUSTOMERS)]
    return [str(c.id) for c in customers]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ops=operations)
async def test_any_sequence_of_operations_keeps_the_ledger_sound(
    engine: AsyncEngine, ops: list[Operation]
) -> None:
    # Given an empty program with a few customers
    await reset_tables(engine)
    model = Model(customer_ids=await new_customers(engine))
    model.balances = {int(c): 0 for c in model.customer_ids}

    for op in ops:
        before = await ledger_state(engine)
        # When the operation runs
        replayed, _ = await run(engine, model, op)
        # Then a replayed key changed nothing, and balances match what was reported
        if replayed:
            assert await ledger_state(engine) == before, op
        assert await balances(engine) == model.balances, op

    # Then every balance is the sum of its entries and never negative, and the ledger is sound
    async with engine.connect() as conn:
        sums = {row.customer_id: row.total for row in await conn.execute(text(
            "SELECT a.customer_id, COALESCE(sum(e.points), 0) AS total FROM point_accounts a "
            "LEFT JOIN ledger_entries e USING (customer_id) GROUP BY a.customer_id"))}
        awards = (await conn.execute(text(
            "SELECT source_ref FROM ledger_entries WHERE kind = 'PURCHASE' "
            "GROUP BY source_ref HAVING count(*) > 1"))).all()
        violations = await find_violations(conn)
    assert sums == model.balances
    assert all(balance >= 0 for balance in sums.values())
    assert awards == [], "an order earned points more than once"
    assert violations == []
