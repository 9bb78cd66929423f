"""Tiers by rule: categories assigned from a measure (lifetime spend, points earned)."""
