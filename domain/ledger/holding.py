"""Held points: what checkouts' holds reserve of an account, changed under the ledger policy.

A hold's points stay in the balance but are no longer spendable. The holds themselves (their
orders, money, times and statuses) are checkout's; this module only moves an account's
`held`, guarded by the same rules as every posting (policy.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from domain.errors import DomainError, ErrorCode
from domain.ledger import policy
from domain.ledger.models import Account
from domain.uow import UnitOfWork

_ACCOUNT_COLUMNS = "balance, lifetime_earned, lifetime_spent, held, lifetime_expired"


def reserve_ctes() -> str:
    """CTEs `funds` and `reserved` that hold :points of customer :customer_id's spendable
    points when the policy allows it (with :min_spendable spendable points first), for a
    statement that also writes what the points are held for (checkout's hold): it writes
    it from `reserved`, and selects RESERVED_COLUMNS from RESERVED_FROM, which
    `reserved_account` reads.

    The account row is locked first (`funds`) and the guard tested on it as locked, so a
    refusal returns the balance and held points it was refused on; the new held points are
    computed from it too (see debiting._DEBIT_BALANCE: a row computed from a stale version
    would meet the table's CHECKs first)."""
    guard = policy.account_guard_sql(
        balance="funds.balance", held="funds.held", points="0", reserve=":points", release="0"
    )
    return f"""
    funds AS (SELECT balance, held FROM point_accounts
               WHERE customer_id = :customer_id FOR UPDATE),
    reserved AS (
        UPDATE point_accounts a SET held = funds.held + :points, updated_at = now()
          FROM funds
         WHERE a.customer_id = :customer_id AND {guard}
        RETURNING a.balance, a.lifetime_earned, a.lifetime_spent, a.held, a.lifetime_expired)
    """


RESERVED_COLUMNS = """
    funds.balance AS balance_before, funds.held AS held_before, reserved.balance,
    reserved.lifetime_earned, reserved.lifetime_spent, reserved.held, reserved.lifetime_expired
"""
RESERVED_FROM = "funds LEFT JOIN reserved ON true"

# Frees :points held for :customer_id (a hold released or expired); the account after.
UNRESERVE = text(f"""
    UPDATE point_accounts SET held = held - :points, updated_at = now()
     WHERE customer_id = :customer_id
    RETURNING {_ACCOUNT_COLUMNS}
""")


def reserved_account(customer_id: int, change: policy.Change, row: Any) -> Account:
    """The account after a reservation, from a row of RESERVED_COLUMNS (None: no account);
    a refusal is raised as the policy explains it (INSUFFICIENT_POINTS on `points`: beyond
    the spendable points, or below the minimum spendable points)."""
    if row is None:
        raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
    if row.balance is None:
        problem = policy.refusal(policy.Funds(row.balance_before, row.held_before), change)
        if problem is None:  # pragma: no cover - the guard and the policy are one definition
            raise RuntimeError("reservation refused though the policy allows it")
        raise DomainError([problem])
    return _account(customer_id, row)


async def unreserve(uow: UnitOfWork, customer_id: int, points: int) -> Account:
    """Free `points` held for the customer (a hold released or expired); the account after."""
    row = (await uow.execute(UNRESERVE, {"customer_id": customer_id, "points": points})).one()
    return _account(customer_id, row)


def release_held_ctes(per_customer: str) -> str:
    """CTEs `locked` and `freed`, for a set-based statement that ends many holds: they lock
    the accounts of the customers in the relation `per_customer` (customer_id, points) in
    customer order, so two such statements never deadlock, and free those held points."""
    return f"""
    locked AS (
        SELECT a.customer_id FROM point_accounts a JOIN {per_customer} p USING (customer_id)
         ORDER BY a.customer_id FOR UPDATE OF a),
    freed AS (
        UPDATE point_accounts a SET held = a.held - p.points, updated_at = now()
          FROM {per_customer} p JOIN locked l USING (customer_id)
         WHERE a.customer_id = p.customer_id)
    """


def _account(customer_id: int, row: Any) -> Account:
    return Account(
        customer_id,
        row.balance,
        row.lifetime_earned,
        row.lifetime_spent,
        row.held,
        row.lifetime_expired,
    )
