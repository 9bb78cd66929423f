"""Imports every notifications table so that the shared `metadata` is complete (Alembic and
tests; domain/tables.py gathers the domain's, which may not import this package)."""

from __future__ import annotations

from domain.metadata import metadata
from notifications.builtins.tables import builtin_notifications, expiry_reminder_runs
from notifications.delivery.tables import messages
from notifications.fatigue.tables import messaging_limits
from notifications.notices.tables import (
    notice_promotion_starts,
    notice_recipients,
    notice_settings,
    notice_watermarks,
)
from notifications.store.tables import message_template_versions, message_templates

__all__ = [
    "builtin_notifications",
    "expiry_reminder_runs",
    "message_template_versions",
    "message_templates",
    "messages",
    "messaging_limits",
    "metadata",
    "notice_promotion_starts",
    "notice_recipients",
    "notice_settings",
    "notice_watermarks",
]
