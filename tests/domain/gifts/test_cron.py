"""Cron expressions of gift schedules: what is refused, and which period is due when."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import ErrorCode, Problems
from domain.gifts.cron import check_cron, latest_until, next_after
from domain.gifts.models import GiftSchedule, GiftScheduleSpec

MARCH_1_9AM = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def problems_of(expression: str) -> list[tuple[str | None, ErrorCode, str]]:
    problems = Problems()
    check_cron(problems, "cron", expression)
    return [(p.field, p.code, p.message) for p in problems.items]


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("61 * * * *", "minute field '61'"),
        ("0 24 * * *", "hour field '24'"),
        ("0 9 32 * *", "day of month field '32'"),
        ("0 9 1 13 *", "month field '13'"),
        ("0 9 * * MONDAY", "day of week field 'MONDAY'"),
        ("0 9 * *", "5 fields"),
        ("0 0 9 1 * *", "5 fields"),  # seconds first
        ("0 9 1 * * 2026", "5 fields"),  # a year last
        ("0 0 30 2 *", "never fires"),
        # croniter's and Quartz's extensions are not crontab
        ("0 R * * *", "hour field 'R' is not valid: 'R' (random)"),
        ("H 9 * * *", "minute field 'H' is not valid: 'H' (hashed)"),
        ("H(0-29) 9 * * *", "'H' (hashed)"),
        ("0 9 L * *", "day of month field 'L' is not valid: 'L' (last)"),
        ("0 9 15W * *", "'W' (nearest weekday)"),
        ("0 9 LW * *", "'LW' (last weekday)"),
        ("0 9 * * 5L", "day of week field '5L' is not valid: 'L' (last)"),
        ("0 9 * * 1#2", "'#' (nth weekday)"),
        ("0 9 ? * 1", "'?' (no value)"),
        # crontab's own syntax, misused
        ("0 9 5-1 * *", "day of month field '5-1' is not valid: 5-1 is a reversed range"),
        ("0 9 * * FRI-MON", "FRI-MON is a reversed range"),
        ("5/15 * * * *", "a step follows '*' or a range, e.g. '*/15' or '5-59/15'"),
        ("*/0 * * * *", "the step /0 is not 1 to 60"),
        ("*-5 * * * *", "'*' takes no range"),
        ("1,,2 * * * *", "an empty list item"),
        ("0 9 * * JAN", "'JAN' is not a number or a name"),
        ("0 9 * * 8", "8 is out of range"),
        ("~ 9 * * *", "'~' is not crontab syntax"),
    ],
)
def test_an_invalid_cron_is_refused_naming_the_field_at_fault(expression: str, named: str) -> None:
    ((field, code, message),) = problems_of(expression)
    assert (field, code) == ("cron", ErrorCode.INVALID_CRON)
    assert named in message


@pytest.mark.parametrize(
    "expression",
    [
        "*/15 * * * *",
        "0-30/10 8-18 * * 1-5",
        "0 9 1,15 * *",
        "00 09 * * 7",
        "0 9 * jan-mar mon-fri",
        "0 9 * JUL,AUG Sat,Sun",
        "0 9 * * 5-7",
        "*/60 */24 */31 */12 */8",
    ],
)
def test_standard_crontab_syntax_is_accepted(expression: str) -> None:
    assert problems_of(expression) == []
    assert next_after(expression, MARCH_1_9AM) is not None


def test_an_expression_outside_crontab_saved_before_it_was_refused_never_fires() -> None:
    # croniter would read it, drawing another hour at each evaluation
    assert latest_until("0 R * * *", MARCH_1_9AM) is None
    assert next_after("0 R * * *", MARCH_1_9AM) is None
    stored = schedule(datetime(2026, 1, 1, tzinfo=UTC), None)
    drawn = replace(stored, spec=replace(stored.spec, cron="0 R * * *"))
    assert drawn.due_period(MARCH_1_9AM) is None
    assert drawn.next_run_at(MARCH_1_9AM) is None


def test_a_valid_cron_is_kept_with_its_fields_separated_by_single_spaces() -> None:
    problems = Problems()
    assert check_cron(problems, "cron", "  0  9 1 *   * ") == "0 9 1 * *"
    assert problems.items == []


def test_weekdays_are_read_as_crontab_reads_them_sunday_being_0_and_7() -> None:
    # Given Sunday 1 March 2026, 9:00
    assert MARCH_1_9AM.weekday() == 6
    # Then both 0 and 7 mean Sunday, and 1 Monday
    assert latest_until("0 9 * * 0", MARCH_1_9AM) == MARCH_1_9AM
    assert latest_until("0 9 * * 7", MARCH_1_9AM) == MARCH_1_9AM
    assert next_after("0 9 * * 1", MARCH_1_9AM) == MARCH_1_9AM + timedelta(days=1)


def test_the_latest_period_includes_a_fire_time_exactly_now_and_the_next_is_after_it() -> None:
    monthly = "0 9 1 * *"
    assert latest_until(monthly, MARCH_1_9AM) == MARCH_1_9AM
    assert latest_until(monthly, MARCH_1_9AM - timedelta(microseconds=1)) == datetime(
        2026, 2, 1, 9, 0, tzinfo=UTC
    )
    assert next_after(monthly, MARCH_1_9AM) == datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def schedule(runs_from: datetime, last: datetime | None, active: bool = True) -> GiftSchedule:
    spec = GiftScheduleSpec("Monthly", "0 9 1 * *", 50, "Thank you", active=active)
    return GiftSchedule(1, spec, runs_from, last, runs_from, runs_from)


def test_only_the_latest_period_is_due_and_only_once() -> None:
    # Given a monthly schedule made in January that last paid 1 February
    made = datetime(2026, 1, 15, tzinfo=UTC)
    paid_feb = schedule(made, datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    # When asked on 20 April (March was missed), then only April is due
    april = datetime(2026, 4, 20, tzinfo=UTC)
    assert paid_feb.due_period(april) == datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    # And once April is paid, nothing is due until May, which is its next run
    paid_april = replace(paid_feb, last_period=datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    assert paid_april.due_period(april) is None
    assert paid_april.next_run_at(april) == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_no_period_before_the_schedule_counts_and_an_inactive_one_is_never_due() -> None:
    made = datetime(2026, 3, 15, tzinfo=UTC)
    assert schedule(made, None).due_period(datetime(2026, 3, 20, tzinfo=UTC)) is None
    assert schedule(made, None).next_run_at(made) == datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    paused = schedule(made, None, active=False)
    assert paused.due_period(datetime(2026, 6, 2, tzinfo=UTC)) is None
    assert paused.next_run_at(made) is None
