"""Spending points at checkout: redemption rules, quotes, holds and redemptions (vouchers
and rewards are domain.vouchers and domain.rewards)."""
