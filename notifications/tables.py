"""Imports every notifications table so that the shared `metadata` is complete (Alembic and
tests; domain/tables.py gathers the domain's, which may not import this package)."""

from __future__ import annotations

from domain.metadata import metadata
from notifications.delivery.tables import messages

__all__ = ["messages", "metadata"]
