"""Property: the badges held, kept up to date incrementally by the balance trigger and the
badge services, always equal the badges recomputed from scratch.

Given a few customers and random histories of credits, debits, purchases and refunds (which
move lifetime points), holds captured or released, reversals, and badge edits (new badges,
new ranges or bases, deactivations and reactivations, some refused for overlapping); when
they run in turn; then after every step the badges held are exactly those the points and the
badges give, and at the end each held badge's last logged change is its unlock and every
invariant holds."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.audit import CHECKS
from domain.badges.models import BadgeBasis, BadgeSpec
from domain.badges.services import create_badge, update_badge
from domain.badges.standings import badges_due, badges_held
from domain.checkout.holds import capture_hold, hold_points, release_hold
from domain.checkout.quote import CartLine
from domain.customers.services import create_customer
from domain.errors import DomainError, ErrorCode
from domain.ledger.invariants import find_violations
from domain.ledger.services import adjust_points, reverse_entry
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.refunds import refund_purchase
from domain.purchases.services import PurchaseReport, record_purchase
from domain.uow import UnitOfWork
from tests.support.databases import reset_tables

CUSTOMERS = 3
ACTOR = "test"


@dataclass(frozen=True)
class Adjust:
    customer: int
    points: int


@dataclass(frozen=True)
class Purchase:
    customer: int
    amount_minor: int  # earns amount / 100 points (the default rule)


@dataclass(frozen=True)
class Refund:
    pick: int  # index (modulo) into the purchases made so far; refunds what is left


@dataclass(frozen=True)
class Hold:
    customer: int
    points: int
    capture: bool


@dataclass(frozen=True)
class Reverse:
    pick: int  # index (modulo) into the manual entries written so far


@dataclass(frozen=True)
class NewBadge:
    basis: BadgeBasis
    min_points: int
    width: int | None  # None: no top


@dataclass(frozen=True)
class EditBadge:
    pick: int  # index (modulo) into the badges made so far
    basis: BadgeBasis | None  # None: leave the basis
    min_points: int
    width: int | None
    active: bool


Operation = Adjust | Purchase | Refund | Hold | Reverse | NewBadge | EditBadge

customer = st.integers(0, CUSTOMERS - 1)
bases = st.sampled_from(list(BadgeBasis))
widths = st.none() | st.integers(1, 400)
# fmt: off
operations = st.lists(
    st.one_of(
        st.builds(Adjust, customer, st.integers(1, 300) | st.integers(-300, -1)),
        st.builds(Purchase, customer, st.integers(100, 40_000)),
        st.builds(Refund, st.integers(0, 100)),
        st.builds(Hold, customer, st.integers(1, 200), st.booleans()),
        st.builds(Reverse, st.integers(0, 100)),
        st.builds(NewBadge, bases, st.integers(0, 800), widths),
        st.builds(NewBadge, bases, st.integers(0, 800), widths),
        st.builds(EditBadge, st.integers(0, 100), st.none() | bases, st.integers(0, 800), widths,
                  st.booleans()),
    ),
    min_size=3,
    max_size=30,
)
# fmt: on


async def run(engine: AsyncEngine, customers: list[str], step: int, op: Operation) -> str:
    """Run one operation; 'written' or 'refused' (an expected refusal)."""
    new = lambda: UnitOfWork(engine)  # noqa: E731
    try:
        if isinstance(op, Adjust):
            await adjust_points(new(), customers[op.customer], op.points, "n", f"a{step}", ACTOR)
        elif isinstance(op, Purchase):
            report = PurchaseReport(
                order_id=f"o{step}",
                status=PurchaseStatus.PAID,
                customer_id=customers[op.customer],
                lines=[Line("A", 1, op.amount_minor)],
            )
            await record_purchase(new(), report, ACTOR)
        elif isinstance(op, Refund):
            order = await _pick(engine, "SELECT order_id FROM purchases ORDER BY id", op.pick)
            await refund_purchase(new(), str(order), "default", None, f"r{step}", ACTOR)
        elif isinstance(op, Hold):
            cart = [CartLine("A", 1, 100_000)]
            held = await hold_points(
                new(), customers[op.customer], op.points, f"h{step}", f"h{step}", cart
            )
            if op.capture:
                await capture_hold(new(), str(held.id), ACTOR)
            else:
                await release_hold(new(), str(held.id))
        elif isinstance(op, Reverse):
            sql = "SELECT id FROM ledger_entries WHERE kind = 'MANUAL' ORDER BY id"
            await reverse_entry(new(), str(await _pick(engine, sql, op.pick)), "undo", ACTOR)
        elif isinstance(op, NewBadge):
            top = op.min_points + op.width if op.width is not None else None
            spec = BadgeSpec(f"b{step}", op.min_points, top, op.basis)
            await create_badge(new(), spec, f"b{step}")
        else:
            bid = await _pick(engine, "SELECT id FROM badges ORDER BY id", op.pick)
            top = op.min_points + op.width if op.width is not None else None
            changes: dict[str, object] = {"min_points": op.min_points, "max_points": top}
            changes.update(active=op.active, **({"basis": op.basis} if op.basis else {}))
            await update_badge(new(), str(bid), changes)
    except (DomainError, LookupError) as error:
        if isinstance(error, DomainError) and isinstance(op, NewBadge | EditBadge):
            assert {p.code for p in error.problems} == {ErrorCode.BADGE_RANGES_OVERLAP}
        return "refused"
    return "written"


async def _pick(engine: AsyncEngine, sql: str, pick: int) -> object:
    async with engine.connect() as conn:
        rows = (await conn.execute(text(sql))).all()
    if not rows:
        raise LookupError("nothing to pick from yet")
    return rows[pick % len(rows)][0]


async def badge_state(engine: AsyncEngine) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    async with engine.connect() as conn:
        return await badges_held(conn), await badges_due(conn)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=operations)
async def test_incremental_badges_always_equal_badges_recomputed_from_scratch(
    engine: AsyncEngine, ops: list[Operation]
) -> None:
    # Given an empty program with a few customers, 300 points each
    await reset_tables(engine)
    customers = []
    for i in range(CUSTOMERS):
        created = (
            await create_customer(UnitOfWork(engine), {"email": f"c{i}@example.com"}, None)
        ).item
        customers.append(str(created.id))
        await adjust_points(UnitOfWork(engine), customers[-1], 300, "start", f"s{i}", ACTOR)

    for step, op in enumerate(ops):
        # When the operation runs
        event(f"{type(op).__name__}: {await run(engine, customers, step, op)}")
        # Then the badges held are those recomputed from scratch
        held, due = await badge_state(engine)
        assert held == due, op

    # Then the history agrees with the holdings and every invariant holds
    async with engine.connect() as conn:
        assert await find_violations(conn, CHECKS) == []
