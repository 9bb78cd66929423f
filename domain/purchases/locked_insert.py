"""What an order paid otherwise than in money, and a new order awarded at its first report
written under the order's lock in one round trip (a PL/pgSQL function, see
domain/sqlfunctions.py for why).

Why the lock: payments on an order (points paid or held, vouchers) take the order's lock,
then refuse an order already awarded. A new order's award is computed from what its earning
context read (the order's payments) before its write; one statement cannot take the lock
and then see what committed while it waited (its snapshot predates the lock). So the
function takes the lock, reads the payments again in a statement of its own, and writes
only when they are what the award was computed from: a payment either committed before and
is counted (the caller computes again), or comes after and finds the order awarded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from domain.checkout.orders import LOCK_ORDER, order_lock_key_sql
from domain.checkout.sql import POINTS_PAID_NOT_EARNING
from domain.ledger import posting as post
from domain.purchases.earning import Line
from domain.purchases.repository import INSERT_NEW, INSERT_NEW_AND_AWARD, insert_params
from domain.sqlfunctions import Run, SqlFunction
from domain.uow import Executor
from domain.vouchers.sql import DISCOUNTS_ON_ORDER

# What points (unless they earn) and vouchers took off the order (:shop, :order_id): not
# paid in money, so it earns nothing.
NOT_PAID_IN_MONEY = f"{POINTS_PAID_NOT_EARNING} + {DISCOUNTS_ON_ORDER}"
PAID_NOW = text(f"SELECT {NOT_PAID_IN_MONEY} AS paid")


class OrderPaymentsChanged(Exception):
    """The order's payments changed since the award was computed: compute it again."""


_BIGINT, _TEXT, _TIME = "bigint", "text", "timestamp with time zone"
# The award's entry and account, as posting.posted_from reads them.
_POSTED_RESULTS = (
    ("id", _BIGINT),
    ("balance_after", _BIGINT),
    ("created_at", _TIME),
    ("lifetime_earned", _BIGINT),
    ("lifetime_spent", _BIGINT),
    ("held", _BIGINT),
    ("lifetime_expired", _BIGINT),
)

# outcome: DONE (purchase_id, and the award's entry and account when it earned points),
# EXISTS (the order is known: nothing written) or STALE (its payments are no longer
# p_paid_read: nothing written).
RECORD_NEW = SqlFunction(
    name="purchases_record_new",
    types={
        "shop": _TEXT,
        "order_id": _TEXT,
        "program": "integer",
        "paid_read": _BIGINT,
        "points": _BIGINT,
        "customer_id": _BIGINT,
        "channel": _TEXT,
        "status": _TEXT,
        "total_minor": _BIGINT,
        "occurred_at": _TIME,
        "points_earned": _BIGINT,
        "awarded_at": _TIME,
        "earning_snapshot": _TEXT,
        "skus": "text[]",
        "quantities": "bigint[]",
        "prices": "bigint[]",
        "discounted": "boolean[]",
        "line_product_lines": "text[]",
        "card_discounts_minor": _BIGINT,
        "earned_delta": _BIGINT,
        "spent_delta": _BIGINT,
        "released_held": _BIGINT,
        "min_spendable": _BIGINT,
        "kind": _TEXT,
        "note": _TEXT,
        "source_type": _TEXT,
        "source_ref": _TEXT,
        "actor": _TEXT,
        "reverses_entry_id": _BIGINT,
        "event_type": _TEXT,
    },
    results=(("outcome", _TEXT), ("purchase_id", _BIGINT), *_POSTED_RESULTS),
    records=("r_paid", "r_new"),
    body=(
        Run(LOCK_ORDER, bind={"order": order_lock_key_sql("p_shop", "p_order_id")}),
        Run(PAID_NOW, "r_paid"),
        "IF r_paid.paid <> p_paid_read THEN\n    outcome := 'STALE';\n    RETURN;\nEND IF;",
        "IF p_points > 0 THEN",
        Run(INSERT_NEW_AND_AWARD, "r_new"),
        "ELSE",
        Run(INSERT_NEW, "r_new"),
        "END IF;",
        "IF NOT FOUND THEN\n    outcome := 'EXISTS';\n    RETURN;\nEND IF;",
        "outcome := 'DONE';",
        "IF p_points > 0 THEN\n    purchase_id := r_new.purchase_id;\n"
        + "".join(f"    {name} := r_new.{name};\n" for name, _ in _POSTED_RESULTS)
        + "ELSE\n    purchase_id := r_new.id;\nEND IF;",
    ),
)


async def insert_if_unchanged(
    db: Executor,
    values: dict[str, Any],
    lines: list[Line],
    award: post.Posting | None,
    card_discounts_minor: int,
    program: int,
    paid_read: int,
) -> tuple[int | None, post.Posted | None]:
    """repository.insert_if_new of an order awarded now, under the order's lock, only if
    what was not paid in money on the order is still `paid_read`; else OrderPaymentsChanged."""
    params: dict[str, Any] = dict.fromkeys(RECORD_NEW.arguments)  # the award's: null if none
    params.update(insert_params(values, lines, award, card_discounts_minor))
    params.update(program=program, paid_read=paid_read, points=award.points if award else 0)
    try:
        row = await db.fetch_row(RECORD_NEW.call, params)
    except IntegrityError as error:
        raise post.refusal_for(error) from error
    assert row is not None
    if row["outcome"] == "STALE":
        raise OrderPaymentsChanged
    if row["outcome"] == "EXISTS":
        return None, None
    return row["purchase_id"], (post.posted_from(row) if award is not None else None)
