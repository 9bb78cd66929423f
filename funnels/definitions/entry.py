"""How customers enter a funnel (a trigger, an optional segment filter, the re-entry rule)
and the optional global exit condition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from funnels.definitions.durations import Duration
from funnels.definitions.events import FunnelEvent


@dataclass(frozen=True)
class EventTrigger:
    """Enters the customer an event concerns, when it is recorded."""

    event: FunnelEvent

    def document(self) -> dict[str, Any]:
        return {"event": self.event.value}


@dataclass(frozen=True)
class ScheduleTrigger:
    """At each fire time of `cron` (five crontab fields read in `time_zone`), enters every
    customer the entry filter matches."""

    cron: str
    time_zone: str

    def document(self) -> dict[str, Any]:
        return {"schedule": {"cron": self.cron, "timeZone": self.time_zone}}


@dataclass(frozen=True)
class CampaignTrigger:
    """Once, at `at` (None: when activated), enters the listed customers, or (no list) every
    customer the entry filter matches."""

    at: datetime | None = None
    customers: tuple[int, ...] | None = None

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.at is not None:
            body["at"] = self.at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if self.customers is not None:
            body["customers"] = [str(c) for c in self.customers]
        return {"campaign": body}


Trigger = EventTrigger | ScheduleTrigger | CampaignTrigger


class Reentry(StrEnum):
    ONCE = "ONCE"  # a customer enters at most once, ever
    ONCE_PER_PERIOD = "ONCE_PER_PERIOD"  # at most once per `reentryPeriod`
    WHEN_NOT_INSIDE = "WHEN_NOT_INSIDE"  # again whenever not already inside


@dataclass(frozen=True)
class Entry:
    trigger: Trigger
    filter: object | None = None
    reentry: Reentry = Reentry.ONCE
    reentry_period: Duration | None = None

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {"trigger": self.trigger.document()}
        if self.filter is not None:
            body["filter"] = self.filter
        body["reentry"] = self.reentry.value
        if self.reentry_period is not None:
            body["reentryPeriod"] = self.reentry_period.text
        return body


@dataclass(frozen=True)
class ExitCondition:
    """A customer inside leaves when one of `events` is recorded for them, or when they
    match `filter` (checked as the enrollment moves)."""

    events: tuple[FunnelEvent, ...] = ()
    filter: object | None = None

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.events:
            body["events"] = [e.value for e in self.events]
        if self.filter is not None:
            body["filter"] = self.filter
        return body
