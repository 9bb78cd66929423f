"""Given customers with known balances, addresses, consents and vouchers left, when a funnel
is dry-run at asOf (no time travel), then each kind of step reports what the engine would
do: points added, removed (clipped to the spendable points) and set, with their liability;
branch and split counts; the exit filter and exit steps; voucher shortages; failures with
the engine's reasons; waits passed through; a loop followed once."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.funnels.definitions.support import seed_references
from tests.funnels.segments.people import execute
from tests.funnels.simulation.support import (
    balanced,
    by_step,
    campaign,
    paths,
    shopper,
    simulate,
)
from tests.support.loyalty import bare_customers


async def test_points_steps_carry_each_balance_and_clip_removals(clean_db: AsyncEngine) -> None:
    # Given one customer with 500 points (100 held), one with none, one near the ceiling
    await shopper(clean_db, balance=500, held=100)
    await shopper(clean_db)
    await shopper(clean_db, balance=999_999_950)
    definition = campaign("add", [
        {"id": "add", "type": "addPoints", "points": 100, "next": "take"},
        {"id": "take", "type": "removePoints", "points": 450, "next": "set"},
        {"id": "set", "type": "setPoints", "points": 300},
    ])  # fmt: skip

    simulation = await simulate(clean_db, definition=definition)

    steps = by_step(simulation)
    add, take, set_ = steps["add"], steps["take"], steps["set"]
    # Then the ceiling fails one credit; the others carry 600 and 100 points on
    assert add.points is not None and (add.points.added, add.failures) == (200, {"CEILING": 1})
    # the removal takes what is spendable: 450 of rich's 500, the poor one's 100 (350 not)
    assert take.points is not None
    assert (take.points.removed, take.points.not_removed) == (550, 350)
    # and setPoints brings 150 and 0 up to 300
    assert set_.points is not None and (set_.points.added, set_.points.removed) == (450, 0)
    # Liability at 100 points = 1.00: +200, -550, +450 points
    assert [s.points.liability_minor for s in (add, take, set_) if s.points] == [200, -550, 450]
    totals = simulation.totals
    assert (totals.points.added, totals.points.removed, totals.points.liability_minor) == (
        650, 550, 100)  # fmt: skip
    assert (set_.completed, totals.failed, simulation.currency) == (2, 1, "EUR")
    assert balanced(simulation)


async def test_a_branch_splits_on_todays_data_and_the_exit_filter_takes_out_at_entry(
    clean_db: AsyncEngine,
) -> None:
    for balance in (0, 100, 600, 900):
        await shopper(clean_db, balance=balance)
    await shopper(clean_db, balance=50, sms=True)  # matches the exit filter
    definition = campaign("rich", [
        {"id": "rich", "type": "branch", "filter": {"balance": {"gte": 500}}, "yes": "gift",
         "no": "bye"},
        {"id": "gift", "type": "addPoints", "points": 10},
        {"id": "bye", "type": "exit", "reason": "poor"},
    ])  # fmt: skip
    definition["exit"] = {"filter": {"consent": {"sms": True}}}

    simulation = await simulate(clean_db, definition=definition)

    steps = by_step(simulation)
    assert (simulation.entered, steps["rich"].reached, steps["rich"].exited) == (5, 5, 1)
    assert paths(steps["rich"]) == {"YES": 2, "NO": 2}
    assert (steps["gift"].completed, steps["bye"].exited) == (2, 2)
    assert (simulation.totals.exited, simulation.totals.completed) == (3, 2)
    assert balanced(simulation)


async def test_a_random_split_divides_by_its_percentages_with_the_holdout_flagged(
    clean_db: AsyncEngine,
) -> None:
    await bare_customers(clean_db, 2000)
    definition = campaign("split", [
        {"id": "split", "type": "randomSplit", "paths": [
            {"percent": 70, "next": "gift"}, {"percent": 30, "holdout": True}]},
        {"id": "gift", "type": "goal", "name": "buy", "withinDays": 7},
    ])  # fmt: skip

    simulation = await simulate(clean_db, definition=definition)

    split = by_step(simulation)["split"]
    treated, held = split.paths
    assert (treated.holdout, held.holdout, held.next_step) == (False, True, None)
    assert treated.count + held.count == 2000
    assert abs(treated.count - 1400) < 100
    assert by_step(simulation)["gift"].reached == treated.count
    assert split.completed == held.count


async def test_vouchers_run_out_and_an_expired_batch_fails_everyone(clean_db: AsyncEngine) -> None:
    batch = (await seed_references(clean_db))["batch"]  # five free codes
    for _ in range(4):
        await shopper(clean_db)
    two_steps = campaign("first", [
        {"id": "first", "type": "issueVoucher", "voucherBatch": batch, "next": "second"},
        {"id": "second", "type": "issueVoucher", "voucherBatch": batch},
    ])  # fmt: skip

    simulation = await simulate(clean_db, definition=two_steps)

    first, second = by_step(simulation)["first"].vouchers, by_step(simulation)["second"].vouchers
    # Then the second step gets what the first left: one code, three short
    assert first is not None and (first.would_issue, first.short) == (4, 0)
    assert second is not None and (second.would_issue, second.short) == (1, 3)
    assert by_step(simulation)["second"].failures == {"BATCH_EXHAUSTED": 3}

    await execute(clean_db, "UPDATE voucher_batches SET valid_until = '2026-01-01Z'")
    expired = await simulate(clean_db, definition=two_steps)
    assert by_step(expired)["first"].failures == {"BATCH_EXPIRED": 4}
    await execute(clean_db, "UPDATE voucher_batches SET valid_until = NULL")
    await execute(clean_db, "UPDATE vouchers SET disabled_at = now()")
    disabled = await simulate(clean_db, definition=two_steps)
    assert by_step(disabled)["first"].failures == {"BATCH_DISABLED": 4}


async def test_waits_pass_at_once_but_a_date_wait_fails_customers_without_the_date(
    clean_db: AsyncEngine,
) -> None:
    await shopper(clean_db, birth_date=date(1990, 5, 17))
    await shopper(clean_db)
    definition = campaign("day", [
        {"id": "day", "type": "wait", "duration": "P1D", "next": "birthday"},
        {"id": "birthday", "type": "wait", "untilDate": {"attribute": "birthDate"},
         "next": "reply"},
        {"id": "reply", "type": "wait", "untilEvent": "PURCHASE_RECORDED", "timeout": "P7D",
         "timeoutNext": "nudge", "next": "thanks"},
        {"id": "nudge", "type": "notifyStaff", "subject": "No reply", "message": "[first_name]"},
        {"id": "thanks", "type": "goal", "name": "bought", "withinDays": 1},
    ])  # fmt: skip

    simulation = await simulate(clean_db, definition=definition)

    steps = by_step(simulation)
    assert paths(steps["day"]) == {"NEXT": 2}
    assert (steps["birthday"].failures, paths(steps["birthday"])) == ({"NO_DATE": 1}, {"NEXT": 1})
    # Events are not simulated: the wait for one takes its timeout path
    assert paths(steps["reply"]) == {"NEXT": 0, "TIMEOUT": 1}
    assert (steps["nudge"].completed, steps["thanks"].reached) == (1, 0)
    assert {s.earliest_at for s in simulation.steps if s.reached} == {simulation.as_of}


async def test_a_loop_is_followed_once_without_time_travel(clean_db: AsyncEngine) -> None:
    for _ in range(3):
        await shopper(clean_db)
    definition = campaign("week", [
        {"id": "week", "type": "wait", "duration": "P7D", "next": "points"},
        {"id": "points", "type": "addPoints", "points": 5, "next": "week"},
    ])  # fmt: skip

    simulation = await simulate(clean_db, definition=definition)

    week, points = by_step(simulation)["week"], by_step(simulation)["points"]
    assert (week.reached, week.stopped, points.reached) == (6, {"LOOP": 3}, 3)
    assert points.points is not None and points.points.added == 15
    assert simulation.totals.stopped == 3 and balanced(simulation)
