"""setCategory and setAttribute: one statement for the batch, through the customers area.

setCategory moves the customers to the category (by name) by hand, as staff would (the
tier rules leave a category set by hand alone until it is released), with a
CategoryChanged event for each customer whose category changed; a category gone since the
funnel was activated fails the enrollments (CATEGORY_UNAVAILABLE). setAttribute sets one
custom attribute (null removes it); a customer whose attributes would outgrow their limit
keeps them and goes on, the run recording ATTRIBUTES_FULL. Both are idempotent by nature:
a step run again sets the same value."""

from __future__ import annotations

from domain.customers.placement import Selection, SetCategory
from domain.customers.repository import categories
from domain.customers.services import set_attribute_each
from domain.uow import UnitOfWork
from funnels.definitions.steps import SetAttribute
from funnels.definitions.steps import SetCategory as SetCategoryStep
from funnels.engine.models import Move, Outcome
from funnels.engine.steps.batch import StepBatch, fail, go_on

ACTOR = "funnel"
CATEGORY_UNAVAILABLE = "CATEGORY_UNAVAILABLE"


async def category_named(uow: UnitOfWork, name: str) -> int | None:
    """The id of the point category of that name (names are unique); None when it is gone
    since the funnel was activated (the step fails with CATEGORY_UNAVAILABLE). The engine
    and the dry run both ask here."""
    return {c.name: c.id for c in await categories(uow)}.get(name)


async def run_set_category(batch: StepBatch) -> list[Move]:
    step = batch.step
    assert isinstance(step, SetCategoryStep)
    found = await category_named(batch.uow, step.category)
    if found is None:
        return [fail(e, CATEGORY_UNAVAILABLE) for e in batch.enrollments]
    ids = sorted({e.customer_id for e in batch.enrollments})
    await SetCategory(found, Selection(ids, None), ACTOR, refuse_erased=False).handle(batch.uow)
    return [go_on(e, Outcome.DONE, step.next, batch.now, {"category": step.category})
            for e in batch.enrollments]  # fmt: skip


async def run_set_attribute(batch: StepBatch) -> list[Move]:
    step = batch.step
    assert isinstance(step, SetAttribute)
    ids = sorted({e.customer_id for e in batch.enrollments})
    changed = await set_attribute_each(batch.uow, ids, step.key, step.value)
    return [
        go_on(
            e,
            Outcome.DONE,
            step.next,
            batch.now,
            None if e.customer_id in changed else {"reason": "ATTRIBUTES_FULL"},
        )
        for e in batch.enrollments
    ]
