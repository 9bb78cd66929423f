"""What cards lets the BI reports embed: the cards customers hold with the order of their
changes, as a relation (`FROM ({CARD_CHANGES}) alias`), and that order's sequence."""

from __future__ import annotations

# The sequence that numbers card changes in order (cards.change_seq, stamped by a trigger
# on every insert and status update), which rollup jobs consume behind a watermark.
CHANGE_SEQUENCE = "cards_change_seq"

# Every card: customer_id, type (POINTS, DISCOUNT, CURRENT_DISCOUNT, PRIZE), status
# (ACTIVE, BLOCKED, LOST, REPLACED) and the number of its last change.
CARD_CHANGES = "SELECT customer_id, type, status, change_seq FROM cards"
