"""Pending domain events as the dispatcher hands them to reactions.

A minimal stand-in for the dispatcher's module (issue 9, another branch): only the
definition reactions are written against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PendingEvent:
    id: int
    type: str  # the event class name, e.g. "PointsEarned"
    customer_id: int | None
    payload: Mapping[str, Any]
    occurred_at: datetime
