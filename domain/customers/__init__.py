"""Customers, their contact details and consents, and point categories (tiers)."""
