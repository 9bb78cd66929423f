"""Checking messaging limits as a marketer gives them: every problem named on its input
field (`channels.0.cap.maxMessages`), all reported at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from domain.customers.validation import parse_time_zone
from domain.errors import ErrorCode, Problems
from notifications.fatigue.models import (
    MAX_CAP_MESSAGES,
    MAX_PERIOD,
    Cap,
    ChannelLimits,
    LimitChannel,
    MessagingLimits,
    PeriodUnit,
    QuietHours,
)


@dataclass(frozen=True)
class CapSpec:
    max_messages: int
    period: int
    unit: PeriodUnit


@dataclass(frozen=True)
class QuietHoursSpec:
    start: str  # HH:MM, 00:00 to 23:59
    end: str


@dataclass(frozen=True)
class ChannelLimitsSpec:
    channel: LimitChannel
    cap: CapSpec | None = None
    quiet_hours: QuietHoursSpec | None = None


@dataclass(frozen=True)
class LimitsSpec:
    """The whole set of limits: what it leaves out is none (no cap, no quiet hours)."""

    default_time_zone: str | None = None
    quiet_hours: QuietHoursSpec | None = None
    channels: tuple[ChannelLimitsSpec, ...] = ()


_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


def check_limits(spec: LimitsSpec) -> MessagingLimits:
    """The limits, or a DomainError naming each field at fault."""
    problems = Problems()
    zone = parse_time_zone(problems, "defaultTimeZone", spec.default_time_zone)
    quiet = _quiet_hours(problems, "quietHours", spec.quiet_hours)
    channels: dict[LimitChannel, ChannelLimits] = {}
    if len(spec.channels) > len(LimitChannel):
        problems.add(
            "channels", ErrorCode.OUT_OF_RANGE, "At most one entry per channel (EMAIL, SMS)."
        )
    for i, entry in enumerate(spec.channels[: len(LimitChannel)]):
        field = f"channels.{i}"
        if entry.channel in channels:
            problems.add(
                f"{field}.channel", ErrorCode.DUPLICATE, f"{entry.channel} is given twice."
            )
        channels[entry.channel] = ChannelLimits(
            cap=_cap(problems, f"{field}.cap", entry.cap),
            quiet_hours=_quiet_hours(problems, f"{field}.quietHours", entry.quiet_hours),
        )
    problems.raise_if_any()
    return MessagingLimits(default_time_zone=zone, quiet_hours=quiet, channels=channels)


def _cap(problems: Problems, field: str, spec: CapSpec | None) -> Cap | None:
    if spec is None:
        return None
    good = True
    if not 1 <= spec.max_messages <= MAX_CAP_MESSAGES:
        good = False
        problems.add(
            f"{field}.maxMessages",
            ErrorCode.OUT_OF_RANGE,
            f"A cap is 1 to {MAX_CAP_MESSAGES} messages (no cap: leave it out).",
        )
    longest = MAX_PERIOD[spec.unit]
    if not 1 <= spec.period <= longest:
        good = False
        problems.add(
            f"{field}.period",
            ErrorCode.OUT_OF_RANGE,
            f"A period is 1 to {longest} {spec.unit.lower()} (one hour to 366 days).",
        )
    return Cap(spec.max_messages, spec.period, spec.unit) if good else None


def _quiet_hours(problems: Problems, field: str, spec: QuietHoursSpec | None) -> QuietHours | None:
    if spec is None:
        return None
    start = parse_clock_time(problems, f"{field}.start", spec.start)
    end = parse_clock_time(problems, f"{field}.end", spec.end)
    if start is None or end is None:
        return None
    if start == end:
        problems.add(
            f"{field}.end",
            ErrorCode.INVALID,
            "Quiet hours end when they start: give different times (none: leave them out).",
        )
        return None
    return QuietHours(start, end)


def parse_clock_time(problems: Problems, field: str, value: str) -> time | None:
    """A wall-clock time written HH:MM (9:00 and 09:00 alike), INVALID otherwise."""
    found = _TIME.fullmatch(value.strip())
    if found is None:
        problems.add(field, ErrorCode.INVALID, "Not a time: give HH:MM, from 00:00 to 23:59.")
        return None
    return time(int(found.group(1)), int(found.group(2)))
