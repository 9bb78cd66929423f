"""Notice kinds, recipients and settings as staff set them, the checks on what is set, and
which recipients a notice goes to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_POINTS_PER_OPERATION
from domain.validation import email_address, optional_text

DEFAULT_LARGE_ADJUSTMENT_POINTS = 1_000
MAX_SHOP_LENGTH = 100


class NoticeKind(StrEnum):
    PROMOTION_STARTED = "PROMOTION_STARTED"  # a promotion's window opened
    LARGE_ADJUSTMENT = "LARGE_ADJUSTMENT"  # a manual credit or debit at or above the threshold
    GIFT_RUN_FINISHED = "GIFT_RUN_FINISHED"  # a gift schedule paid a period
    EXPIRY_RUN_FINISHED = "EXPIRY_RUN_FINISHED"  # the expiry job expired points
    FUNNEL_STEP = "FUNNEL_STEP"  # a customer reached a funnel's notifyStaff step
    WEBHOOK_DISABLED = "WEBHOOK_DISABLED"  # a run of failures disabled a webhook subscription


@dataclass(frozen=True)
class RecipientSpec:
    """What staff set: an address, the kinds it receives, and its shop (None: the whole
    program, every shop)."""

    email: str
    kinds: tuple[str, ...]
    shop: str | None = None


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    kinds: tuple[NoticeKind, ...]
    shop: str | None
    created_at: datetime
    updated_at: datetime

    def receives(self, kind: NoticeKind, scope: Scope) -> bool:
        return kind in self.kinds and (
            scope.every_shop or self.shop is None or self.shop == scope.shop
        )


@dataclass(frozen=True)
class Scope:
    """Whom of a kind's recipients a notice goes to. `every_shop`: all of them (a promotion,
    a gift run and an expiry run concern every shop). Otherwise the recipients of `shop` and
    the program-wide ones (None: a manual adjustment made at no shop, by head office: the
    program-wide recipients only)."""

    every_shop: bool
    shop: str | None = None


EVERY_SHOP = Scope(every_shop=True)


@dataclass(frozen=True)
class NoticeSettings:
    large_adjustment_points: int
    actor: str | None  # who set it last (None: never set, the default)
    updated_at: datetime | None


def recipient_of(row: Any) -> Recipient:
    return Recipient(
        id=row.id,
        email=row.email,
        kinds=tuple(NoticeKind(kind) for kind in row.kinds),
        shop=row.shop,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# The WHATWG "valid e-mail address" (what a browser's type=email accepts), with a dot in the
# domain: no spaces, commas, quotes or angle brackets, so an address is one recipient and
# cannot add a header.


def check_email(problems: Problems, field: str, raw: str) -> str:
    """The address, trimmed and in lower case; INVALID when it is not one address."""
    email = (raw or "").strip().lower()
    if not email:
        problems.add(field, ErrorCode.REQUIRED, "An email address is required.")
    else:
        email = email_address(problems, field, email) or email
    return email


def check_kinds(problems: Problems, field: str, raw: Sequence[str]) -> tuple[str, ...]:
    """The kinds, each known, once each, in the order of NoticeKind; at least one."""
    known = [kind.value for kind in NoticeKind]
    for index, kind in enumerate(raw):
        if kind not in known:
            problems.add(
                f"{field}.{index}",
                ErrorCode.INVALID,
                f"{str(kind)[:40]!r} is not a notice kind: one of {', '.join(known)}.",
            )
    if not raw:
        problems.add(field, ErrorCode.REQUIRED, "At least one notice kind.")
    return tuple(kind.value for kind in NoticeKind if kind.value in raw)


def check_shop(problems: Problems, field: str, raw: str | None) -> str | None:
    """A shop code (trimmed) as purchases use; None or blank: the whole program."""
    return optional_text(problems, field, raw, MAX_SHOP_LENGTH)


def check_recipient(problems: Problems, spec: RecipientSpec) -> RecipientSpec:
    """Every problem of a recipient's settings at once; the cleaned settings."""
    return RecipientSpec(
        email=check_email(problems, "email", spec.email),
        kinds=check_kinds(problems, "kinds", spec.kinds),
        shop=check_shop(problems, "shop", spec.shop),
    )


def check_threshold(problems: Problems, field: str, points: int) -> int:
    if isinstance(points, bool) or not isinstance(points, int):
        problems.add(field, ErrorCode.INVALID, "Points must be a whole number.")
    elif points <= 0:
        problems.add(field, ErrorCode.OUT_OF_RANGE, "The threshold is at least 1 point.")
    elif points > MAX_POINTS_PER_OPERATION:
        problems.add(
            field,
            ErrorCode.OUT_OF_RANGE,
            f"At most {MAX_POINTS_PER_OPERATION:,} points (the most one adjustment can move).",
        )
    return points
