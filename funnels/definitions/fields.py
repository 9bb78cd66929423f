"""Reading a loaded JSON or YAML value field by field, each problem named by its path.

Paths are written as a marketer reads them: `steps[2].points`, `entry.trigger.cron`. A
reader never raises: whatever the input (a list for an object, a float for a count, a NUL
in a name), it adds a problem and returns None, so a parse reports everything at once."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, TypeVar

from domain.errors import ErrorCode, Problems

E = TypeVar("E", bound=StrEnum)


def child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def describe(value: object) -> str:
    """What a value is, for a message (never the value itself: it may be huge)."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}
    if value is None:
        return "null"
    if isinstance(value, int) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), "a value of another kind")


def obj(problems: Problems, path: str, value: object) -> dict[str, Any] | None:
    """The value as an object with text keys; a problem otherwise."""
    if not isinstance(value, dict):
        problems.add(path or None, ErrorCode.INVALID, f"Expected an object, got {describe(value)}.")
        return None
    if not all(isinstance(key, str) for key in value):
        problems.add(path or None, ErrorCode.INVALID, "Every key of an object must be text.")
        return None
    return value


def only_keys(problems: Problems, path: str, value: dict[str, Any], allowed: Iterable[str]) -> None:
    """A problem for each key not in `allowed` (a misspelt `nxt` is refused, not ignored)."""
    known = sorted(allowed)
    for key in value:
        if key not in known:
            problems.add(
                child(path, _printable(key)),
                ErrorCode.INVALID,
                f"Unknown field; expected one of {', '.join(known)}.",
            )


def text(
    problems: Problems, path: str, value: object, max_length: int, *, required: bool = True
) -> str | None:
    """Stripped text of at most `max_length` characters, without control characters."""
    if value is None:
        if required:
            problems.add(path, ErrorCode.REQUIRED, "Required.")
        return None
    if not isinstance(value, str):
        problems.add(path, ErrorCode.INVALID, f"Expected text, got {describe(value)}.")
        return None
    stripped = value.strip()
    if not stripped:
        if required:
            problems.add(path, ErrorCode.REQUIRED, "Required.")
        return None
    if len(stripped) > max_length:
        problems.add(path, ErrorCode.OUT_OF_RANGE, f"At most {max_length} characters.")
        return None
    if any(ord(c) < 32 and c not in "\n\t" for c in stripped):
        problems.add(path, ErrorCode.INVALID, "Control characters are not allowed.")
        return None
    return stripped


def integer(problems: Problems, path: str, value: object, *, required: bool = True) -> int | None:
    """A whole number (true/false and 2.5 are not)."""
    if value is None:
        if required:
            problems.add(path, ErrorCode.REQUIRED, "Required.")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(path, ErrorCode.INVALID, f"Expected a whole number, got {describe(value)}.")
        return None
    return value


def identifier(problems: Problems, path: str, value: object, noun: str) -> int | None:
    """A database id written as text or a number ("12" or 12)."""
    if value is None:
        problems.add(path, ErrorCode.REQUIRED, "Required.")
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**18:
        return value
    written = value.strip() if isinstance(value, str) else ""
    if written.isascii() and written.isdigit() and len(written) <= 18 and int(written) > 0:
        return int(written)
    problems.add(path, ErrorCode.INVALID, f"Expected {noun} id.")
    return None


def boolean(problems: Problems, path: str, value: object) -> bool:
    """true or false; absent is false."""
    if value is None:
        return False
    if not isinstance(value, bool):
        problems.add(path, ErrorCode.INVALID, f"Expected true or false, got {describe(value)}.")
        return False
    return value


def choice(
    problems: Problems, path: str, value: object, kind: type[E], *, required: bool = True
) -> E | None:
    """One of an enumeration's values, spelt exactly."""
    if value is None:
        if required:
            problems.add(path, ErrorCode.REQUIRED, "Required.")
        return None
    names = [member.value for member in kind]
    if isinstance(value, str) and value in names:
        return kind(value)
    problems.add(path, ErrorCode.INVALID, f"Expected one of {', '.join(names)}.")
    return None


def items(
    problems: Problems, path: str, value: object, max_items: int, *, required: bool = True
) -> list[Any] | None:
    """A list of at most `max_items` items."""
    if value is None:
        if required:
            problems.add(path, ErrorCode.REQUIRED, "Required.")
        return None
    if not isinstance(value, list):
        problems.add(path, ErrorCode.INVALID, f"Expected a list, got {describe(value)}.")
        return None
    if len(value) > max_items:
        problems.add(path, ErrorCode.OUT_OF_RANGE, f"At most {max_items} items.")
        return None
    return value


def _printable(key: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in key[:40])
