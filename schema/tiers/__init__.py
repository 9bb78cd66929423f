"""Tiers by rule in GraphQL."""
