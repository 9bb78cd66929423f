"""Properties of the ledger policy: what a preview or a quote says is what the write does.

Given a customer with a random balance, a random part of it held by a checkout and a random
minimum balance to redeem; when an adjustment is previewed and then written, or a cart is
quoted and points then paid on it; then the preview (or quote) and the write agree on
whether it is allowed, a refusal reports the same problem both ways, and its message quotes
the spendable and held points that explain it. And the SQL guard the statements embed
accepts exactly what the policy's Python side allows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.checkout.holds import hold_points
from domain.checkout.quote import CartLine
from domain.checkout.redemptions import redeem_points
from domain.checkout.rules import update_rules
from domain.checkout.services import quote_redemption
from domain.customers.services import create_customer
from domain.errors import DomainError, ErrorCode, Problem
from domain.ledger import policy
from domain.ledger.services import adjust_points, preview_adjustment
from domain.limits import BALANCE_CEILING, MAX_POINTS_PER_OPERATION
from domain.uow import UnitOfWork

ACTOR = "test"
# Large enough for any hold below (up to the ceiling: 10,000,000.00 at the default rate).
BIG_CART = [CartLine("A", 1, 10_000_000_000)]
DEFAULT_RULES = {
    "points_per_unit": 100,
    "value_per_unit_minor": 100,
    "min_balance_points": 0,
    "min_cart_minor": 0,
    "max_discount_minor": None,
    "max_discount_bp": None,
    "exclude_discounted": False,
}

balances = st.integers(0, 3_000) | st.sampled_from([BALANCE_CEILING - 500, BALANCE_CEILING])
shares_held = st.sampled_from([0, 0, 1, 2, 3, 4])  # quarters of the balance held
minimums = st.integers(0, 3_000)
small_adjustments = st.integers(-3_000, -1) | st.integers(1, 3_000)
adjustments = st.one_of(
    small_adjustments,
    small_adjustments,
    small_adjustments,
    st.sampled_from([0, 1_000, -BALANCE_CEILING, MAX_POINTS_PER_OPERATION + 1]),
)


async def customer(engine: AsyncEngine, balance: int, quarters: int) -> tuple[str, int]:
    """A new customer with `balance` points, `quarters`/4 of them held for an order; returns
    (id, held). Customers of earlier examples stay: keys are per customer."""
    cid = str((await create_customer(UnitOfWork(engine), {}, None)).id)
    if balance:
        await adjust_points(UnitOfWork(engine), cid, balance, "start", f"start-{cid}", ACTOR)
    held = balance * quarters // 4
    if held:
        await hold_points(UnitOfWork(engine), cid, held, f"hold-{cid}", f"HELD-{cid}", BIG_CART)
    return cid, held


@asynccontextmanager
async def minimum_balance(engine: AsyncEngine, minimum: int) -> AsyncIterator[None]:
    """The default redemption rules with this minimum balance to redeem, put back after."""
    await update_rules(UnitOfWork(engine), {**DEFAULT_RULES, "min_balance_points": minimum}, [], [])
    try:
        yield
    finally:
        await update_rules(UnitOfWork(engine), DEFAULT_RULES, [], [])


def explains(problem: Problem, balance: int, held: int) -> bool:
    """Whether a refusal's message quotes the figures it was refused on."""
    if problem.code is not ErrorCode.INSUFFICIENT_POINTS:
        return True
    return f"{balance - held} points are spendable (a balance of {balance}, {held} held)" in (
        problem.message
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balance=balances, quarters=shares_held, minimum=minimums, points=adjustments)
async def test_a_preview_and_the_adjustment_it_previews_always_agree(
    engine: AsyncEngine, balance: int, quarters: int, minimum: int, points: int
) -> None:
    cid, held = await customer(engine, balance, quarters)
    # When the adjustment is previewed, then written
    try:
        async with minimum_balance(engine, minimum):
            preview = await preview_adjustment(UnitOfWork(engine), cid, points)
            written = await adjust_points(UnitOfWork(engine), cid, points, "n", f"k-{cid}", ACTOR)
    except DomainError as error:
        event(f"refused: {sorted(p.code.value for p in error.problems)}")
        # Then a refusal was foreseen, with the same problems
        assert not preview.allowed, (preview, error)
        assert preview.problems == error.problems
        assert all(explains(p, balance, held) for p in error.problems), error.problems
        return
    event("written, held points left" if held else "written")
    # Then what was written was allowed, and lands where the preview said
    assert preview.allowed and preview.problems == ()
    assert written.account.balance == preview.projected_balance
    # Held points are never taken, whatever the minimum balance to redeem (it is not a
    # rule of manual adjustments)
    assert written.account.held == held <= written.account.balance <= BALANCE_CEILING


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    balance=st.integers(0, 3_000),
    quarters=shares_held,
    minimum=minimums,
    points=st.integers(1, 3_000),
)
async def test_a_quote_and_the_payment_it_quotes_always_agree(
    engine: AsyncEngine, balance: int, quarters: int, minimum: int, points: int
) -> None:
    cid, held = await customer(engine, balance, quarters)
    # When a cart of 10.00 is quoted, then `points` pay on it
    cart, order = [CartLine("A", 1, 1_000)], f"PAY-{cid}"
    try:
        async with minimum_balance(engine, minimum):
            quote = await quote_redemption(UnitOfWork(engine), cid, cart, order)
            await redeem_points(
                UnitOfWork(engine), cid, "default", order, points, cart, f"pay-{cid}", ACTOR
            )
    except DomainError as error:
        # Then a refusal is the policy's (spendable points, minimum balance) or the quote's
        [problem] = error.problems
        event(f"refused: {problem.code.value}")
        refused = policy.refusal(policy.Funds(balance, held), policy.Change.spend(points, minimum))
        if refused is not None:
            assert problem == refused
            assert explains(problem, balance, held)
        else:
            assert problem.code is ErrorCode.ABOVE_QUOTE
            assert points > quote.max_points
        return
    event("paid")
    # Then a payment that went through was within the quote
    assert quote.reasons == () and points <= quote.max_points


GUARD = text(
    "SELECT "
    + policy.account_guard_sql(
        balance="CAST(:balance AS bigint)",
        held="CAST(:held AS bigint)",
        points="CAST(:points AS bigint)",
        reserve="CAST(:reserve AS bigint)",
        release="CAST(:release AS bigint)",
        min_spendable="CAST(:min_spendable AS bigint)",
    )
)
points_or_zero = st.integers(-2_000, 2_000) | st.just(0)


@settings(max_examples=200, deadline=None)
@given(
    balance=st.integers(0, 2_000),
    held=st.integers(0, 2_000),
    points=points_or_zero,
    reserve=st.integers(0, 2_000) | st.just(0),
    release=st.integers(0, 2_000) | st.just(0),
    min_spendable=st.integers(0, 2_000) | st.just(0),
)
async def test_the_sql_guard_allows_exactly_what_the_policy_allows(
    engine: AsyncEngine,
    balance: int,
    held: int,
    points: int,
    reserve: int,
    release: int,
    min_spendable: int,
) -> None:
    change = policy.Change(points, reserve, release, min_spendable)
    values = {"balance": balance, "held": held, "points": points, "reserve": reserve,
              "release": release, "min_spendable": min_spendable}  # fmt: skip
    async with engine.connect() as conn:
        allowed_by_sql = (await conn.execute(GUARD, values)).scalar_one()
    # The ceiling is the table's CHECK, not part of the guard
    refused = policy.refusal(policy.Funds(balance, held), change)
    assert allowed_by_sql == (refused is None or refused.code is ErrorCode.BALANCE_LIMIT_EXCEEDED)
