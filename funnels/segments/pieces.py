"""Reading the pieces of a segment filter's JSON (objects of known fields, whole numbers,
comparisons, moments, periods, names), each problem added with its JSON path; what
checking.py and leaves.py build conditions from. Nothing here raises on any input."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from domain.errors import ErrorCode, Problems
from domain.limits import EARLIEST_MOMENT, LATEST_MOMENT, MAX_MONEY_MINOR
from funnels.segments import model as m
from funnels.segments.model import join_path

MAX_LIST = 100  # items of one list (conditions of an all/any, names of an `in`)
MAX_NAME = 100  # a name (segment, category, badge title, shop, locale, key)
MAX_TEXT = 1_000  # a string an attribute is compared with
MAX_NUMBER = 10**15  # the size of a number an attribute is compared with
MAX_DAYS = 365  # birthday inDays / withinDays
MAX_DURATION_DAYS = 100 * 366  # a relative moment goes back at most a century

# Names of saved segments and funnels: what a marketer types in YAML and reads in a URL.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# ISO 8601 durations by designators (PostgreSQL reads the same text as an interval).
DURATION = re.compile(
    r"^P(?!$)(?:(\d{1,5})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,5})D)?"
    r"(?:T(?=\d)(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,8})S)?)?$"
)
LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
PERIOD_KEYS = ("within", "since")


class Reader:
    """Reads pieces of one filter, adding problems under `prefix` (`steps[3].filter`)."""

    def __init__(self, problems: Problems, prefix: str) -> None:
        self.problems = problems
        self.prefix = prefix

    def add(self, path: str, code: ErrorCode, message: str) -> None:
        self.problems.add(join_path(self.prefix, path), code, message)

    def fields(
        self, value: object, here: str, allowed: Sequence[str], example: str
    ) -> dict[str, Any] | None:
        """`value` as an object of only `allowed` keys (others are problems)."""
        if not isinstance(value, dict) or not value:
            self.add(here, ErrorCode.INVALID, f"Expected an object such as {example}.")
            return None
        unknown = [k for k in value if k not in allowed]
        for k in unknown[:10]:
            known = ", ".join(allowed)
            self.add(at(here, k), ErrorCode.INVALID, f"Unknown field; known: {known}.")
        return None if unknown else dict(value)

    def whole(self, value: object, here: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(here, ErrorCode.INVALID, "Expected a whole number.")
            return None
        if not low <= value <= high:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"Expected {low} to {high}.")
            return None
        return value

    def comparison(self, fields: dict[str, Any], here: str) -> m.Comparison | None:
        checks: list[tuple[m.NumberOp, int]] = []
        ok = True
        for op in m.NUMBER_OPS:
            if op in fields:
                bound = self.whole(fields[op], at(here, op), -MAX_MONEY_MINOR, MAX_MONEY_MINOR)
                ok = ok and bound is not None
                checks.append((cast(m.NumberOp, op), bound or 0))
        if not checks:
            self.add(here, ErrorCode.REQUIRED, f"Compare with one of {', '.join(m.NUMBER_OPS)}.")
        return m.Comparison(tuple(checks)) if ok and checks else None

    def moment(self, value: object, here: str) -> m.Moment | None:
        """A duration before now (`P90D`), a date (`2026-01-31`, its midnight UTC) or a time
        with its offset (`2026-01-31T09:00:00+01:00`)."""
        if not isinstance(value, str) or len(value) > 40:
            self.add(here, ErrorCode.INVALID, "Expected a duration (P90D) or a date.")
            return None
        text = value.strip().upper()
        duration = DURATION.match(text)
        if duration:
            y, mo, w, d, h, mi, s = (int(g or 0) for g in duration.groups())
            days = y * 366 + mo * 31 + w * 7 + d + (h * 3600 + mi * 60 + s) / 86400
            if days > MAX_DURATION_DAYS:
                self.add(here, ErrorCode.OUT_OF_RANGE, "At most a hundred years back.")
                return None
            return m.Relative(text)
        try:
            if len(text) == 10:
                at = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            else:
                at = datetime.fromisoformat(value.strip())
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            self.add(
                here,
                ErrorCode.INVALID,
                "Expected an ISO 8601 duration (P90D), a date (2026-01-31) or a time with "
                "its offset (2026-01-31T09:00:00+01:00).",
            )
            return None
        if not EARLIEST_MOMENT <= at < LATEST_MOMENT:
            self.add(here, ErrorCode.OUT_OF_RANGE, "Outside the years 1900 to 9998.")
            return None
        return m.Absolute(at.astimezone(UTC))

    def period(self, fields: dict[str, Any], here: str) -> tuple[bool, m.Moment | None]:
        """The start of a period: `within` (a duration back from now) or `since` (any
        moment); (ok, moment)."""
        given = [k for k in PERIOD_KEYS if k in fields]
        if len(given) > 1:
            self.add(at(here, "since"), ErrorCode.INVALID, 'Give "within" or "since", not both.')
            return False, None
        if not given:
            return True, None
        moment = self.moment(fields[given[0]], at(here, given[0]))
        if given[0] == "within" and isinstance(moment, m.Absolute):
            why = 'Expected a duration (P90D); or use "since".'
            self.add(at(here, "within"), ErrorCode.INVALID, why)
            return False, None
        return moment is not None, moment

    def name(self, value: object, here: str, pattern: re.Pattern[str] | None = None) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.add(here, ErrorCode.INVALID, "Expected a non-empty string.")
            return None
        text = value.strip()
        if len(text) > MAX_NAME:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"At most {MAX_NAME} characters.")
            return None
        if pattern is not None and not pattern.match(text):
            self.add(here, ErrorCode.INVALID, "Letters, digits, '.', '_' and '-' only.")
            return None
        return text

    def names(
        self, value: object, here: str, pattern: re.Pattern[str] | None = None
    ) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.add(here, ErrorCode.INVALID, "Expected a non-empty list of names.")
            return None
        if len(value) > MAX_LIST:
            self.add(here, ErrorCode.OUT_OF_RANGE, f"At most {MAX_LIST} names.")
            return None
        found = [self.name(v, f"{here}[{i}]", pattern) for i, v in enumerate(value)]
        if any(f is None for f in found):
            return None
        return tuple(dict.fromkeys(cast(list[str], found)))


def at(path: str, key: object) -> str:
    text = key if isinstance(key, str) else repr(key)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{path}.{text}" if path else text
