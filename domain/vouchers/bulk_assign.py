"""Assigning a batch's codes to many customers at once, each under its own assignment key:
what a funnel's issue-voucher step calls for a batch of customers at the same step.

Two statements per call, whatever its size, in the caller's unit of work:

1. The voucher batch's row is locked (FOR NO KEY UPDATE: creating codes, which only needs
   the batch's key, is not blocked), so set-based assignments from one batch take turns.
   A caller that holds its keys' owners locked (a funnel's batch holds its enrollments,
   whose step runs the keys name) says so with `keys_held`: no other call can use those
   keys meanwhile, so calls on one batch need not take turns and the row is only shared
   (FOR SHARE: a change to the batch still waits for them). Without turns, a call that
   used a key another open call is using would fail on the key's unique index, whole.
2. In a new statement, whose snapshot is taken after the lock was granted (READ COMMITTED),
   every code assigned under a key by an earlier assignment is visible: an item whose key
   already has its code gets that code back (REPLAYED) and takes no other. The remaining
   items are paired, in order, with the batch's free codes (unassigned, enabled, unused,
   not expired), taken in id order FOR UPDATE SKIP LOCKED: a code a single assignment
   (assign_voucher) or a redemption is changing is passed over, and one whose change
   committed meanwhile is checked again as it is now, so no code is given twice. Each code
   given writes its VoucherAssigned event in the same statement, as assign_voucher records
   one.

A customer unknown, or a batch expired, disabled or out of free codes, is reported per item
(a typed Outcome), not refused for the whole call. Two calls on different batches using one
key at the same moment are not serialised by a batch's lock: the second meets the key's
unique index and its statement fails whole (IntegrityError, nothing written)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import text

from domain.customers.sql import CUSTOMERS
from domain.errors import DomainError, ErrorCode
from domain.events.payloads import event_type_sql, payload_sql
from domain.events.sql import APPEND_EVENTS
from domain.events.types import VoucherAssigned
from domain.uow import UnitOfWork


class AssignOutcome(StrEnum):
    ASSIGNED = "ASSIGNED"  # a code was assigned now
    REPLAYED = "REPLAYED"  # its key already had a code: that one again
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
    BATCH_EXPIRED = "BATCH_EXPIRED"  # the batch's validity has ended
    BATCH_DISABLED = "BATCH_DISABLED"  # every code of the batch is disabled
    BATCH_EXHAUSTED = "BATCH_EXHAUSTED"  # no free code left for this item
    KEY_CONFLICT = "KEY_CONFLICT"  # its key gave a code to another customer or from another batch


@dataclass(frozen=True)
class AssignmentItem:
    """A customer to give a code to, and the key of that assignment (a funnel step's
    execution key)."""

    customer_id: int
    assignment_key: str


@dataclass(frozen=True)
class AssignedCode:
    """One item's result: the code given (now or by the key's first call) and its voucher,
    or None with the reason."""

    customer_id: int
    assignment_key: str
    outcome: AssignOutcome
    voucher_id: int | None = None
    code: str | None = None

    @property
    def done(self) -> bool:
        return self.outcome in (AssignOutcome.ASSIGNED, AssignOutcome.REPLAYED)


_BATCH_EXPIRED = """
    SELECT valid_until IS NOT NULL AND valid_until <= now() AS expired
      FROM voucher_batches WHERE id = :batch_id
"""
_LOCK_BATCH = text(f"{_BATCH_EXPIRED} FOR NO KEY UPDATE")
_SHARE_BATCH = text(f"{_BATCH_EXPIRED} FOR SHARE")


_OF_THE_BATCH = "v.batch_id = CAST(:batch_id AS bigint)"
# The same, written so that PostgreSQL keeps the batch in the order a scan must give (see
# the free codes' scan below): an equality makes the batch a constant and "batch, then id"
# the primary key's order.
_OF_THE_BATCH_IN_ORDER = (
    "v.batch_id BETWEEN CAST(:batch_id AS bigint) AND CAST(:batch_id AS bigint)"
)


def _free_code(at: str, of_the_batch: str = _OF_THE_BATCH) -> str:
    """The condition on a voucher `v` of the batch :batch_id that it is free at `at` (SQL):
    what ix_vouchers_free_codes indexes, and not expired. Assigning takes such codes;
    batch_supply counts them."""
    return f"""{of_the_batch}
           AND v.customer_id IS NULL AND v.disabled_at IS NULL AND v.uses = 0
           AND (v.valid_until IS NULL OR v.valid_until > {at})"""


_ASSIGN = text(f"""
    WITH item AS (
        SELECT i.ord, i.customer_id, i.assignment_key
          FROM unnest(CAST(:customer_ids AS bigint[]), CAST(:keys AS text[])) WITH ORDINALITY
               AS i(customer_id, assignment_key, ord)),
    prior AS (
        SELECT it.ord, v.id, v.code,
               (v.customer_id IS DISTINCT FROM it.customer_id
                OR v.batch_id IS DISTINCT FROM CAST(:batch_id AS bigint)) AS conflict
          FROM item it JOIN vouchers v ON v.assignment_key = it.assignment_key),
    known AS (
        SELECT it.ord FROM item it JOIN ({CUSTOMERS}) c ON c.id = it.customer_id),
    want AS (
        SELECT it.ord, it.customer_id, it.assignment_key,
               row_number() OVER (ORDER BY it.ord) AS n
          FROM item it JOIN known USING (ord)
         WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p.ord = it.ord)
           AND NOT CAST(:expired AS boolean)),
    free AS (
        -- In the free codes' own index's order (batch, then id), which only that index and
        -- the batch's give: planned on statistics from before the batch's codes were given,
        -- a scan in the primary key's order walked past every given code again at each
        -- call (half a million rows a call, half-way through a million-code campaign).
        SELECT v.id FROM vouchers v
         WHERE {_free_code("now()", _OF_THE_BATCH_IN_ORDER)}
         ORDER BY v.batch_id, v.id
         LIMIT (SELECT count(*) FROM want)
           FOR UPDATE SKIP LOCKED),
    numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM free),
    given AS (
        UPDATE vouchers v
           SET customer_id = w.customer_id, assigned_at = now(),
               assignment_key = w.assignment_key
          FROM numbered f JOIN want w USING (n)
         WHERE v.id = f.id
        RETURNING v.id, v.code, v.customer_id, v.batch_id, v.assignment_key),
    ev AS (
        {APPEND_EVENTS}
        SELECT {event_type_sql(VoucherAssigned)}, g.customer_id,
               {payload_sql(VoucherAssigned, voucher_id="g.id", batch_id="g.batch_id")}
          FROM given g ORDER BY g.id)
    SELECT it.customer_id, it.assignment_key, p.id AS prior_id, p.code AS prior_code,
           p.conflict, k.ord IS NOT NULL AS known, g.id, g.code,
           EXISTS (SELECT 1 FROM vouchers v WHERE v.batch_id = CAST(:batch_id AS bigint)
                      AND v.disabled_at IS NULL) AS has_enabled
      FROM item it
      LEFT JOIN prior p USING (ord)
      LEFT JOIN known k USING (ord)
      LEFT JOIN given g ON g.assignment_key = it.assignment_key
     ORDER BY it.ord
""")


async def assign_codes_each(
    uow: UnitOfWork, batch_id: int, items: Sequence[AssignmentItem], *, keys_held: bool = False
) -> list[AssignedCode]:
    """Give each item's customer one free code of the batch (unassigned, enabled, unused,
    not expired), under the item's assignment key, in the open unit of work; one result per
    item, in the items' order, with the code (for the message that sends it) or the reason.

    Guarantees: no code is given twice, also under concurrent calls; a key gives one code
    once (a replay returns the same code, whatever became of the batch since); each code
    given records VoucherAssigned. An unknown batch is a NOT_FOUND on `batchId`; each
    customer and each key may appear once per call (else ValueError). `keys_held`: the
    caller holds what its keys name locked, so no other call uses them now (see the module)."""
    if not items:
        return []
    if len({i.customer_id for i in items}) != len(items):
        raise ValueError("a batch names each customer at most once")
    if len({i.assignment_key for i in items}) != len(items):
        raise ValueError("a batch uses each assignment key at most once")
    lock = _SHARE_BATCH if keys_held else _LOCK_BATCH
    expired = (await uow.execute(lock, {"batch_id": batch_id})).scalar_one_or_none()
    if expired is None:
        raise DomainError.one("batchId", ErrorCode.NOT_FOUND, "No such voucher batch.")
    rows = await uow.execute(
        _ASSIGN,
        {
            "batch_id": batch_id,
            "expired": expired,
            "customer_ids": [i.customer_id for i in items],
            "keys": [i.assignment_key for i in items],
        },
    )
    return [_result(row, bool(expired)) for row in rows]


def _result(row: Any, expired: bool) -> AssignedCode:
    cid, key = int(row.customer_id), str(row.assignment_key)
    if row.prior_id is not None:
        if row.conflict:
            return AssignedCode(cid, key, AssignOutcome.KEY_CONFLICT)
        return AssignedCode(cid, key, AssignOutcome.REPLAYED, int(row.prior_id), row.prior_code)
    if row.id is not None:
        return AssignedCode(cid, key, AssignOutcome.ASSIGNED, int(row.id), row.code)
    if not row.known:
        return AssignedCode(cid, key, AssignOutcome.CUSTOMER_NOT_FOUND)
    if expired:
        return AssignedCode(cid, key, AssignOutcome.BATCH_EXPIRED)
    if not row.has_enabled:
        return AssignedCode(cid, key, AssignOutcome.BATCH_DISABLED)
    return AssignedCode(cid, key, AssignOutcome.BATCH_EXHAUSTED)


@dataclass(frozen=True)
class BatchSupply:
    """What a batch could give at a moment, read without taking anything: when it stops
    being valid, whether any of its codes is enabled, and how many codes are free."""

    valid_until: datetime | None
    has_enabled: bool
    free: int

    def refusal(self, at: datetime) -> AssignOutcome | None:
        """Why an assignment at `at` would give nobody a code, in the order
        assign_codes_each decides it (an expired batch, then one whose codes are all
        disabled); None when it gives codes while `free` lasts."""
        if self.valid_until is not None and self.valid_until <= at:
            return AssignOutcome.BATCH_EXPIRED
        if not self.has_enabled:
            return AssignOutcome.BATCH_DISABLED
        return None


_SUPPLY = text(f"""
    SELECT b.valid_until,
           EXISTS (SELECT 1 FROM vouchers v WHERE v.batch_id = b.id
                      AND v.disabled_at IS NULL) AS has_enabled,
           (SELECT count(*) FROM vouchers v
             WHERE {_free_code("CAST(:at AS timestamptz)")}) AS free
      FROM voucher_batches b WHERE b.id = CAST(:batch_id AS bigint)
""")


async def batch_supply(uow: UnitOfWork, batch_id: int, at: datetime) -> BatchSupply | None:
    """The batch's supply at `at` (its free codes counted as assign_codes_each would take
    them then), in the open unit of work; None when there is no such batch. A read: what a
    funnel's dry run predicts an issueVoucher step would give."""
    row = (await uow.execute(_SUPPLY, {"batch_id": batch_id, "at": at})).one_or_none()
    if row is None:
        return None
    return BatchSupply(row.valid_until, bool(row.has_enabled), int(row.free))
