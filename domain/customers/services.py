"""Creating and changing customers and categories; each call is one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    Text,
    func,
    insert,
    literal,
    not_,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError

from domain.actions.services import credit_registration
from domain.customers import repository as repo
from domain.customers.models import CUSTOMER_FIELDS, Customer, CustomerFilter, PointCategory
from domain.customers.tables import customers, point_categories
from domain.customers.validation import clean_customer_fields, filter_criteria, parse_multiplier
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.events.payloads import payload_clause
from domain.events.sql import append_events
from domain.events.types import CategoryChanged, CustomerRegistered, CustomerUpdated
from domain.idempotency import Created, request_digest, require_same, run_once
from domain.ledger.accounts import open_account
from domain.limits import MAX_BULK_CUSTOMERS
from domain.pagination import Page
from domain.uow import UnitOfWork, violated_constraint
from domain.validation import parse_id, required_text

CUSTOMER_KEY_CONSTRAINT = "uq_customers_idempotency_key"
CATEGORY_KEY_CONSTRAINT = "uq_point_categories_idempotency_key"
_UNIQUE_FIELDS = {
    "uq_customers_card_code": ("cardCode", "Another customer has this card code."),
    "uq_customers_external_ref": ("externalRef", "Another customer has this external reference."),
    "uq_point_categories_name": ("name", "A category with this name exists."),
}


def _duplicate(error: IntegrityError) -> DomainError:
    name = violated_constraint(error)
    if name not in _UNIQUE_FIELDS:
        raise error
    field, message = _UNIQUE_FIELDS[name]
    return DomainError.one(field, ErrorCode.DUPLICATE, message)


@dataclass(frozen=True)
class CustomerRequest:
    """What a keyed registration asked for: its digest is kept beside the key."""

    fields: dict[str, Any]
    category_id: int | None


async def create_customer(
    uow: UnitOfWork, values: dict[str, Any], category_id: str | None, actor: str = "system"
) -> Customer:
    """Register a customer in the given (or the default) category, with the REGISTRATION
    points when that action is configured and active (an ACTION entry in the same
    transaction), else a zero balance.

    Without an idempotency key: for callers in this process, which never retry a call (the
    demo's seeding, benches, tests); requests from outside go through create_customer_once."""
    request = _check_customer(Problems(), values, category_id)
    async with uow:
        customer = await _register(uow, request, actor, None, None)
        await uow.commit()
    return customer


async def create_customer_once(
    uow: UnitOfWork,
    values: dict[str, Any],
    category_id: str | None,
    idempotency_key: str,
    actor: str = "system",
) -> Created[Customer]:
    """create_customer under an idempotency key: the same key replayed (also concurrently)
    returns the first customer as it is now (replayed) and writes nothing, registration
    points included; with other fields it is an IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    key = required_text(problems, "idempotencyKey", idempotency_key)
    request = _check_customer(problems, values, category_id)
    digest = request_digest(request)

    async def attempt() -> Created[Customer]:
        replayed = await _replay_customer(uow, key, digest)
        if replayed is not None:
            return replayed
        return Created(await _register(uow, request, actor, key, digest))

    return await run_once(
        uow, attempt, lambda: _replay_customer(uow, key, digest), {CUSTOMER_KEY_CONSTRAINT}
    )


def _check_customer(
    problems: Problems, values: dict[str, Any], category_id: str | None
) -> CustomerRequest:
    """The cleaned fields and category id; raises every problem at once."""
    clean = clean_customer_fields(
        problems, {k: v for k, v in values.items() if k in CUSTOMER_FIELDS}
    )
    cat = parse_id(problems, "categoryId", category_id) if category_id is not None else None
    problems.raise_if_any()
    return CustomerRequest(clean, cat)


async def _register(
    uow: UnitOfWork, request: CustomerRequest, actor: str, key: str | None, digest: str | None
) -> Customer:
    """Write the customer, its account, its CustomerRegistered event and registration
    points in the open unit of work."""
    cat = request.category_id
    if cat is None:
        cat = await repo.default_category_id(uow)
    elif cat not in await repo.categories_by_id(uow, [cat]):
        raise DomainError.one("categoryId", ErrorCode.NOT_FOUND, "No such category.")
    values = {
        **request.fields,
        "category_id": cat,
        "idempotency_key": key,
        "request_digest": digest,
    }
    try:
        new_id = (
            await uow.execute(insert(customers).values(**values).returning(customers.c.id))
        ).scalar_one()
    except IntegrityError as error:
        raise _duplicate(error) from error
    await open_account(uow, new_id)
    uow.record(
        CustomerRegistered(
            customer_id=new_id, external_ref=request.fields.get("external_ref"), category_id=cat
        )
    )
    await credit_registration(uow, new_id, actor)
    customer = await repo.get_customer(uow, new_id)
    assert customer is not None
    return customer


async def _replay_customer(uow: UnitOfWork, key: str, digest: str) -> Created[Customer] | None:
    """The customer first registered under `key` (as it is now), if any."""
    found = await repo.customer_by_key(uow, key)
    if found is None:
        return None
    customer, first_digest = found
    require_same(first_digest, digest, "customer")
    return Created(customer, replayed=True)


async def update_customer(uow: UnitOfWork, customer_id: str, values: dict[str, Any]) -> Customer:
    """Change the given fields of a customer; fields not given stay as they are."""
    problems = Problems()
    cid = parse_id(problems, "id", customer_id)
    clean = clean_customer_fields(
        problems, {k: v for k, v in values.items() if k in CUSTOMER_FIELDS}
    )
    problems.raise_if_any()
    async with uow:
        try:
            result = await uow.execute(
                update(customers)
                .where(customers.c.id == cid)
                .values(**clean, updated_at=func.now())
                .returning(customers.c.id)
            )
        except IntegrityError as error:
            raise _duplicate(error) from error
        if result.scalar_one_or_none() is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such customer.")
        if clean:
            uow.record(CustomerUpdated(customer_id=cid, fields=sorted(clean)))
        customer = await repo.get_customer(uow, cid)
        await uow.commit()
    assert customer is not None
    return customer


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
    leave it alone until it is released (domain.tiers.overrides)."""
    problems = Problems()
    cat = parse_id(problems, "categoryId", category_id)
    selection = check_selection(problems, customer_ids, filter)
    problems.raise_if_any()
    async with uow:
        if cat not in await repo.categories_by_id(uow, [cat]):
            raise DomainError.one("categoryId", ErrorCode.NOT_FOUND, "No such category.")
        change = await _move(uow, await selected_customers(uow, selection), cat, actor)
        await uow.commit()
    return change


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


async def selected_customers(uow: UnitOfWork, selection: Selection) -> Select[Any]:
    """A query of the selected customers' ids; an unknown id is NOT_FOUND on its field."""
    if selection.criteria is not None:
        return repo.filtered_ids(repo.filter_conditions(**selection.criteria))
    found = set((await repo.customers_by_id(uow, selection.ids)).keys())
    missing = [i for i, cid in enumerate(selection.ids) if cid not in found]
    if missing:
        raise DomainError(
            Problem(f"customerIds.{i}", ErrorCode.NOT_FOUND, "No such customer.") for i in missing
        )
    return select(customers.c.id).where(customers.c.id.in_(selection.ids))


async def release_manual_categories(uow: UnitOfWork, selected: Select[Any]) -> list[int]:
    """Hand the selected customers whose category was set by hand back to the tier rules
    (their category stays until the rules place them); their ids."""
    released = await uow.execute(
        update(customers)
        .where(customers.c.id.in_(selected.scalar_subquery()))
        .where(customers.c.category_manual)
        .values(category_manual=False, updated_at=func.now())
        .returning(customers.c.id)
    )
    return list(released.scalars())


@dataclass(frozen=True)
class CategoryChange:
    count: int  # customers whose category changed
    first_ids: list[int]  # the first 100 of them, by id


async def _move(
    uow: UnitOfWork, selected: Select[Any], category_id: int, actor: str
) -> CategoryChange:
    """One statement: set the category (marked manual) of the selected customers, write a
    CategoryChanged event per customer whose category changed, and return their count and
    first ids (a filter may select a million customers)."""
    old = customers.alias("old")
    updated = (
        update(customers)
        .where(
            customers.c.id.in_(selected.scalar_subquery()),
            or_(customers.c.category_id != category_id, not_(customers.c.category_manual)),
            old.c.id == customers.c.id,
        )
        .values(category_id=category_id, category_manual=True, updated_at=func.now())
        .returning(customers.c.id, old.c.category_id.label("previous"))
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


async def find_customers(
    uow: UnitOfWork, filter: CustomerFilter, limit: int, after_id: int | None
) -> Page[Customer]:
    """A page of customers matching the filter, in registration order."""
    problems = Problems()
    criteria = filter_criteria(problems, filter, "filter")
    problems.raise_if_any()
    async with uow:
        return await repo.list_customers(uow, repo.filter_conditions(**criteria), limit, after_id)


@dataclass(frozen=True)
class CategoryRequest:
    """What a category create asked for, checked: its digest is kept beside the key."""

    name: str
    earn_multiplier: Decimal
    is_default: bool


async def create_category(
    uow: UnitOfWork, name: str | None, earn_multiplier: Decimal | str, is_default: bool
) -> PointCategory:
    """Add a category; making it the default takes the default from the previous one.

    Without an idempotency key: for callers in this process, which never retry a call;
    requests from outside go through create_category_once."""
    request = _check_category(Problems(), name, earn_multiplier, is_default)
    async with uow:
        category = await _insert_category(uow, request, None, None)
        await uow.commit()
    return category


async def create_category_once(
    uow: UnitOfWork,
    name: str | None,
    earn_multiplier: Decimal | str,
    is_default: bool,
    idempotency_key: str,
) -> Created[PointCategory]:
    """create_category under an idempotency key: the same key replayed (also concurrently)
    returns the first category as it is now (replayed) and writes nothing; with other
    settings it is an IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    key = required_text(problems, "idempotencyKey", idempotency_key)
    request = _check_category(problems, name, earn_multiplier, is_default)
    digest = request_digest(request)

    async def attempt() -> Created[PointCategory]:
        replayed = await _replay_category(uow, key, digest)
        if replayed is not None:
            return replayed
        return Created(await _insert_category(uow, request, key, digest))

    return await run_once(
        uow, attempt, lambda: _replay_category(uow, key, digest), {CATEGORY_KEY_CONSTRAINT}
    )


def _check_category(
    problems: Problems, name: str | None, earn_multiplier: Decimal | str, is_default: bool
) -> CategoryRequest:
    clean_name = required_text(problems, "name", name, 100)
    multiplier = parse_multiplier(problems, "earnMultiplier", earn_multiplier)
    problems.raise_if_any()
    return CategoryRequest(clean_name, multiplier, is_default)


async def _insert_category(
    uow: UnitOfWork, request: CategoryRequest, key: str | None, digest: str | None
) -> PointCategory:
    await _lock_categories(uow)
    if request.is_default:
        await _clear_default(uow)
    try:
        new_id = (
            await uow.execute(
                insert(point_categories)
                .values(
                    name=request.name,
                    earn_multiplier=request.earn_multiplier,
                    is_default=request.is_default,
                    idempotency_key=key,
                    request_digest=digest,
                )
                .returning(point_categories.c.id)
            )
        ).scalar_one()
    except IntegrityError as error:
        raise _duplicate(error) from error
    return (await repo.categories_by_id(uow, [new_id]))[new_id]


async def _lock_categories(uow: UnitOfWork) -> None:
    """Category creates one at a time: two new defaults at once would otherwise both clear
    the old one and collide on the one-default index (an internal error). Plain reads
    (earning, lookups) and customer writes are not blocked."""
    await uow.execute(text("LOCK TABLE point_categories IN SHARE ROW EXCLUSIVE MODE"))


async def _replay_category(uow: UnitOfWork, key: str, digest: str) -> Created[PointCategory] | None:
    """The category first created under `key` (as it is now), if any."""
    query = select(point_categories.c.id, point_categories.c.request_digest).where(
        point_categories.c.idempotency_key == key
    )
    row = (await uow.execute(query)).one_or_none()
    if row is None:
        return None
    require_same(row.request_digest, digest, "category")
    return Created((await repo.categories_by_id(uow, [row.id]))[row.id], replayed=True)


async def update_category(
    uow: UnitOfWork,
    category_id: str,
    name: str | None,
    earn_multiplier: Decimal | str | None,
    is_default: bool | None,
) -> PointCategory:
    """Rename a category, change its multiplier, or make it the default (one at a time)."""
    problems = Problems()
    cid = parse_id(problems, "id", category_id)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = required_text(problems, "name", name, 100)
    if earn_multiplier is not None:
        values["earn_multiplier"] = parse_multiplier(problems, "earnMultiplier", earn_multiplier)
    if is_default is False:
        problems.add("isDefault", ErrorCode.INVALID, "Make another category the default instead.")
    problems.raise_if_any()
    async with uow:
        if cid not in await repo.categories_by_id(uow, [cid]):
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such category.")
        if is_default:
            await _clear_default(uow)
            values["is_default"] = True
        if values:
            try:
                await uow.execute(
                    update(point_categories).where(point_categories.c.id == cid).values(**values)
                )
            except IntegrityError as error:
                raise _duplicate(error) from error
        category = (await repo.categories_by_id(uow, [cid]))[cid]
        await uow.commit()
    return category


async def _clear_default(uow: UnitOfWork) -> None:
    await uow.execute(text("UPDATE point_categories SET is_default = false WHERE is_default"))
