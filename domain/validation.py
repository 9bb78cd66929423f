"""Input checks shared by services; each adds a problem naming the field at fault."""

from __future__ import annotations

from datetime import datetime

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_NOTE_LENGTH, MAX_POINTS_PER_OPERATION, MAX_TEXT_LENGTH


def parse_id(problems: Problems, field: str, raw: str | int | None) -> int:
    """A database id from an API id string; 0 (and a problem) when it is malformed."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        problems.add(field, ErrorCode.REQUIRED, "An id is required.")
        return 0
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18 or int(text) <= 0:
        problems.add(field, ErrorCode.INVALID, f"{text[:40]!r} is not a valid id.")
        return 0
    return int(text)


def check_points(problems: Problems, field: str, points: int, *, signed: bool) -> None:
    if isinstance(points, bool) or not isinstance(points, int):
        problems.add(field, ErrorCode.INVALID, "Points must be a whole number.")
    elif points == 0:
        problems.add(field, ErrorCode.INVALID, "Points must not be zero.")
    elif not signed and points < 0:
        problems.add(field, ErrorCode.INVALID, "Points must be positive.")
    elif abs(points) > MAX_POINTS_PER_OPERATION:
        problems.add(
            field,
            ErrorCode.OUT_OF_RANGE,
            f"At most {MAX_POINTS_PER_OPERATION} points can move in one operation.",
        )


def required_text(
    problems: Problems, field: str, value: str | None, max_length: int = MAX_TEXT_LENGTH
) -> str:
    """The stripped value; a problem when it is missing, blank or too long."""
    stripped = (value or "").strip()
    if not stripped:
        problems.add(field, ErrorCode.REQUIRED, f"{field} is required.")
    elif len(stripped) > max_length:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {max_length} characters.")
    return stripped


def optional_text(
    problems: Problems, field: str, value: str | None, max_length: int = MAX_TEXT_LENGTH
) -> str | None:
    """The stripped value, None when blank; a problem when too long."""
    if value is None:
        return None
    stripped = value.strip()
    if len(stripped) > max_length:
        problems.add(field, ErrorCode.OUT_OF_RANGE, f"At most {max_length} characters.")
    return stripped or None


def note_text(problems: Problems, field: str, value: str | None) -> str:
    return required_text(problems, field, value, MAX_NOTE_LENGTH)


def check_window(
    problems: Problems,
    start: tuple[str, datetime | None],
    end: tuple[str, datetime | None],
) -> None:
    """A validity window of two optional times (start inclusive, end exclusive): each given
    time must carry its UTC offset, and when both are given the end comes after the start."""
    (start_field, start_at), (end_field, end_at) = start, end
    for field, moment in (start, end):
        if moment is not None and moment.tzinfo is None:
            problems.add(field, ErrorCode.INVALID, "Give a time with its UTC offset.")
    if (
        start_at is not None
        and end_at is not None
        and start_at.tzinfo is not None
        and end_at.tzinfo is not None
        and end_at <= start_at
    ):
        problems.add(end_field, ErrorCode.INVALID, f"{end_field} must come after {start_field}.")
