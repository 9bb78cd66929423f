"""A debit's statements: the account update under the ledger policy, then the entry, the
lots it draws from and its event; and `ledger_debit`, the PL/pgSQL function made of the two,
so a debit costs one round trip (posting.debit calls it; a capture embeds the same steps)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import text

from domain.events.types import PointsSpent
from domain.ledger import policy
from domain.ledger.entry_sql import ENTRY_INSERT, ENTRY_VALUES, EVENT_CTE, KEY, RETURNED
from domain.sqlfunctions import Run, SqlFunction, returns

# A debit's account update. The row is locked first (cur) and the policy's guard is tested
# on it as locked, so a refusal returns the very balance and held points it was refused on.
# The new balance and held points are computed from `cur` too, not from `a`: when the row
# changed after the statement's snapshot, the UPDATE first builds its new row from the
# snapshot's version of `a`, and PostgreSQL checks the table's CHECKs on that row before it
# notices the change and recomputes from the latest version; a stale balance there would
# fail ck_point_accounts_balance_range although the locked one allows the debit.
_DEBIT_BALANCE = text(f"""
    WITH cur AS (SELECT balance, held FROM point_accounts
                  WHERE customer_id = :customer_id FOR UPDATE),
    acc AS (UPDATE point_accounts a
               SET balance = cur.balance + :points,
                   lifetime_earned = a.lifetime_earned + :earned_delta,
                   lifetime_spent = a.lifetime_spent + :spent_delta,
                   held = cur.held - :released_held,
                   updated_at = now()
              FROM cur
             WHERE a.customer_id = :customer_id
               AND {policy.account_guard_sql(balance="cur.balance", held="cur.held")}
            RETURNING a.balance, a.lifetime_earned, a.lifetime_spent, a.held, a.lifetime_expired)
    SELECT cur.balance AS balance_before, cur.held AS held_before, acc.*
      FROM cur LEFT JOIN acc ON true
""")

_DEBIT_VALUES = ENTRY_VALUES.format(balance="CAST(:balance_after AS bigint)", key=KEY)

# Runs after _DEBIT_BALANCE has locked the account row, so it sees every committed lot.
_DEBIT_LOTS = text(f"""
    WITH lots AS (
        SELECT id, remaining,
               sum(remaining) OVER (
                   ORDER BY COALESCE(id = :preferred_lot_id, false) DESC,
                            expires_at ASC NULLS LAST, id
               ) - remaining AS before
          FROM point_lots
         WHERE customer_id = :customer_id AND remaining > 0),
    take AS (SELECT id, LEAST(remaining, :amount - before) AS pts FROM lots
              WHERE before < :amount),
    e AS ({ENTRY_INSERT} VALUES ({_DEBIT_VALUES})
          RETURNING {RETURNED}),
    {EVENT_CTE},
    upd AS (UPDATE point_lots l SET remaining = l.remaining - t.pts FROM take t
             WHERE l.id = t.id),
    alloc AS (INSERT INTO lot_allocations (entry_id, lot_id, points)
              SELECT e.id, t.id, -t.pts FROM e, take t)
    SELECT id, balance_after, created_at FROM e
""")

# What a debit records: PointsSpent, unless the caller records its own event (a reversal).
SPENTEVENT_CTE = f"CASE WHEN p_records_event THEN '{PointsSpent.__name__}' END"
DEBITED_ACCOUNT = ("balance", "lifetime_earned", "lifetime_spent", "held", "lifetime_expired")


def debit_steps(bind: Mapping[str, str]) -> tuple[Run, Run]:
    """A debit's two statements as steps of a SQL function, their parameters bound by
    `bind` (else the function's arguments): _DEBIT_BALANCE into `r_debit` (its balance
    null: refused; the function returns before the second step), then _DEBIT_LOTS into
    `r_entry` (id, balance_after, created_at). The second statement's fresh snapshot, taken
    after the first locked the account, sees every lot committed before the lock."""
    points = bind.get("points", "p_points")
    lots = {**bind, "amount": f"-({points})", "balance_after": "r_debit.balance"}
    return Run(_DEBIT_BALANCE, "r_debit", bind), Run(_DEBIT_LOTS, "r_entry", lots)


_BALANCE, _ENTRY = debit_steps({"event_type": SPENTEVENT_CTE})
_BIGINT = "bigint"

# A debit in one round trip. No account: every column null. Refused by the policy:
# balance_before and held_before only (the account as the guard saw it, for the refusal's
# explanation). Else the account after and the entry's id and time.
LEDGER_DEBIT = SqlFunction(
    name="ledger_debit",
    types={
        "customer_id": _BIGINT,
        "points": _BIGINT,
        "earned_delta": _BIGINT,
        "spent_delta": _BIGINT,
        "released_held": _BIGINT,
        "min_spendable": _BIGINT,
        "preferred_lot_id": _BIGINT,
        "kind": "text",
        "note": "text",
        "source_type": "text",
        "source_ref": "text",
        "actor": "text",
        "idempotency_key": "text",
        "reverses_entry_id": _BIGINT,
        "records_event": "boolean",
    },
    results=(
        ("balance_before", _BIGINT),
        ("held_before", _BIGINT),
        *((name, _BIGINT) for name in DEBITED_ACCOUNT),
        ("id", _BIGINT),
        ("created_at", "timestamp with time zone"),
    ),
    records=("r_debit", "r_entry"),
    body=(
        _BALANCE,
        "IF NOT FOUND THEN\n    RETURN;\nEND IF;",
        returns("r_debit", ("balance_before", "held_before")),
        "IF r_debit.balance IS NULL THEN\n    RETURN;\nEND IF;",
        _ENTRY,
        returns("r_debit", DEBITED_ACCOUNT),
        returns("r_entry", ("id", "created_at")),
    ),
)
