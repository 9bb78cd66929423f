"""Given a campaign whose first step is a random split, when it is dry-run and then run by
the engine on the same data, then both apply the engine's rule (split_bucket, the paths in
their percentages) but on different keys: the dry run, which has no enrollments, on the
customers' ids, the engine on the enrollments' ids. So the totals agree and each side's
counts per path are exactly its keys' buckets, while the counts per path agree only in
expectation (docs/funnels-simulation.md, randomSplit)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from funnels.engine.running import one_pass
from funnels.engine.steps.flow import split_bucket
from funnels.engine.versions import VersionCache
from tessera.funnel_engine import audience
from tessera.funnel_filters import CHECK_FILTER
from tests.funnels.engine.support import RUNTIME, Clock, active_funnel, customers
from tests.funnels.simulation.support import by_step, paths, simulate

SPLIT = {
    "name": "Split test",
    "entry": {"trigger": {"campaign": {}}},
    "start": "split",
    "steps": [
        {"id": "split", "type": "randomSplit", "paths": [
            {"percent": 50, "next": "a"}, {"percent": 50, "next": "b", "holdout": True}]},
        {"id": "a", "type": "goal", "name": "buy", "withinDays": 7},
        {"id": "b", "type": "goal", "name": "buy", "withinDays": 7},
    ],
}  # fmt: skip


def by_bucket(keys: list[int]) -> dict[str, int]:
    """The counts per path the 50/50 split gives these keys."""
    counts = Counter(f"SPLIT{0 if split_bucket(k, 'split') < 50 else 1}" for k in keys)
    return dict(counts)


async def test_the_dry_run_splits_customers_and_the_engine_enrollments_by_one_rule(
    clean_db: AsyncEngine,
) -> None:
    funnel = await active_funnel(clean_db, SPLIT, "split")
    ids = await customers(clean_db, 20)
    clock = Clock()

    predicted = paths(by_step(await simulate(clean_db, funnel_id=funnel, as_of=clock()))["split"])
    await one_pass(clean_db, VersionCache(CHECK_FILTER), RUNTIME, audience, lambda ids: None,
                   clock)  # fmt: skip

    async with clean_db.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT e.id, 'SPLIT' || (r.detail->>'path') AS path FROM funnel_step_runs r "
            "JOIN funnel_enrollments e ON e.id = r.enrollment_id WHERE r.step_id = 'split'"
        ))).all()  # fmt: skip
    done = dict(Counter(r.path for r in rows))
    assert sum(predicted.values()) == sum(done.values()) == 20
    assert predicted == by_bucket(ids)
    assert done == by_bucket([r.id for r in rows])
