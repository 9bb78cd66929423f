"""Alembic migrations for Tessera's PostgreSQL schema."""
