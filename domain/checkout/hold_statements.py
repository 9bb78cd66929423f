"""Holds' statements, and the two PL/pgSQL functions made of them (with the order's and the
ledger's own statements) that place and capture a hold in one round trip each (see
domain/sqlfunctions.py for why a function, and domain/checkout/holds.py for the services)."""

from __future__ import annotations

from sqlalchemy import text

from domain.checkout.orders import LOCK_ORDER, ORDER_FACTS_NOW, order_lock_key_sql
from domain.events.types import PointsSpent
from domain.ledger.debiting import DEBITED_ACCOUNT, debit_steps
from domain.ledger.holding import (
    RESERVED_COLUMNS,
    RESERVED_FROM,
    UNRESERVE,
    release_held_ctes,
    reserve_ctes,
)
from domain.ledger.kinds import EntryKind, lifetime_deltas
from domain.purchases.sql import ORDER_REFUNDED
from domain.sqlfunctions import Run, SqlFunction, returns

# The points reserved under the ledger policy and the hold written, in one statement: the
# hold only when the points could be reserved.
HOLD = text(f"""
    WITH {reserve_ctes()},
    hold AS (
        INSERT INTO holds (customer_id, points, value_minor, shop, order_id, idempotency_key,
                           expires_at, request_digest)
        SELECT CAST(:customer_id AS bigint), CAST(:points AS bigint),
               CAST(:value_minor AS bigint), CAST(:shop AS text), CAST(:order_id AS text),
               CAST(:idempotency_key AS text), CAST(:expires_at AS timestamptz),
               CAST(:request_digest AS text)
          FROM reserved
        RETURNING *)
    SELECT {RESERVED_COLUMNS}, hold.id, hold.customer_id, hold.points, hold.status, hold.shop,
           hold.order_id, hold.value_minor, hold.expires_at, hold.entry_id
      FROM {RESERVED_FROM} LEFT JOIN hold ON true
""")

# A captured hold's redemption on its order and its status, in one statement.
CAPTURED = text("""
    WITH paid AS (
        INSERT INTO redemptions (customer_id, shop, order_id, points, value_minor,
                                 idempotency_key, entry_id, hold_id)
        SELECT customer_id, shop, order_id, points, value_minor, 'hold:' || id,
               CAST(:entry_id AS bigint), id
          FROM holds WHERE id = :hold_id)
    UPDATE holds SET status = 'CAPTURED', resolved_at = now(), entry_id = :entry_id
     WHERE id = :hold_id
    RETURNING *
""")

# The hold's row, locked: serialises its capture, release and expiry.
LOCK_HOLD = text("SELECT * FROM holds WHERE id = :hold_id FOR UPDATE")

# An active hold ended (RELEASED or EXPIRED); its points are freed by holding.UNRESERVE.
END_HOLD = text("""
    UPDATE holds SET status = :status, resolved_at = now() WHERE id = :hold_id RETURNING *
""")

# A customer's active holds, locked in id order (an erasure releases them all).
LOCK_ACTIVE_OF_CUSTOMER = text("""
    SELECT * FROM holds WHERE customer_id = :customer_id AND status = 'ACTIVE'
     ORDER BY id FOR UPDATE
""")

# The hold placed under a key, if any.
KEY_USED = text("SELECT * FROM holds WHERE idempotency_key = :idempotency_key")

HOLD_COLUMNS = (
    "id",
    "customer_id",
    "points",
    "status",
    "shop",
    "order_id",
    "value_minor",
    "expires_at",
    "entry_id",
)
_BIGINT, _TIME = "bigint", "timestamp with time zone"
_HOLD_RESULTS = (
    ("id", _BIGINT),
    ("customer_id", _BIGINT),
    ("points", _BIGINT),
    ("status", "text"),
    ("shop", "text"),
    ("order_id", "text"),
    ("value_minor", _BIGINT),
    ("expires_at", _TIME),
    ("entry_id", _BIGINT),
)
_FUNDS = ("balance_before", "held_before")
_FUNDS_RESULTS = tuple((name, _BIGINT) for name in (*_FUNDS, *DEBITED_ACCOUNT))


# Placing a hold, the second of its two round trips (the first reads the allowance with no
# lock: orders._ORDER_STATE). Under the order's lock, as the transactional PlaceHold: a key
# already used answers REPLAY (the caller replays it); the order's facts changed since the
# caller's read (p_facts) answer STALE (the caller reads again); else the reservation and
# the hold (HOLD): HELD, or REFUSED by the policy on the account as locked (balance null,
# balance_before and held_before say why), or NOT_FOUND (no account row).
PLACE_HOLD = SqlFunction(
    name="checkout_place_hold",
    types={
        "order": "text",
        "idempotency_key": "text",
        "shop": "text",
        "order_id": "text",
        "customer_id": _BIGINT,
        "program": "integer",
        "facts": "text",
        "points": _BIGINT,
        "min_spendable": _BIGINT,
        "value_minor": _BIGINT,
        "expires_at": _TIME,
        "request_digest": "text",
    },
    results=(("outcome", "text"), *_FUNDS_RESULTS, *_HOLD_RESULTS),
    records=("r_key", "r_now", "r_hold"),
    body=(
        Run(LOCK_ORDER),
        Run(KEY_USED, "r_key"),
        "IF FOUND THEN\n    outcome := 'REPLAY';\n    RETURN;\nEND IF;",
        Run(ORDER_FACTS_NOW, "r_now", {"cid": "p_customer_id"}),
        "IF r_now.facts IS DISTINCT FROM p_facts THEN\n"
        "    outcome := 'STALE';\n    RETURN;\nEND IF;",
        Run(HOLD, "r_hold"),
        "IF NOT FOUND THEN\n    outcome := 'NOT_FOUND';\n    RETURN;\nEND IF;",
        "outcome := CASE WHEN r_hold.id IS NULL THEN 'REFUSED' ELSE 'HELD' END;",
        returns("r_hold", (*_FUNDS, *DEBITED_ACCOUNT, *HOLD_COLUMNS)),
    ),
)

# The capture's debit, as CaptureHold's posting would be: a REDEMPTION of the hold's points
# that releases them, paying its order, under the key hold:<id>.
_EARNED, _SPENT = lifetime_deltas(EntryKind.REDEMPTION, -1)
_CAPTURE_DEBIT = {
    "customer_id": "r_hold.customer_id",
    "points": "(-r_hold.points)",
    "earned_delta": f"({_EARNED} * r_hold.points)",
    "spent_delta": f"({_SPENT} * r_hold.points)",
    "released_held": "r_hold.points",
    "min_spendable": "0",
    "preferred_lot_id": "NULL",
    "kind": f"'{EntryKind.REDEMPTION.value}'",
    "note": "NULL",
    "source_type": "'order'",
    "source_ref": "(r_hold.shop || '/' || r_hold.order_id)",
    "idempotency_key": "('hold:' || r_hold.id)",
    "reverses_entry_id": "NULL",
    "event_type": f"'{PointsSpent.__name__}'",
}
_DEBIT_BALANCE, _DEBIT_LOTS = debit_steps(_CAPTURE_DEBIT)
_POINTS = "r_hold.points"

_ORDER_OF_HOLD = {"shop": "r_hold.shop", "order_id": "r_hold.order_id"}


def _end_instead(status: str, outcome: str) -> tuple[Run | str, ...]:
    """An active hold ended instead of captured (its points freed, committed: the caller
    refuses the capture), and the function returns."""
    return (
        Run(UNRESERVE, "r_account", {"customer_id": "r_hold.customer_id", "points": _POINTS}),
        Run(END_HOLD, "r_done", {"hold_id": "r_hold.id", "status": f"'{status}'"}),
        f"outcome := '{outcome}';",
        returns("r_done", HOLD_COLUMNS),
        returns("r_account", DEBITED_ACCOUNT),
        "RETURN;\nEND IF;",
    )


# Capturing a hold in one round trip: its row locked; NOT_FOUND; then its order's lock, as
# every payment on an order takes it (so no hold or redemption placed meanwhile can count
# this hold as expired while it is being captured). An active hold past its time (by the
# later of p_now and the database's clock after the locks: a hold the order's caps stopped
# counting is never captured) is expired instead (EXPIRED); one whose order was refunded is
# released instead (REFUNDED: the refund gave back what points paid then, and a payment
# taken after it would never come back); both committed, the caller refuses the capture.
# A hold no longer active is returned as it is (NOT_ACTIVE); else the debit, the
# redemption and the hold's status (CAPTURED), or REFUSED by the policy (a capture spends
# the points its hold reserved, so the guard allows it whenever the table's CHECKs hold).
CAPTURE_HOLD = SqlFunction(
    name="checkout_capture_hold",
    types={"hold_id": _BIGINT, "actor": "text", "now": _TIME},
    results=(("outcome", "text"), *_FUNDS_RESULTS, *_HOLD_RESULTS),
    records=("r_hold", "r_refunded", "r_account", "r_debit", "r_entry", "r_done"),
    body=(
        Run(LOCK_HOLD, "r_hold"),
        "IF NOT FOUND THEN\n    outcome := 'NOT_FOUND';\n    RETURN;\nEND IF;",
        Run(LOCK_ORDER, bind={"order": order_lock_key_sql("r_hold.shop", "r_hold.order_id")}),
        "IF r_hold.status = 'ACTIVE'\n"
        "   AND r_hold.expires_at <= GREATEST(p_now, clock_timestamp()) THEN",
        *_end_instead("EXPIRED", "EXPIRED"),
        Run(f"SELECT {ORDER_REFUNDED} AS refunded", "r_refunded", _ORDER_OF_HOLD),
        "IF r_hold.status = 'ACTIVE' AND r_refunded.refunded THEN",
        *_end_instead("RELEASED", "REFUNDED"),
        "IF r_hold.status <> 'ACTIVE' THEN\n    outcome := 'NOT_ACTIVE';",
        returns("r_hold", HOLD_COLUMNS),
        "RETURN;\nEND IF;",
        _DEBIT_BALANCE,
        "IF r_debit.balance IS NULL THEN\n    outcome := 'REFUSED';",
        returns("r_debit", _FUNDS),
        returns("r_hold", HOLD_COLUMNS),
        "RETURN;\nEND IF;",
        _DEBIT_LOTS,
        Run(CAPTURED, "r_done", {"hold_id": "r_hold.id", "entry_id": "r_entry.id"}),
        "outcome := 'CAPTURED';",
        returns("r_done", HOLD_COLUMNS),
        returns("r_debit", DEBITED_ACCOUNT),
    ),
)

# Up to :limit holds due at :now, expired and their points freed, set-based: holds another
# sweep (or a capture) has locked are skipped, accounts are locked in customer order.
EXPIRE_DUE = text(f"""
    WITH due AS (
        SELECT id FROM holds WHERE status = 'ACTIVE' AND expires_at <= :now
         ORDER BY expires_at LIMIT :limit FOR UPDATE SKIP LOCKED),
    ended AS (
        UPDATE holds h SET status = 'EXPIRED', resolved_at = now()
          FROM due WHERE h.id = due.id
        RETURNING h.customer_id, h.points),
    per_customer AS (
        SELECT customer_id, sum(points) AS points FROM ended GROUP BY customer_id),
    {release_held_ctes("per_customer")}
    SELECT count(*) FROM ended
""")
