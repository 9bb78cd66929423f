"""What the delivery lets other areas embed in their own statements: its messages seen
through a named relation, never by the table's name."""

from __future__ import annotations

# Every message: id, customer_id, channel, purpose, status, dedupe_key, created_at.
MESSAGES = """
    SELECT id, customer_id, channel, purpose, status, dedupe_key, created_at FROM messages"""
