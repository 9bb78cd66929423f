"""Reading accounts and entries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from domain.ledger.kinds import EntryKind
from domain.ledger.models import Account, HistoryFilter, LedgerEntry
from domain.ledger.tables import ledger_entries, point_accounts, point_lots
from domain.pagination import Page, pages_per_owner
from domain.uow import UnitOfWork

_reversal = aliased(ledger_entries)


def entries_select() -> Select[Any]:
    return select(
        ledger_entries.c.id,
        ledger_entries.c.customer_id,
        ledger_entries.c.points,
        ledger_entries.c.balance_after,
        ledger_entries.c.kind,
        ledger_entries.c.note,
        ledger_entries.c.source_type,
        ledger_entries.c.source_ref,
        ledger_entries.c.actor,
        ledger_entries.c.idempotency_key,
        ledger_entries.c.reverses_entry_id,
        _reversal.c.id.label("reversed_by_entry_id"),
        ledger_entries.c.created_at,
    ).outerjoin(_reversal, _reversal.c.reverses_entry_id == ledger_entries.c.id)


def entry_of(row: Any) -> LedgerEntry:
    values = row._asdict()
    values["kind"] = EntryKind(values["kind"])
    return LedgerEntry(**values)


def _accounts() -> Select[Any]:
    """Account's fields, in its order: tens of thousands of accounts are made from their
    rows' values (a row's own dict costs more than the account)."""
    c = point_accounts.c
    return select(
        c.customer_id, c.balance, c.lifetime_earned, c.lifetime_spent, c.held, c.lifetime_expired
    )


async def accounts_by_customer(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, Account]:
    """Balance rows for many customers in one query (dataloaders use it; a funnel's dry
    run reads tens of thousands at once: the ids go as one array parameter, whatever their
    number)."""
    wanted = bindparam("customer_ids", list(customer_ids), type_=ARRAY(BigInteger))
    rows = await uow.execute(_accounts().where(point_accounts.c.customer_id == any_(wanted)))
    return {row[0]: Account(*tuple(row)) for row in rows}


async def get_account(uow: UnitOfWork, customer_id: int) -> Account | None:
    return (await accounts_by_customer(uow, [customer_id])).get(customer_id)


async def lock_account(uow: UnitOfWork, customer_id: int) -> Account | None:
    """The balance row, locked until the transaction ends. Ledger writes lock it first, so a
    transaction that also locks other rows takes this one before them (no deadlock)."""
    query = _accounts().where(point_accounts.c.customer_id == customer_id).with_for_update()
    row = (await uow.execute(query)).one_or_none()
    return Account(**row._asdict()) if row else None


async def get_entry(uow: UnitOfWork, entry_id: int) -> LedgerEntry | None:
    row = (await uow.execute(entries_select().where(ledger_entries.c.id == entry_id))).one_or_none()
    return entry_of(row) if row else None


async def entries_by_id(uow: UnitOfWork, entry_ids: Sequence[int]) -> dict[int, LedgerEntry]:
    """Many entries in one query (who made each, its note and source), by id; ids of no
    entry are left out."""
    query = entries_select().where(ledger_entries.c.id.in_(list(entry_ids)))
    return {row.id: entry_of(row) for row in await uow.execute(query)}


async def entry_by_idempotency_key(uow: UnitOfWork, key: str) -> LedgerEntry | None:
    query = entries_select().where(ledger_entries.c.idempotency_key == key)
    row = (await uow.execute(query)).one_or_none()
    return entry_of(row) if row else None


async def entries_by_idempotency_keys(
    uow: UnitOfWork, keys: Sequence[str]
) -> dict[str, LedgerEntry]:
    """The entries written under any of these keys, by key (one query)."""
    query = entries_select().where(ledger_entries.c.idempotency_key.in_(list(keys)))
    found = (entry_of(row) for row in (await uow.execute(query)).all())
    return {entry.idempotency_key: entry for entry in found if entry.idempotency_key}


async def histories(
    uow: UnitOfWork,
    customer_ids: Sequence[int],
    filter: HistoryFilter,
    limit: int,
    after_id: int | None = None,
) -> dict[int, Page[LedgerEntry]]:
    """Several customers' movements, newest first, `limit` each after the entry `after_id`,
    in one query."""
    c = ledger_entries.c
    found = await pages_per_owner(
        uow,
        customer_ids,
        entries_select().where(*_conditions(filter)),
        c.customer_id,
        c.id,
        limit,
        after_id,
    )
    return {cid: Page.from_rows([entry_of(r) for r in rows], limit) for cid, rows in found.items()}


def _conditions(filter: HistoryFilter) -> list[ColumnElement[bool]]:
    c = ledger_entries.c
    conditions: list[ColumnElement[bool]] = []
    if filter.since is not None:
        conditions.append(c.created_at >= filter.since)
    if filter.until is not None:
        conditions.append(c.created_at <= filter.until)
    if filter.kinds:
        conditions.append(c.kind.in_([k.value for k in filter.kinds]))
    if filter.min_points is not None:
        conditions.append(c.points >= filter.min_points)
    if filter.max_points is not None:
        conditions.append(c.points <= filter.max_points)
    return conditions


async def lot_opened_by(uow: UnitOfWork, entry_id: int) -> int | None:
    """The lot a credit entry opened, if it opened one."""
    query = select(point_lots.c.id).where(point_lots.c.entry_id == entry_id)
    return (await uow.execute(query)).scalar_one_or_none()


async def lot_opened_by_key(uow: UnitOfWork, idempotency_key: str) -> int | None:
    """The lot the credit written under this idempotency key opened, if any."""
    query = (
        select(point_lots.c.id)
        .join(ledger_entries, ledger_entries.c.id == point_lots.c.entry_id)
        .where(ledger_entries.c.idempotency_key == idempotency_key)
    )
    return (await uow.execute(query)).scalar_one_or_none()
