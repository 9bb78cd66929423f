"""SQL fragments every ledger posting's statement is built from: the entry's insert, its
values, its idempotency key, the event appended from the entry just written, and the
columns a posting returns. Credits (posting.py) and debits (debiting.py) embed them, so an
entry is written the same way by both."""

from __future__ import annotations

from domain.events.payloads import payload_sql
from domain.events.sql import APPEND_EVENTS
from domain.events.types import PointsEarned, PointsSpent

ENTRY_INSERT = """
    INSERT INTO ledger_entries (customer_id, points, balance_after, kind, note, source_type,
                                source_ref, actor, idempotency_key, reverses_entry_id)
"""
# Casts: in INSERT ... SELECT, PostgreSQL cannot infer a parameter's type from the column.
ENTRY_VALUES = """
    CAST(:customer_id AS bigint), CAST(:points AS bigint), {balance}, CAST(:kind AS text),
    CAST(:note AS text), CAST(:source_type AS text), CAST(:source_ref AS text),
    CAST(:actor AS text), {key}, CAST(:reverses_entry_id AS bigint)
"""
KEY = "CAST(:idempotency_key AS text)"

# The event is built from the row just written, so it always agrees with the ledger; its
# payload is generated from PointsEarned / PointsSpent (the same fields).
EVENT_PAYLOAD = payload_sql(
    PointsEarned,
    PointsSpent,
    entry_id="e.id",
    points="abs(e.points)",
    balance_after="e.balance_after",
    kind="e.kind",
    source_ref="e.source_ref",
)
EVENT_CTE = f"""
    ev AS ({APPEND_EVENTS}
           SELECT CAST(:event_type AS text), e.customer_id, {EVENT_PAYLOAD}
             FROM e WHERE CAST(:event_type AS text) IS NOT NULL)
"""
RETURNED = "id, customer_id, points, balance_after, kind, source_ref, created_at"
