"""Messaging limits as the program sets them, and what they decide for a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum

from domain.customers.models import ConsentChannel
from notifications.templates.content import Channel

# The channels limits are set for: a customer's consent channels (MMS counts as SMS, as it
# does for consent: one phone, one inbox of texts).
LimitChannel = ConsentChannel


def limit_channel(channel: Channel) -> LimitChannel:
    """The channel whose limits a message's channel falls under (MMS: SMS)."""
    return LimitChannel.EMAIL if channel is Channel.EMAIL else LimitChannel.SMS


class PeriodUnit(StrEnum):
    HOURS = "HOURS"
    DAYS = "DAYS"


# A period from one hour to a leap year.
MAX_PERIOD = {PeriodUnit.HOURS: 366 * 24, PeriodUnit.DAYS: 366}
MAX_CAP_MESSAGES = 1000


@dataclass(frozen=True)
class Cap:
    """At most `max_messages` marketing messages in any `period` `unit` (a sliding window)."""

    max_messages: int
    period: int
    unit: PeriodUnit

    @property
    def window(self) -> timedelta:
        return (
            timedelta(hours=self.period)
            if self.unit is PeriodUnit.HOURS
            else timedelta(days=self.period)
        )


@dataclass(frozen=True)
class QuietHours:
    """From `start` (included) to `end` (excluded), local wall-clock times; start > end
    crosses midnight (21:00-09:00). Never start == end."""

    start: time
    end: time

    def holds(self, local: time) -> bool:
        """Whether a local wall-clock time is inside the quiet hours."""
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True)
class ChannelLimits:
    cap: Cap | None = None
    # None: the program-wide quiet hours apply.
    quiet_hours: QuietHours | None = None


@dataclass(frozen=True)
class MessagingLimits:
    """The program's limits; by default none (no cap, no quiet hours, customers without a
    time zone in UTC)."""

    default_time_zone: str | None = None
    quiet_hours: QuietHours | None = None
    channels: dict[LimitChannel, ChannelLimits] = field(default_factory=dict)
    updated_at: datetime | None = None
    updated_by: str | None = None

    def channel(self, channel: LimitChannel) -> ChannelLimits:
        return self.channels.get(channel, ChannelLimits())

    def cap(self, channel: LimitChannel) -> Cap | None:
        return self.channel(channel).cap

    def quiet_hours_of(self, channel: LimitChannel) -> QuietHours | None:
        """The channel's own quiet hours, else the program-wide ones."""
        return self.channel(channel).quiet_hours or self.quiet_hours

    @property
    def any(self) -> bool:
        """Whether anything can hold a message back."""
        return any(
            self.cap(c) is not None or self.quiet_hours_of(c) is not None for c in LimitChannel
        )


class DeferralReason(StrEnum):
    QUIET_HOURS = "QUIET_HOURS"  # the customer's local time is in the quiet hours
    FREQUENCY_CAP = "FREQUENCY_CAP"  # the customer had their cap of messages on the channel


@dataclass(frozen=True)
class Deferral:
    """A claimed message held back: sent again not before `not_before`."""

    not_before: datetime
    reason: DeferralReason
