"""What cards lets the BI reports embed: the cards customers hold, as a relation
(`FROM ({CARDS_HELD}) alias`)."""

from __future__ import annotations

# Every card: customer_id, type (POINTS, DISCOUNT, CURRENT_DISCOUNT, PRIZE) and status
# (ACTIVE, BLOCKED, LOST, REPLACED).
CARDS_HELD = "SELECT customer_id, type, status FROM cards"
