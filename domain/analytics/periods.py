"""The periods BI reports cover: both bounds required, half-open, at most MAX_DAYS long."""

from __future__ import annotations

from datetime import datetime

from domain.errors import ErrorCode, Problems
from domain.reports.periods import Period, check_period

MAX_DAYS = 3_700  # ten years and a bit: cohorts by month over a decade


def check_bounded(
    problems: Problems, period: Period, prefix: str = ""
) -> tuple[datetime, datetime]:
    """(since, until), naive times as UTC; REQUIRED for a missing bound, OUT_OF_RANGE for
    a period longer than MAX_DAYS, INVALID when until is not after since."""
    clean = check_period(problems, period, prefix)
    for name, value in (("since", clean.since), ("until", clean.until)):
        if value is None:
            problems.add(f"{prefix}{name}", ErrorCode.REQUIRED, f"The report needs {name}.")
    if clean.since is None or clean.until is None:
        return datetime.min, datetime.min
    if (clean.until - clean.since).days > MAX_DAYS:
        problems.add(f"{prefix}until", ErrorCode.OUT_OF_RANGE, f"At most {MAX_DAYS} days.")
    return clean.since, clean.until
