"""What the events area lets other areas embed: appending events inside the statement that
made the change (hot paths and set-based jobs), without naming its table.

An event row is (type, customer_id, payload): the type from payloads.event_type_sql, the
payload built by payloads.payload_sql / payload_clause from the event's class."""

from __future__ import annotations

from sqlalchemy import Insert, Select, insert

from domain.events.tables import domain_events

# The head of an INSERT ... SELECT of events; the SELECT gives type, customer_id, payload.
APPEND_EVENTS = "INSERT INTO domain_events (type, customer_id, payload)"


def append_events(rows: Select[object]) -> Insert:
    """A Core INSERT of the events `rows` selects (type, customer_id, payload, in order)."""
    return insert(domain_events).from_select(["type", "customer_id", "payload"], rows)
