"""Property: on any history with a moving clock, the expiry job expires exactly what a
from-scratch computation over the lots says.

Given a few customers, random credits (under validities that change), spends, holds
(released, captured or left active), reversals of manual entries, and expiry runs at a
clock that only moves forward; when each run happens, then the EXPIRY entries and lot
allocations it wrote equal what the lots said before it (for each customer, what their lots
past their date had left, soonest first, as far as balance - held allows), a second run at
the same clock writes nothing, each new lot expires at the end of the UTC day of its credit
plus the validity then in force, and at the end every balance is the sum of its entries,
never negative, lifetime earned - spent - expired, and every invariant holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.holds import capture_hold, hold_points, release_hold
from domain.checkout.quote import CartLine
from domain.customers.services import create_customer
from domain.errors import DomainError
from domain.ledger.expiry_job import expire_points
from domain.ledger.invariants import find_violations
from domain.ledger.services import adjust_points, reverse_entry
from domain.ledger.validity import update_expiry_rule
from domain.uow import UnitOfWork
from tests.domain.ledger.test_expiry import midnight_after
from tests.support.databases import reset_tables

CUSTOMERS = 3
CART = [CartLine("A", 5, 2_000)]


@dataclass(frozen=True)
class Credit:
    customer: int
    points: int


@dataclass(frozen=True)
class Spend:
    customer: int
    points: int


@dataclass(frozen=True)
class SetValidity:
    days: int | None


@dataclass(frozen=True)
class Hold:
    customer: int
    points: int


@dataclass(frozen=True)
class EndHold:
    pick: int
    capture: bool


@dataclass(frozen=True)
class Reverse:
    pick: int


@dataclass(frozen=True)
class Expire:
    advance_h: int  # the clock moves forward this many hours, then the job runs


Operation = Credit | Spend | SetValidity | Hold | EndHold | Reverse | Expire

customer = st.integers(0, CUSTOMERS - 1)
operations = st.lists(
    st.one_of(
        st.builds(Credit, customer, st.integers(1, 200)),
        st.builds(Credit, customer, st.integers(1, 200)),
        st.builds(Spend, customer, st.integers(1, 150)),
        st.builds(SetValidity, st.none() | st.integers(1, 10)),
        st.builds(Hold, customer, st.integers(1, 80)),
        st.builds(EndHold, st.integers(0, 100), st.booleans()),
        st.builds(Reverse, st.integers(0, 100)),
        st.builds(Expire, st.integers(0, 24 * 8)),
        st.builds(Expire, st.integers(0, 24 * 8)),
    ),
    min_size=3,
    max_size=25,
)


@dataclass
class History:
    customer_ids: list[str]
    clock: datetime
    validity_days: int | None = None
    active_holds: list[str] = field(default_factory=list)
    manual_entries: list[str] = field(default_factory=list)
    keys: int = 0
    expired_total: int = 0

    def key(self) -> str:
        self.keys += 1
        return f"k{self.keys}"


async def fetch(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(sql), params))


def from_scratch(
    lots: list[Any], accounts: dict[int, tuple[int, int]], clock: datetime
) -> dict[int, int]:
    """What each lot should lose at `clock`: per customer, the lots past their date, soonest
    first, as far as balance - held allows."""
    due: dict[int, list[Any]] = defaultdict(list)
    for lot in lots:
        if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= clock:
            due[lot.customer_id].append(lot)
    taken: dict[int, int] = {}
    for cid, found in due.items():
        balance, held = accounts[cid]
        room = balance - held
        for lot in sorted(found, key=lambda lot: (lot.expires_at, lot.id)):
            take = min(lot.remaining, room)
            if take > 0:
                taken[lot.id] = take
            room -= take
    return taken


async def run_expiry(engine: AsyncEngine, history: History, op: Expire) -> str:
    history.clock += timedelta(hours=op.advance_h)
    lots = await fetch(engine, "SELECT id, customer_id, remaining, expires_at FROM point_lots")
    accounts = {
        r.customer_id: (r.balance, r.held)
        for r in await fetch(engine, "SELECT customer_id, balance, held FROM point_accounts")
    }
    expected = from_scratch(lots, accounts, history.clock)
    last = (await fetch(engine, "SELECT COALESCE(max(id), 0) FROM ledger_entries"))[0][0]

    # When the job runs at the clock
    run = await expire_points(UnitOfWork(engine), history.clock, batch_customers=2)

    # Then it took from each lot exactly what the lots said
    written = await fetch(
        engine,
        "SELECT a.lot_id, -a.points AS points FROM lot_allocations a "
        "JOIN ledger_entries e ON e.id = a.entry_id WHERE e.kind = 'EXPIRY' AND e.id > :last",
        last=last,
    )
    assert {r.lot_id: r.points for r in written} == expected
    assert run.points == sum(expected.values())
    history.expired_total += run.points
    # And a second run at the same clock expires nothing
    assert (await expire_points(UnitOfWork(engine), history.clock)).points == 0
    return "expired" if run.points else "nothing due"


async def run_credit(engine: AsyncEngine, history: History, op: Credit) -> str:
    cid = history.customer_ids[op.customer]
    try:
        movement = await adjust_points(UnitOfWork(engine), cid, op.points, "c", history.key(), "t")
    except DomainError:
        return "refused"
    history.manual_entries.append(str(movement.entry.id))
    # Then its lot expires at the end of the UTC day of the validity then in force
    (lot,) = await fetch(
        engine, "SELECT expires_at FROM point_lots WHERE entry_id = :e", e=movement.entry.id
    )
    days = history.validity_days
    created = movement.entry.created_at
    assert lot.expires_at == (None if days is None else midnight_after(created, days))
    return "credited"


async def run_other(engine: AsyncEngine, history: History, op: Operation) -> str:
    uow = UnitOfWork(engine)
    try:
        if isinstance(op, Spend):
            cid = history.customer_ids[op.customer]
            movement = await adjust_points(uow, cid, -op.points, "s", history.key(), "t")
            history.manual_entries.append(str(movement.entry.id))
        elif isinstance(op, SetValidity):
            await update_expiry_rule(uow, op.days, None)
            history.validity_days = op.days
        elif isinstance(op, Hold):
            cid = history.customer_ids[op.customer]
            order = history.key()
            hold = await hold_points(uow, cid, op.points, history.key(), order, CART)
            history.active_holds.append(str(hold.id))
        elif isinstance(op, EndHold):
            if not history.active_holds:
                return "refused"
            hold_id = history.active_holds.pop(op.pick % len(history.active_holds))
            await (capture_hold(uow, hold_id, "t") if op.capture else release_hold(uow, hold_id))
        elif isinstance(op, Reverse):
            if not history.manual_entries:
                return "refused"
            entry_id = history.manual_entries.pop(op.pick % len(history.manual_entries))
            await reverse_entry(uow, entry_id, "undo", "t")
    except DomainError:
        return "refused"
    return "done"


async def run(engine: AsyncEngine, history: History, op: Operation) -> str:
    if isinstance(op, Expire):
        return await run_expiry(engine, history, op)
    if isinstance(op, Credit):
        return await run_credit(engine, history, op)
    return await run_other(engine, history, op)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    start_days=st.integers(1, 5),
    ops=operations,
)
async def test_expiry_on_any_history_matches_a_computation_from_scratch(
    engine: AsyncEngine, start_days: int, ops: list[Operation]
) -> None:
    # Given an empty program, a validity (operations may change it, or take it away), and a
    # few customers with 200 points each
    await reset_tables(engine)
    ids = [
        str((await create_customer(UnitOfWork(engine), {}, None)).item.id) for _ in range(CUSTOMERS)
    ]
    history = History(customer_ids=ids, clock=datetime.now(UTC))
    await run(engine, history, SetValidity(start_days))
    for i in range(CUSTOMERS):
        await run(engine, history, Credit(i, 200))

    for op in ops:
        event(f"{type(op).__name__}: {await run(engine, history, op)}")
    # And a last run far ahead, past every date a lot can have here
    event(f"last run: {await run(engine, history, Expire(24 * 40))}")

    # Then balances are sums of entries, never negative, and every invariant holds
    accounts = await fetch(
        engine,
        "SELECT a.customer_id, a.balance, a.lifetime_earned, a.lifetime_spent, "
        "a.lifetime_expired, (SELECT COALESCE(sum(points), 0) FROM ledger_entries e "
        "WHERE e.customer_id = a.customer_id) AS total FROM point_accounts a",
    )
    for a in accounts:
        assert a.balance == a.total >= 0
        assert a.balance == a.lifetime_earned - a.lifetime_spent - a.lifetime_expired
    assert sum(a.lifetime_expired for a in accounts) == history.expired_total
    async with engine.connect() as conn:
        assert await find_violations(conn) == []
