"""Properties of the batch postings: what the set-based SQL does to each customer is what the
ledger policy's Python side says a single posting would do.

Given a few customers with random balances (some at the ceiling), a random part of each held
by a checkout; when a batch adds, removes or sets random points; then each item's outcome,
points and rest not removed are those the policy computes (`policy.take_back` for removals,
the ceiling for credits), the balances moved by exactly that, and every invariant holds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.holds import hold_points
from domain.checkout.quote import CartLine
from domain.customers.services import create_customer
from domain.ledger import policy
from domain.ledger.bulk import BulkItem, BulkPosting, Outcome
from domain.ledger.bulk_changes import add_points_each, remove_points_each, set_points_each
from domain.ledger.kinds import EntryKind
from domain.ledger.services import adjust_points
from domain.limits import BALANCE_CEILING
from domain.uow import UnitOfWork
from tests.support.ledger import assert_ledger_sound

STEP = BulkPosting(EntryKind.MANUAL, "funnel:1", "funnel")
BIG_CART = [CartLine("A", 1, 10_000_000_000)]
CHANGES = {"add": add_points_each, "remove": remove_points_each, "set": set_points_each}

balances = st.integers(0, 3_000) | st.sampled_from([BALANCE_CEILING - 500, BALANCE_CEILING])
accounts = st.tuples(balances, st.sampled_from([0, 0, 1, 2, 4]))  # quarters held
amounts = st.integers(1, 3_000) | st.sampled_from([500, BALANCE_CEILING])


async def customer(engine: AsyncEngine, balance: int, quarters: int) -> tuple[int, int]:
    """A new customer with `balance` points, `quarters`/4 of them held; (id, held)."""
    cid = (await create_customer(UnitOfWork(engine), {}, None)).item.id
    if balance:
        await adjust_points(UnitOfWork(engine), str(cid), balance, "start", f"b-{cid}", "t")
    held = balance * quarters // 4
    if held:
        await hold_points(UnitOfWork(engine), str(cid), held, f"h-{cid}", f"H-{cid}", BIG_CART)
    return cid, held


def expected(change: str, balance: int, held: int, n: int) -> tuple[Outcome, int, int]:
    """(outcome, points moved, rest not removed) as the policy has it for one customer."""
    funds = policy.Funds(balance, held)
    if change == "add":
        fits = policy.CEILING.holds({"balance": balance, "points": n, "ceiling": BALANCE_CEILING})
        return (Outcome.POSTED, n, 0) if fits else (Outcome.CEILING, 0, 0)
    if change == "set" and balance <= n:
        return (Outcome.POSTED, n - balance, 0) if balance < n else (Outcome.UNCHANGED, 0, 0)
    wanted = n if change == "remove" else balance - n
    taken = policy.take_back(funds, wanted)
    return (Outcome.POSTED if taken else Outcome.UNCHANGED), -taken, wanted - taken


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.lists(accounts, min_size=1, max_size=4),
    change=st.sampled_from(sorted(CHANGES)),
    n=amounts,
)
async def test_each_item_moves_what_the_policy_says_a_single_posting_would(
    engine: AsyncEngine, start: list[tuple[int, int]], change: str, n: int
) -> None:
    made = [await customer(engine, balance, quarters) for balance, quarters in start]
    batch = [BulkItem(cid, f"step-{cid}", str(cid)) for cid, _ in made]

    uow = UnitOfWork(engine)
    async with uow:
        results = await CHANGES[change](uow, STEP, batch, n)
        await uow.commit()

    wanted = [
        expected(change, balance, held, n)
        for (balance, _), (_, held) in zip(start, made, strict=True)
    ]
    assert [(r.outcome, r.points, r.not_removed) for r in results] == wanted
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT customer_id, balance FROM point_accounts WHERE customer_id = ANY(:c)"),
            {"c": [cid for cid, _ in made]},
        )
        after = {row.customer_id: row.balance for row in found}
    assert [after[cid] for cid, _ in made] == [
        balance + points for (balance, _), (_, points, _) in zip(start, wanted, strict=True)
    ]
    await assert_ledger_sound(engine)
