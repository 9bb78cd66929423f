"""Running a keyed write once: the first call writes, every replay of its key reads."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError

from domain.errors import DomainError, ErrorCode
from domain.ledger import posting as post
from domain.uow import UnitOfWork, violated_constraint

T = TypeVar("T")


@dataclass(frozen=True)
class Created(Generic[T]):
    """What a keyed create returns: the object, and whether it was made by an earlier call
    with the same key (then this call wrote nothing)."""

    item: T
    replayed: bool = False


async def run_once(
    uow: UnitOfWork,
    attempt: Callable[[], Awaitable[T]],
    replay: Callable[[], Awaitable[T | None]],
    key_constraints: Collection[str],
) -> T:
    """`attempt()` in one unit of work, committed; it should itself return `replay()` when
    its key was used already.

    When a concurrent call with the same key won the race (a unique violation on one of
    `key_constraints`, or the ledger's idempotency key taken), or the attempt was refused
    because the first call already spent what it needed, the first call's result is read
    back with `replay()` in a new unit of work. `replay()` returns None when the key is
    unused and raises IDEMPOTENCY_CONFLICT when it was used for something else."""
    try:
        async with uow:
            result = await attempt()
            await uow.commit()
            return result
    except post.IdempotencyKeyTaken:
        pass
    except IntegrityError as error:
        if violated_constraint(error) not in key_constraints:
            raise
    except DomainError:
        async with uow:
            found = await replay()
        if found is None:
            raise
        return found
    async with uow:
        replayed = await replay()
    if replayed is None:  # pragma: no cover - the key was taken by a committed write
        raise RuntimeError("idempotency key taken but nothing found under it")
    return replayed


def require_same(first: object, asked: object, what: str) -> None:
    """A replayed key must ask for what its first call asked (`first` and `asked` compare
    the parts that matter); otherwise the key was used for `what` else: a conflict."""
    if first != asked:
        raise DomainError.one(
            "idempotencyKey",
            ErrorCode.IDEMPOTENCY_CONFLICT,
            f"This key was already used for a different {what}.",
        )


def request_digest(request: object) -> str:
    """A fingerprint of what a keyed create asked for (a dataclass of cleaned settings),
    stored beside its key: a replay must ask the same, even after the object it created has
    been changed since."""
    fields = dataclasses.asdict(request)  # type: ignore[call-overload]
    canonical = json.dumps(fields, sort_keys=True, default=_canonical, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: object) -> str:
    # 2, 2.0 and 2.00 ask for the same multiplier.
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)
