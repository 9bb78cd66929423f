"""The built-in notifications: points earned, a balance threshold reached, points about to
expire, a badge unlocked, a voucher issued, a reward claimed. Each is switched on with its
templates (one per channel) through GraphQL; the dispatcher makes their messages from the
domain events (reaction.py), and a daily job the expiry reminders (expiring.py)."""
