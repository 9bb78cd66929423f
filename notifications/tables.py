"""Imports every notifications table so that the shared `metadata` is complete (Alembic and
tests; domain/tables.py gathers the domain's, which may not import this package)."""

from __future__ import annotations

from domain.metadata import metadata
from notifications.delivery.tables import messages
from notifications.notices.tables import (
    notice_promotion_starts,
    notice_recipients,
    notice_settings,
    notice_watermarks,
)
from notifications.store.tables import message_template_versions, message_templates

__all__ = [
    "message_template_versions",
    "message_templates",
    "messages",
    "metadata",
    "notice_promotion_starts",
    "notice_recipients",
    "notice_settings",
    "notice_watermarks",
]
