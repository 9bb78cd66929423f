"""Periodic gifts in GraphQL."""
