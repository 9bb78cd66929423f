"""Vouchers: batches of hard-to-guess codes, codes bought with points, and their redemption
at checkout (each use counted exactly, never beyond the code's limit)."""
