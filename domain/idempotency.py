"""Idempotency keys' helpers: what a keyed create returns, and how a replay is compared with
the first call (domain.commands runs the replay itself)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from domain.errors import DomainError, ErrorCode

T = TypeVar("T")


@dataclass(frozen=True)
class Created(Generic[T]):
    """What a keyed create returns: the object, and whether it was made by an earlier call
    with the same key (then this call wrote nothing)."""

    item: T
    replayed: bool = False


def require_same(first: object, asked: object, what: str) -> None:
    """A replayed key must ask for what its first call asked (`first` and `asked` compare
    the parts that matter); otherwise the key was used for `what` else: a conflict."""
    if first != asked:
        raise DomainError.one(
            "idempotencyKey",
            ErrorCode.IDEMPOTENCY_CONFLICT,
            f"This key was already used for a different {what}.",
        )


def request_digest(request: object, added_later: Collection[str] = ()) -> str:
    """A fingerprint of what a keyed create asked for (a dataclass of cleaned settings),
    stored beside its key: a replay must ask the same, even after the object it created has
    been changed since. `added_later`: settings added after keys were first stored, left
    out while None, so that a request that does not use them has the fingerprint it had
    before they existed (a create retried across the upgrade still replays)."""
    fields = dataclasses.asdict(request)  # type: ignore[call-overload]
    for name in added_later:
        if fields[name] is None:
            del fields[name]
    canonical = json.dumps(fields, sort_keys=True, default=_canonical, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: object) -> str:
    # 2, 2.0 and 2.00 ask for the same multiplier.
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)
