"""RFM scores: given customers' purchases at chosen times, when the job runs, then each
scored customer has the quintiles docs/reports.md defines, ties share a score, customers
out of the window have none, and runs (retried, batched, concurrent) agree."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.analytics.rfm import compute_rfm
from domain.analytics.scores import RfmScore, rfm_summary, scores_of, segment_name
from domain.errors import DomainError
from domain.uow import UnitOfWork, read
from tests.support.purchases_sql import add_purchase
from tests.support.reports import new_customer

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def five_customers(engine: AsyncEngine) -> list[int]:
    """c1..c5: c_k bought k times, most recently (6 - k) * 10 days ago, each order k00.00
    (c3's last one half refunded); c6 bought only 400 days ago; c7 never; c8 bought as c2
    did (a tie with c2 on every measure)."""
    ids = [await new_customer(engine, f"c{k}") for k in range(1, 9)]
    for k in range(1, 6):
        for n in range(k):
            refunded = 15_000 if (k == 3 and n == 0) else 0
            await add_purchase(
                engine, ids[k - 1], ago((6 - k) * 10 + n * 30), k * 10_000, refunded_minor=refunded
            )
    await add_purchase(engine, ids[5], ago(400), 99_999)
    for n in range(2):
        await add_purchase(engine, ids[7], ago(40 + n * 30), 20_000)
    # Not purchases made: a pending order and a cancelled one count for no one.
    await add_purchase(engine, ids[0], ago(1), 1_000_000, status="PENDING")
    await add_purchase(engine, ids[6], ago(1), 1_000_000, status="CANCELLED")
    return ids


async def test_scores_are_quintiles_of_the_window_with_ties_scored_alike(
    clean_db: AsyncEngine,
) -> None:
    ids = await five_customers(clean_db)

    done = await compute_rfm(UnitOfWork(clean_db), "t1", "test", NOW)

    assert done.customers == 6 and done.finished_at is not None and not done.superseded
    scores = await read(UnitOfWork(clean_db), lambda uow: scores_of(uow, ids))
    # Days since the last order: c1 50, c2 40, c8 40, c3 30, c4 20, c5 10; orders 1, 2, 2,
    # 3, 4, 5; spend 100, 400, 400, 900 - 150, 1600, 2500 (in 1.00). The cutoffs (20th to
    # 80th percentiles) are the 2nd, 3rd, 4th and 5th of the six values, so c2 and c8, tied
    # at the 2nd and 3rd, share c1's 1, c3 beats two cutoffs, c4 three and c5 four.
    got = {ids.index(c) + 1: (s.recency, s.frequency, s.monetary) for c, s in scores.items()}
    assert got == {
        1: (1, 1, 1),
        2: (1, 1, 1),
        8: (1, 1, 1),
        3: (3, 3, 3),
        4: (4, 4, 4),
        5: (5, 5, 5),
    }
    c3 = scores[ids[2]]
    assert (c3.purchases, c3.spend_minor) == (3, 3 * 30_000 - 15_000)
    assert c3.last_purchase_at == ago(30) and c3.computed_at == NOW
    assert ids[5] not in scores and ids[6] not in scores


async def test_a_second_run_drops_customers_who_left_the_window_and_a_key_computes_once(
    clean_db: AsyncEngine,
) -> None:
    ids = await five_customers(clean_db)
    first = await compute_rfm(UnitOfWork(clean_db), "day-1", "test", NOW)

    # Given a new order of c6 after the first run: a retry under the same key changes nothing
    await add_purchase(clean_db, ids[5], ago(0.5), 5_000)
    await add_purchase(clean_db, ids[5], ago(-100), 5_000)
    again = await compute_rfm(UnitOfWork(clean_db), "day-1", "test", NOW + timedelta(days=1))
    assert again == first
    assert ids[5] not in await read(UnitOfWork(clean_db), lambda uow: scores_of(uow, ids))

    # A year on, only the customers with an order in the new window are scored
    later = await compute_rfm(UnitOfWork(clean_db), "day-2", "test", ago(-400))
    scores = await read(UnitOfWork(clean_db), lambda uow: scores_of(uow, ids))
    assert set(scores) == {ids[5]} and later.customers == 1
    assert scores[ids[5]].computed_at == ago(-400)
    assert (scores[ids[5]].purchases, scores[ids[5]].last_purchase_at) == (1, ago(-100))


async def test_small_batches_give_the_same_scores_as_one(clean_db: AsyncEngine) -> None:
    ids = await five_customers(clean_db)
    await compute_rfm(UnitOfWork(clean_db), "one", "test", NOW)
    whole = await read(UnitOfWork(clean_db), lambda uow: scores_of(uow, ids))

    await compute_rfm(UnitOfWork(clean_db), "many", "test", NOW, batch_ids=2)
    batched = await read(UnitOfWork(clean_db), lambda uow: scores_of(uow, ids))

    def measures(s: dict[int, RfmScore]) -> dict[int, tuple[int, int, int]]:
        return {c: (x.recency, x.frequency, x.monetary) for c, x in s.items()}

    assert measures(batched) == measures(whole)


async def test_thirty_runs_at_once_leave_the_scores_of_one_run(clean_db: AsyncEngine) -> None:
    ids = await five_customers(clean_db)
    runs = await asyncio.gather(
        *(
            compute_rfm(UnitOfWork(clean_db), f"k{i % 10}", "test", NOW, batch_ids=3)
            for i in range(30)
        )
    )

    # Ten keys, ten runs; the newest finished, every score is its own, none superseded ran on
    async with clean_db.connect() as conn:
        run_ids = (await conn.execute(text("SELECT DISTINCT run_id FROM rfm_scores"))).all()
        newest = (await conn.execute(text("SELECT max(id) FROM rfm_runs"))).scalar_one()
        count = (await conn.execute(text("SELECT count(*) FROM rfm_runs"))).scalar_one()
    assert count == 10 and run_ids == [(newest,)]
    assert any(r.id == newest and r.finished_at is not None for r in runs)
    assert len(await read(UnitOfWork(clean_db), lambda uow: scores_of(uow, ids))) == 6


async def test_a_bad_key_is_a_user_error() -> None:
    try:
        await compute_rfm(UnitOfWork(None), " ", "test", NOW)  # type: ignore[arg-type]
    except DomainError as error:
        assert error.problems[0].field == "idempotencyKey"
    else:
        raise AssertionError("expected a DomainError")


def test_segment_names_follow_the_documented_rules() -> None:
    assert segment_name(5, 5, 5) == "Champions"
    assert segment_name(3, 4, 1) == "Loyal"
    assert segment_name(5, 1, 1) == "New"
    assert segment_name(4, 2, 2) == "Promising"
    assert segment_name(3, 3, 5) == "Big spenders"
    assert segment_name(1, 4, 2) == "At risk"
    assert segment_name(2, 1, 1) == "Hibernating"
    assert segment_name(3, 2, 3) == "Needs attention"


async def test_the_summary_counts_segments_and_scores(clean_db: AsyncEngine) -> None:
    empty = await rfm_summary(UnitOfWork(clean_db))
    assert (empty.computed_at, empty.customers) == (None, 0)
    assert [n for _, n in empty.segments] == [0] * 8
    await five_customers(clean_db)
    await compute_rfm(UnitOfWork(clean_db), "s", "test", NOW)

    summary = await rfm_summary(UnitOfWork(clean_db))

    # Scores as in the first test: three (1, 1, 1), then (3, 3, 3), (4, 4, 4), (5, 5, 5)
    assert (summary.computed_at, summary.customers) == (NOW, 6)
    assert dict(summary.segments) == {
        "Champions": 2,
        "Loyal": 0,
        "New": 0,
        "Promising": 0,
        "Big spenders": 0,
        "At risk": 0,
        "Hibernating": 3,
        "Needs attention": 1,
    }
    assert summary.recency == summary.frequency == summary.monetary == [3, 0, 1, 1, 1]
