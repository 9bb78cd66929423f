"""Purchases reported by shops, the earning rules, and refunds."""
