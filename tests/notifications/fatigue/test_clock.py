"""Given quiet hours and caps, when the next allowed time of a marketing message is asked at
a given instant, then it follows the customer's wall clock (across midnight, through the
daylight saving changes of their zone) and the cap's sliding window. Pure time arithmetic:
no database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from notifications.fatigue.clock import cap_until, outside_quiet_hours, quiet_until, zone
from notifications.fatigue.models import Cap, PeriodUnit, QuietHours

ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = QuietHours(time(21), time(9))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_rome_at_22_30_in_winter_waits_for_9_local_which_is_8_utc() -> None:
    # Given 21:00-09:00 and a customer in Rome at 22:30 local (21:30 UTC, CET = UTC+1)
    at = utc("2027-01-15T21:30")
    # Then the message waits until 09:00 the next morning, 08:00 UTC
    assert quiet_until(at, NIGHT, ROME) == utc("2027-01-16T08:00")


def test_rome_at_22_30_in_summer_waits_for_9_local_which_is_7_utc() -> None:
    assert quiet_until(utc("2027-07-15T20:30"), NIGHT, ROME) == utc("2027-07-16T07:00")


def test_the_morning_part_of_quiet_hours_ends_the_same_day() -> None:
    # 03:00 in Rome (02:00 UTC): the quiet hours that began last night end at 09:00 today
    assert quiet_until(utc("2027-01-16T02:00"), NIGHT, ROME) == utc("2027-01-16T08:00")


def test_start_is_inside_and_end_is_outside() -> None:
    assert quiet_until(utc("2027-01-15T20:00"), NIGHT, ROME) == utc("2027-01-16T08:00")  # 21:00
    assert quiet_until(utc("2027-01-16T08:00"), NIGHT, ROME) is None  # 09:00
    assert quiet_until(utc("2027-01-15T19:59"), NIGHT, ROME) is None  # 20:59


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(time(12), time(14))
    assert quiet_until(utc("2027-01-15T11:30"), lunch, ROME) == utc("2027-01-15T13:00")
    assert quiet_until(utc("2027-01-15T13:00"), lunch, ROME) is None  # 14:00 local
    assert quiet_until(utc("2027-01-15T22:00"), lunch, ROME) is None


def test_a_night_that_springs_forward_ends_at_9_summer_time() -> None:
    # Given the night of 27-28 March 2027, when Rome moves from UTC+1 to UTC+2 at 02:00
    # When a message is claimed at 22:30 local on the 27th (21:30 UTC)
    # Then it waits until 09:00 on the 28th, which is already summer time: 07:00 UTC
    assert quiet_until(utc("2027-03-27T21:30"), NIGHT, ROME) == utc("2027-03-28T07:00")


def test_a_night_that_falls_back_ends_at_9_winter_time() -> None:
    # The night of 30-31 October 2027, when Rome moves back to UTC+1: 09:00 is 08:00 UTC
    assert quiet_until(utc("2027-10-30T20:30"), NIGHT, ROME) == utc("2027-10-31T08:00")


def test_new_york_changes_on_its_own_dates() -> None:
    # 14 March 2027: New York springs forward (UTC-5 to UTC-4) two weeks before Rome
    assert quiet_until(utc("2027-03-14T03:00"), NIGHT, NEW_YORK) == utc("2027-03-14T13:00")
    assert quiet_until(utc("2027-03-13T03:00"), NIGHT, NEW_YORK) == utc("2027-03-13T14:00")


def test_an_end_in_the_skipped_hour_is_read_after_the_skip_never_before() -> None:
    # Quiet 01:00-02:30 on the 28 March 2027: 02:30 does not exist in Rome that night
    quiet = QuietHours(time(1), time(2, 30))
    at = utc("2027-03-28T00:30")  # 01:30 CET
    until = quiet_until(at, quiet, ROME)
    assert until == utc("2027-03-28T01:30")  # 03:30 CEST: late by the skipped hour at most
    assert until is not None and quiet_until(until, quiet, ROME) is None


def test_an_end_that_happens_twice_is_the_first_one_after_the_instant() -> None:
    # Quiet 00:00-02:30 on 31 October 2027: 02:30 happens at 00:30 and at 01:30 UTC
    quiet = QuietHours(time(0), time(2, 30))
    assert quiet_until(utc("2027-10-31T00:10"), quiet, ROME) == utc("2027-10-31T00:30")
    # 02:10 the second time (01:10 UTC): the wall clock is back in the quiet hours
    assert quiet_until(utc("2027-10-31T01:10"), quiet, ROME) == utc("2027-10-31T01:30")


def test_a_customer_without_a_zone_has_the_programs_default_else_utc() -> None:
    assert zone("Asia/Tokyo", "Europe/Rome") == ZoneInfo("Asia/Tokyo")
    assert zone(None, "Europe/Rome") == ROME
    assert zone(None, None) == ZoneInfo("UTC")
    assert zone("Not/AZone", None) == ZoneInfo("UTC")


WEEK_OF_3 = Cap(3, 7, PeriodUnit.DAYS)
NOW = utc("2027-01-15T12:00")


def test_under_the_cap_a_message_may_go_now() -> None:
    sent = [NOW - timedelta(days=8), NOW - timedelta(days=2), NOW - timedelta(hours=1)]
    assert cap_until(sent, WEEK_OF_3, NOW) is None  # the first left the week


def test_at_the_cap_the_next_waits_until_the_oldest_counted_leaves_the_window() -> None:
    sent = [NOW - timedelta(days=6), NOW - timedelta(days=2), NOW - timedelta(hours=1)]
    assert cap_until(sent, WEEK_OF_3, NOW) == NOW + timedelta(days=1)
    # At that instant the oldest no longer counts: the message may go
    assert cap_until(sent, WEEK_OF_3, NOW + timedelta(days=1)) is None
    assert cap_until(sent, WEEK_OF_3, NOW + timedelta(days=1, seconds=-1)) is not None


def test_a_message_exactly_one_window_old_no_longer_counts() -> None:
    sent = [NOW - timedelta(days=7), NOW - timedelta(days=1), NOW - timedelta(hours=1)]
    assert cap_until(sent, WEEK_OF_3, NOW) is None


def test_over_a_lowered_cap_the_next_waits_for_the_count_to_fall_below_it() -> None:
    # Three sent this week, then the cap lowered to 2: wait for the 2nd newest to leave
    sent = [NOW - timedelta(days=6), NOW - timedelta(days=3), NOW - timedelta(hours=1)]
    assert cap_until(sent, Cap(2, 7, PeriodUnit.DAYS), NOW) == NOW + timedelta(days=4)


def test_a_cap_in_hours() -> None:
    sent = [NOW - timedelta(minutes=90), NOW - timedelta(minutes=10)]
    assert cap_until(sent, Cap(2, 2, PeriodUnit.HOURS), NOW) == NOW + timedelta(minutes=30)


ZONES = [ROME, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata")]


# Instants anywhere in a year, and within a day and a half of the zones' clock changes.
SPRING = ("2027-03-14T07:00", "2027-03-28T01:00", "2027-04-03T15:00")
AUTUMN = ("2027-10-02T15:30", "2027-10-31T01:00", "2027-11-07T06:00")
CHANGES = [utc(t) for t in (*SPRING, *AUTUMN)]
INSTANTS = st.one_of(
    st.datetimes(datetime(2027, 1, 1), datetime(2028, 1, 1)).map(lambda d: d.replace(tzinfo=UTC)),
    st.builds(
        lambda change, offset: change + offset,
        st.sampled_from(CHANGES),
        st.timedeltas(timedelta(hours=-36), timedelta(hours=36)),
    ),
)


@settings(max_examples=600, deadline=None)
@given(
    at=INSTANTS,
    start=st.integers(0, 24 * 60 - 1),
    length=st.integers(1, 24 * 60 - 1),
    tz=st.sampled_from(ZONES),
)
def test_the_next_allowed_time_is_outside_quiet_hours_never_early_and_within_a_day(
    at: datetime, start: int, length: int, tz: ZoneInfo
) -> None:
    end = (start + length) % (24 * 60)
    quiet = QuietHours(time(start // 60, start % 60), time(end // 60, end % 60))
    allowed = outside_quiet_hours(at, quiet, tz)
    # Never before the instant, and outside the quiet hours on the customer's wall clock
    assert allowed >= at
    assert not quiet.holds(allowed.astimezone(tz).time())
    # At most the quiet hours' length later, plus a skipped hour of daylight saving
    assert allowed - at <= timedelta(minutes=length) + timedelta(hours=1)
    # And not later than needed: a minute before, the wall clock was still quiet (but after
    # a skipped hour, where the end is read after the skip)
    if allowed > at:
        before = allowed - timedelta(minutes=1)
        earlier = (allowed - timedelta(hours=2)).astimezone(tz).utcoffset()
        skipped = allowed.astimezone(tz).utcoffset() != earlier
        assert quiet.holds(before.astimezone(tz).time()) or skipped
