"""Messaging limits (frequency caps, quiet hours, the default time zone) as GraphQL types and
inputs."""

from __future__ import annotations

from datetime import datetime, time

import strawberry

from notifications.fatigue.models import (
    Cap,
    LimitChannel,
    MessagingLimits,
    PeriodUnit,
    QuietHours,
)
from notifications.fatigue.validation import (
    CapSpec,
    ChannelLimitsSpec,
    LimitsSpec,
    QuietHoursSpec,
)
from schema.customers.types import ConsentChannelEnum

FrequencyPeriodUnit = strawberry.enum(PeriodUnit, name="FrequencyPeriodUnit")


@strawberry.type(
    description="At most maxMessages marketing messages to a customer on the channel in any "
    "period (a sliding window); the next waits until the oldest counted one leaves it."
)
class FrequencyCap:
    max_messages: int
    period: int
    unit: FrequencyPeriodUnit  # type: ignore[valid-type]

    @classmethod
    def of(cls, cap: Cap | None) -> FrequencyCap | None:
        return (
            None
            if cap is None
            else cls(max_messages=cap.max_messages, period=cap.period, unit=cap.unit)
        )


@strawberry.type(
    name="QuietHours",
    description="Local times in the customer's zone, HH:MM: from start (included) to end "
    "(excluded); start after end crosses midnight (21:00 to 09:00).",
)
class QuietHoursType:
    start: str
    end: str

    @classmethod
    def of(cls, quiet: QuietHours | None) -> QuietHoursType | None:
        return None if quiet is None else cls(start=_clock(quiet.start), end=_clock(quiet.end))


@strawberry.type(description="A channel's limits (MMS counts as SMS).")
class ChannelMessagingLimits:
    channel: ConsentChannelEnum  # type: ignore[valid-type]
    cap: FrequencyCap | None = strawberry.field(description="Null: no cap.")
    quiet_hours: QuietHoursType | None = strawberry.field(
        description="The channel's own quiet hours; null: the program-wide ones apply."
    )
    effective_quiet_hours: QuietHoursType | None = strawberry.field(
        description="The quiet hours its messages keep: its own, else the program-wide ones."
    )


@strawberry.type(
    name="MessagingLimits",
    description="When marketing messages may reach a customer; transactional ones skip these "
    "limits (never consent). A message held back is DEFERRED to its next allowed time, never "
    "dropped.",
)
class MessagingLimitsType:
    default_time_zone: str | None = strawberry.field(
        description="The zone of a customer who has none (null: UTC)."
    )
    quiet_hours: QuietHoursType | None = strawberry.field(
        description="Program-wide quiet hours, for channels without their own (null: none)."
    )
    channels: list[ChannelMessagingLimits] = strawberry.field(
        description="EMAIL and SMS, always both."
    )
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, limits: MessagingLimits) -> MessagingLimitsType:
        return cls(
            default_time_zone=limits.default_time_zone,
            quiet_hours=QuietHoursType.of(limits.quiet_hours),
            channels=[
                ChannelMessagingLimits(
                    channel=c,
                    cap=FrequencyCap.of(limits.cap(c)),
                    quiet_hours=QuietHoursType.of(limits.channel(c).quiet_hours),
                    effective_quiet_hours=QuietHoursType.of(limits.quiet_hours_of(c)),
                )
                for c in LimitChannel
            ],
            updated_at=limits.updated_at,
            updated_by=limits.updated_by,
        )


def _clock(t: time) -> str:
    return t.strftime("%H:%M")


@strawberry.input
class FrequencyCapInput:
    max_messages: int = strawberry.field(description="1 to 1000.")
    period: int = strawberry.field(description="1 to 366 days, or 1 to 8784 hours.")
    unit: FrequencyPeriodUnit  # type: ignore[valid-type]

    def spec(self) -> CapSpec:
        return CapSpec(self.max_messages, self.period, PeriodUnit(self.unit))


@strawberry.input
class QuietHoursInput:
    start: str = strawberry.field(description="HH:MM, 00:00 to 23:59.")
    end: str = strawberry.field(description="HH:MM, not equal to start.")

    def spec(self) -> QuietHoursSpec:
        return QuietHoursSpec(self.start, self.end)


@strawberry.input
class ChannelMessagingLimitsInput:
    channel: ConsentChannelEnum  # type: ignore[valid-type]
    cap: FrequencyCapInput | None = None
    quiet_hours: QuietHoursInput | None = None

    def spec(self) -> ChannelLimitsSpec:
        return ChannelLimitsSpec(
            channel=LimitChannel(self.channel),
            cap=None if self.cap is None else self.cap.spec(),
            quiet_hours=None if self.quiet_hours is None else self.quiet_hours.spec(),
        )


@strawberry.input(
    description="Replaces the limits whole: what is left out is none (a channel not listed "
    "has no cap and keeps the program-wide quiet hours)."
)
class SetMessagingLimitsInput:
    default_time_zone: str | None = strawberry.field(
        default=None, description="IANA, e.g. Europe/Rome; for customers without a zone."
    )
    quiet_hours: QuietHoursInput | None = None
    channels: list[ChannelMessagingLimitsInput] = strawberry.field(
        default_factory=list, description="At most one entry per channel."
    )

    def spec(self) -> LimitsSpec:
        return LimitsSpec(
            default_time_zone=self.default_time_zone,
            quiet_hours=None if self.quiet_hours is None else self.quiet_hours.spec(),
            channels=tuple(c.spec() for c in self.channels),
        )
