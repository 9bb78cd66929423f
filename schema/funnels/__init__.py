"""Funnel definitions over GraphQL."""
