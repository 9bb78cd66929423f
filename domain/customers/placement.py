"""Which category customers are in, by hand: moving a selection of customers to a category
(the category becomes manual), and handing manual categories back to the tier rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, Text, func, literal, not_, null, or_, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by

from domain.commands import Command, run
from domain.customers import repository as repo
from domain.customers.erased import customer_erased
from domain.customers.models import CustomerFilter
from domain.customers.tables import customers
from domain.customers.validation import filter_criteria
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.events.payloads import payload_clause
from domain.events.sql import append_events
from domain.events.types import CategoryChanged
from domain.limits import MAX_BULK_CUSTOMERS
from domain.uow import UnitOfWork
from domain.validation import parse_id


@dataclass(frozen=True)
class Selection:
    """Customers chosen by ids, or by a checked filter's criteria (one of the two)."""

    ids: list[int]
    criteria: dict[str, Any] | None


def check_selection(
    problems: Problems, customer_ids: list[str] | None, filter: CustomerFilter | None
) -> Selection:
    """Either customerIds (at most MAX_BULK_CUSTOMERS) or a filter, checked."""
    if (customer_ids is None) == (filter is None):
        problems.add("customerIds", ErrorCode.REQUIRED, "Give either customerIds or a filter.")
    ids = [parse_id(problems, f"customerIds.{i}", raw) for i, raw in enumerate(customer_ids or [])]
    if len(ids) > MAX_BULK_CUSTOMERS:
        problems.add(
            "customerIds",
            ErrorCode.OUT_OF_RANGE,
            f"At most {MAX_BULK_CUSTOMERS} customers at once; use a filter.",
        )
    criteria = filter_criteria(problems, filter, "filter") if filter is not None else None
    return Selection(ids, criteria)


async def selected_customers(
    uow: UnitOfWork, selection: Selection, refuse_erased: bool = True
) -> Select[Any]:
    """A query of the selected customers' ids, erased customers left out (nothing is
    written to them). An unknown id is NOT_FOUND on its field, and an erased customer's id
    CUSTOMER_ERASED unless `refuse_erased` is false (a funnel's step, whose batch goes on
    without them)."""
    if selection.criteria is not None:
        conditions = repo.filter_conditions(**selection.criteria)
        return repo.filtered_ids([*conditions, repo.not_erased()])
    found = await repo.customers_by_id(uow, selection.ids)
    problems = []
    for i, cid in enumerate(selection.ids):
        if cid not in found:
            problems.append(Problem(f"customerIds.{i}", ErrorCode.NOT_FOUND, "No such customer."))
        elif refuse_erased and found[cid].erased_at is not None:
            problems.append(customer_erased(f"customerIds.{i}").problems[0])
    if problems:
        raise DomainError(problems)
    return select(customers.c.id).where(customers.c.id.in_(selection.ids), repo.not_erased())


@dataclass(frozen=True)
class CategoryChange:
    count: int  # customers whose category changed
    first_ids: list[int]  # the first 100 of them, by id


async def set_category(
    uow: UnitOfWork,
    category_id: str,
    actor: str,
    customer_ids: list[str] | None = None,
    filter: CustomerFilter | None = None,
) -> CategoryChange:
    """Move the given customers (by ids, or all matching a filter) to a category by hand, in
    one transaction, with a CategoryChanged event (reason MANUAL) for each customer whose
    category changed. Every selected customer's category becomes manual: the tier rules
    leave it alone until it is released (domain.tiers.services.release_category_override)."""
    problems = Problems()
    cat = parse_id(problems, "categoryId", category_id)
    selection = check_selection(problems, customer_ids, filter)
    problems.raise_if_any()
    return await run(uow, SetCategory(cat, selection, actor))


@dataclass(frozen=True)
class SetCategory(Command[CategoryChange]):
    category_id: int
    selection: Selection
    actor: str
    refuse_erased: bool = True  # see selected_customers

    async def handle(self, uow: UnitOfWork) -> CategoryChange:
        if self.category_id not in await repo.categories_by_id(uow, [self.category_id]):
            raise DomainError.one("categoryId", ErrorCode.NOT_FOUND, "No such category.")
        selected = await selected_customers(uow, self.selection, self.refuse_erased)
        return await _move(uow, selected, self.category_id, self.actor)


async def _move(
    uow: UnitOfWork, selected: Select[Any], category_id: int, actor: str
) -> CategoryChange:
    """One statement: set the category (marked manual) of the selected customers, write a
    CategoryChanged event per customer whose category changed, and return their count and
    first ids (a filter may select a million customers).

    The selected rows are locked first, in id order (as the tier evaluation's moves lock
    theirs: domain.customers.sql.category_move_ctes), and FOR UPDATE hands each back as it
    is once locked: `previous` is the category this change really replaces, also when the
    evaluation moved the customer meanwhile (a second copy of the table read `previous`
    from before that move, so the event named a change that did not happen, or none was
    written for one that did)."""
    locked = (
        select(customers.c.id, customers.c.category_id.label("previous"))
        .where(customers.c.id.in_(selected.scalar_subquery()))
        .order_by(customers.c.id)
        .with_for_update()
        .cte("locked")
    )
    updated = (
        update(customers)
        .where(
            customers.c.id == locked.c.id,
            or_(customers.c.category_id != category_id, not_(customers.c.category_manual)),
            customers.c.erased_at.is_(None),  # erased since they were selected
        )
        .values(category_id=category_id, category_manual=True, updated_at=func.now())
        .returning(customers.c.id, locked.c.previous.label("previous"))
        .cte("updated")
    )
    changed = select(updated).where(updated.c.previous != category_id).cte("changed")
    events = append_events(
        select(
            literal(CategoryChanged.__name__, Text),
            changed.c.id,
            payload_clause(
                CategoryChanged,
                from_category_id=changed.c.previous,
                to_category_id=literal(category_id, BigInteger),
                actor=literal(actor, Text),
                reason=literal("MANUAL", Text),
                measure=null(),
                value=null(),
            ),
        )
    ).cte("events")
    summary = select(
        func.count(changed.c.id).label("count"),
        func.array_agg(aggregate_order_by(changed.c.id, changed.c.id)).label("ids"),
    ).add_cte(events)
    row = (await uow.execute(summary)).mappings().one()
    return CategoryChange(count=int(row["count"]), first_ids=list(row["ids"] or [])[:100])


async def release_manual_categories(uow: UnitOfWork, selected: Select[Any]) -> list[int]:
    """In the open unit of work: hand the selected customers whose category was set by hand
    back to the tier rules (their category stays until the rules place them); their ids."""
    released = await uow.execute(
        update(customers)
        .where(customers.c.id.in_(selected.scalar_subquery()))
        .where(customers.c.category_manual)
        .values(category_manual=False, updated_at=func.now())
        .returning(customers.c.id)
    )
    return list(released.scalars())
