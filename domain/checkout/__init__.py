"""Spending points at checkout: redemption rules and quotes (holds, redemptions, vouchers
and rewards come next)."""
