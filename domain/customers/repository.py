"""Reading customers and categories."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from domain.cards.sql import holders_matching, holders_of
from domain.customers.models import Customer, PointCategory
from domain.customers.tables import customers, point_categories
from domain.ledger.sql import accounts
from domain.pagination import Page
from domain.uow import UnitOfWork

# Columns of a customer row that only a keyed registration reads (its replay).
_KEY_COLUMNS = frozenset({"idempotency_key", "request_digest"})


def _customer(row: Any) -> Customer:
    return Customer(**{k: v for k, v in row._asdict().items() if k not in _KEY_COLUMNS})


# A customer's columns, named as Customer's fields (id first).
_CUSTOMER_FIELDS = tuple(f.name for f in fields(Customer))
_CUSTOMER_ROWS = select(*(customers.c[name] for name in _CUSTOMER_FIELDS))


def _category(row: Any) -> PointCategory:
    return PointCategory(**row._asdict())


async def customers_by_id(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Customer]:
    """The customers among `ids`, by id (ids of nobody left out), in one query. The ids go
    as one array parameter, not a parameter each: any number of them (a funnel's dry run
    asks for tens of thousands at once; PostgreSQL takes at most 65,535 parameters a
    statement), and one prepared statement for every count."""
    wanted = bindparam("customer_ids", list(ids), type_=ARRAY(BigInteger))
    rows = await uow.execute(_CUSTOMER_ROWS.where(customers.c.id == any_(wanted)))
    # Built from each row's values, which come in Customer's fields' order: tens of
    # thousands of rows, and a row's own dict (_asdict) costs more than the customer.
    return {row[0]: Customer(*tuple(row)) for row in rows}


async def get_customer(uow: UnitOfWork, customer_id: int) -> Customer | None:
    return (await customers_by_id(uow, [customer_id])).get(customer_id)


async def customer_exists(uow: UnitOfWork, customer_id: int) -> bool:
    """Whether a customer with this id exists."""
    query = select(customers.c.id).where(customers.c.id == customer_id)
    return (await uow.execute(query)).scalar_one_or_none() is not None


async def lock_customer(uow: UnitOfWork, customer_id: int) -> None:
    """Lock the customer's row until the transaction ends (nothing when there is no such
    customer), so that writes deciding from what the customer has (its first card is its
    primary card) run one after another for one customer. FOR NO KEY UPDATE: another change
    of the customer or an erasure waits, a row that only refers to the customer (a purchase,
    a ledger entry) does not."""
    query = (
        select(customers.c.id).where(customers.c.id == customer_id).with_for_update(key_share=True)
    )
    await uow.execute(query)


async def customer_by(
    uow: UnitOfWork, *, card_code: str | None = None, external_ref: str | None = None
) -> Customer | None:
    """The customer holding an ACTIVE card with this code, or known by this reference."""
    condition = (
        customers.c.id.in_(holders_of(card_code))
        if card_code is not None
        else customers.c.external_ref == external_ref
    )
    row = (await uow.execute(select(customers).where(condition))).one_or_none()
    return _customer(row) if row else None


async def customer_by_email(uow: UnitOfWork, email: str) -> Customer | None:
    """The lowest-id customer whose email is `email`, case-insensitively (the lower(email)
    index)."""
    query = (
        select(customers)
        .where(func.lower(customers.c.email) == email.lower())
        .order_by(customers.c.id)
        .limit(1)
    )
    row = (await uow.execute(query)).one_or_none()
    return _customer(row) if row else None


async def customer_by_key(uow: UnitOfWork, key: str) -> tuple[Customer, str | None] | None:
    """The customer registered under an idempotency key, and its request's digest."""
    query = select(customers).where(customers.c.idempotency_key == key)
    row = (await uow.execute(query)).one_or_none()
    return (_customer(row), row.request_digest) if row else None


# A search that looks like (part of) a phone number, in any format.
_PHONE_SEARCH = re.compile(r"^[+0-9 ().-]+$")


def _phone_digits(search: str) -> str | None:
    """The digits a phone-like search matches in the stored E.164 form: `340 123 4567`,
    `+39 340...` and `0039 340...` all find +393401234567; leading zeros (a trunk or
    international prefix) dropped, so that `06 12 34 56 78` finds +33612345678."""
    if not _PHONE_SEARCH.match(search):
        return None
    digits = re.sub(r"\D", "", search).lstrip("0")
    return digits if len(digits) >= 3 else None


# The ledger's balance rows, joined to customers by the queries below (one object, so that
# the conditions on balances and the joins name the same subquery).
_accounts = accounts()


def filter_conditions(
    *,
    category_id: int | None,
    min_balance: int | None,
    max_balance: int | None,
    search: str | None,
    ids: Sequence[int] = (),
    category_ids: Sequence[int] = (),
    registered_after: datetime | None = None,
    registered_before: datetime | None = None,
) -> list[ColumnElement[bool]]:
    """SQL conditions for a customer filter, for `filtered_ids` and `list_customers` (which
    join the balances): every given criterion must match; `category_ids` any of them;
    balances inclusive; registered after (inclusive) / before (exclusive)."""
    conditions: list[ColumnElement[bool]] = []
    if ids:
        conditions.append(customers.c.id.in_(list(ids)))
    if category_id is not None:
        conditions.append(customers.c.category_id == category_id)
    if category_ids:
        conditions.append(customers.c.category_id.in_(list(category_ids)))
    if registered_after is not None:
        conditions.append(customers.c.created_at >= registered_after)
    if registered_before is not None:
        conditions.append(customers.c.created_at < registered_before)
    if min_balance is not None:
        conditions.append(_accounts.c.balance >= min_balance)
    if max_balance is not None:
        conditions.append(_accounts.c.balance <= max_balance)
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        full_name = func.concat_ws(" ", customers.c.first_name, customers.c.last_name)
        matches = [
            full_name.ilike(pattern),
            customers.c.email.ilike(pattern),
            customers.c.phone.ilike(pattern),
            customers.c.id.in_(holders_matching(pattern)),
            customers.c.external_ref.ilike(pattern),
        ]
        digits = _phone_digits(search)
        if digits is not None:
            matches.append(customers.c.phone.like(f"%{digits}%"))
        conditions.append(or_(*matches))
    return conditions


def among(ids: Select[Any]) -> ColumnElement[bool]:
    """A condition for `filter_conditions`' list: the customer is one of those the query
    `ids` selects (a saved segment's members)."""
    return customers.c.id.in_(ids)


def not_erased() -> ColumnElement[bool]:
    """A condition for `filter_conditions`' list: the customer was not erased (a job that
    gives points or writes to customers leaves erased ones out)."""
    return customers.c.erased_at.is_(None)


def filtered_ids(conditions: list[ColumnElement[bool]]) -> Select[Any]:
    """A query of the ids of the customers matching `filter_conditions`."""
    return (
        select(customers.c.id)
        .join(_accounts, _accounts.c.customer_id == customers.c.id)
        .where(and_(True, *conditions))
    )


async def count_customers(uow: UnitOfWork, conditions: list[ColumnElement[bool]]) -> int:
    """How many customers match `filter_conditions` (every customer when there are none),
    counted in the database."""
    query = select(func.count()).select_from(filtered_ids(conditions).subquery())
    return int((await uow.execute(query)).scalar_one())


async def list_customers(
    uow: UnitOfWork, conditions: list[ColumnElement[bool]], limit: int, after_id: int | None
) -> Page[Customer]:
    """Customers matching the conditions in id order, `limit` at a time after `after_id`."""
    query = (
        select(customers)
        .join(_accounts, _accounts.c.customer_id == customers.c.id)
        .where(and_(True, *conditions))
    )
    if after_id is not None:
        query = query.where(customers.c.id > after_id)
    rows = await uow.execute(query.order_by(customers.c.id).limit(limit + 1))
    return Page.from_rows([_customer(r) for r in rows], limit)


async def categories(uow: UnitOfWork) -> list[PointCategory]:
    rows = await uow.execute(
        select(
            point_categories.c.id,
            point_categories.c.name,
            point_categories.c.earn_multiplier,
            point_categories.c.is_default,
        ).order_by(point_categories.c.earn_multiplier, point_categories.c.id)
    )
    return [_category(r) for r in rows]


async def categories_by_id(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, PointCategory]:
    return {c.id: c for c in await categories(uow) if c.id in set(ids)}


async def default_category_id(uow: UnitOfWork) -> int:
    query = select(point_categories.c.id).where(point_categories.c.is_default)
    return int((await uow.execute(query)).scalar_one())


async def customers_among(
    uow: UnitOfWork, ids: Select[Any], limit: int, after_id: int | None = None
) -> Page[Customer]:
    """The customers whose ids the query `ids` selects (a segment's), in id order, `limit`
    at a time after `after_id`: one statement."""
    query = select(customers).where(customers.c.id.in_(ids))
    if after_id is not None:
        query = query.where(customers.c.id > after_id)
    rows = await uow.execute(query.order_by(customers.c.id).limit(limit + 1))
    return Page.from_rows([_customer(r) for r in rows], limit)
