"""Badges as the program defines them, and the checks on what a manager sets."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from domain.errors import ErrorCode, Problems
from domain.limits import BALANCE_CEILING, MAX_NOTE_LENGTH
from domain.validation import optional_text, required_text

MAX_URL_LENGTH = 2_000


class BadgeBasis(StrEnum):
    """Which points a badge's range is measured against."""

    BALANCE = "BALANCE"  # the current balance (held points included)
    LIFETIME = "LIFETIME"  # lifetime earned points (net of refunds), which rarely fall


class BadgeCause(StrEnum):
    """Why a customer unlocked or lost a badge."""

    POINTS = "POINTS"  # their points moved
    BADGE = "BADGE"  # the badge was created or changed


@dataclass(frozen=True)
class BadgeSpec:
    """What a manager sets on a badge: it is held while min_points <= points <= max_points
    (both inclusive; max_points None: no top), points being the customer's `basis`."""

    title: str
    min_points: int
    max_points: int | None = None
    basis: BadgeBasis = BadgeBasis.BALANCE
    description: str | None = None
    icon_url: str | None = None
    active: bool = True

    def columns(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "icon_url": self.icon_url,
            "basis": self.basis.value,
            "min_points": self.min_points,
            "max_points": self.max_points,
            "active": self.active,
        }

    def covers(self, points: int) -> bool:
        return self.min_points <= points and (self.max_points is None or points <= self.max_points)

    def overlaps(self, other: BadgeSpec) -> bool:
        """Whether some points value would unlock both (same basis, both ranges inclusive)."""
        top = self.max_points if self.max_points is not None else BALANCE_CEILING + 1
        other_top = other.max_points if other.max_points is not None else BALANCE_CEILING + 1
        return (
            self.basis == other.basis and self.min_points <= other_top and other.min_points <= top
        )


@dataclass(frozen=True)
class Badge:
    id: int
    spec: BadgeSpec
    created_at: datetime
    updated_at: datetime


def badge_of(row: Any) -> Badge:
    spec = BadgeSpec(
        title=row.title,
        min_points=row.min_points,
        max_points=row.max_points,
        basis=BadgeBasis(row.basis),
        description=row.description,
        icon_url=row.icon_url,
        active=row.active,
    )
    return Badge(row.id, spec, row.created_at, row.updated_at)


def check_spec(problems: Problems, spec: BadgeSpec) -> BadgeSpec:
    """Every problem of a badge's settings at once (overlaps with other badges aside: the
    service checks those under its lock); the cleaned settings."""
    title = required_text(problems, "title", spec.title)
    description = optional_text(problems, "description", spec.description, MAX_NOTE_LENGTH)
    icon_url = check_icon_url(problems, "iconUrl", spec.icon_url)
    if not 0 <= spec.min_points <= BALANCE_CEILING:
        problems.add("minPoints", ErrorCode.OUT_OF_RANGE, f"0 to {BALANCE_CEILING} points.")
    elif spec.max_points is not None and not spec.min_points < spec.max_points <= BALANCE_CEILING:
        problems.add(
            "maxPoints",
            ErrorCode.OUT_OF_RANGE,
            f"Above minPoints ({spec.min_points}) and at most {BALANCE_CEILING}; null for no top.",
        )
    return replace(spec, title=title, description=description, icon_url=icon_url)


def check_icon_url(problems: Problems, field: str, value: str | None) -> str | None:
    """An absolute http(s) URL, or None."""
    url = optional_text(problems, field, value, MAX_URL_LENGTH)
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:  # e.g. a malformed IPv6 host or port
        valid = False
    if not valid or any(ch.isspace() for ch in url):
        problems.add(field, ErrorCode.INVALID, "An absolute http:// or https:// URL.")
    return url
