"""Commands: the one way a write reaches the database, and how a retried write is answered.

A write service checks its input, builds a command (a small frozen dataclass of checked
values) and hands it to `run`. There are two kinds:

- `Command`: `handle(uow)` runs in one unit of work, one transaction, committed when it
  returns; the events it recorded are written just before the commit.
- `OneStatementCommand`: the hot paths' fast path, for a write whose whole work is one
  self-contained statement (its events written by the statement itself). `handle(db)` runs
  on a `OneStatement` connection in autocommit mode, which saves the BEGIN and COMMIT round
  trips. It may return a `Command` instead of a result when the statement found that the
  work needs a transaction after all (an order reported again).

Idempotent replay is decided here, once for every write. A command with an idempotency key
implements `replay(uow)`: the result of the earlier call under its key, None when the key is
unused, IDEMPOTENCY_CONFLICT when the key was used for something else. When `handle` fails
because the key is taken (the ledger's key, or one of the command's `key_constraints`: a
concurrent call with the same key committed first), or with a DomainError (the first call
already spent what a retry would need), the first call's result is read back with `replay`
in a new unit of work. `handle` itself should return `replay(uow)` when it finds its key used
before it writes (after taking whatever lock serialises calls with the same key)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from typing import ClassVar, Generic, TypeVar

from sqlalchemy.exc import IntegrityError

from domain.errors import DomainError, IdempotencyKeyTaken
from domain.uow import OneStatement, UnitOfWork, violated_constraint

T = TypeVar("T")


class Command(ABC, Generic[T]):
    """A write run in one transaction (see the module's docstring)."""

    # Unique constraints whose violation means a call with the same key committed first.
    key_constraints: ClassVar[Collection[str]] = ()
    # Whether a refusal may hide a replay: `handle` can refuse before it sees its key (a
    # debit's balance check runs before the key's unique index). A command that checks its
    # key first, under the lock that serialises calls with that key, sets it False: its
    # refusals are answered without reading the key again.
    replay_on_refusal: ClassVar[bool] = True

    @abstractmethod
    async def handle(self, uow: UnitOfWork) -> T:
        """Do the work in the open unit of work; raise DomainError to write nothing."""

    async def replay(self, uow: UnitOfWork) -> T | None:
        """The result of the earlier call under this command's key (None: no such call, or
        the command has no key)."""
        return None


class OneStatementCommand(ABC, Generic[T]):
    """A write whose whole work is one self-contained statement (see the module's
    docstring)."""

    key_constraints: ClassVar[Collection[str]] = ()
    replay_on_refusal: ClassVar[bool] = True  # as Command.replay_on_refusal

    @abstractmethod
    async def handle(self, db: OneStatement) -> T | Command[T]:
        """Run the statement; or return the transactional command that does the work."""

    async def replay(self, uow: UnitOfWork) -> T | None:
        """As Command.replay."""
        return None


async def run(uow: UnitOfWork, command: Command[T] | OneStatementCommand[T]) -> T:
    """Run a write: in one transaction (or one statement), committed whole or not at all; a
    call whose key was used before answers with the first call's result (see the module's
    docstring). `uow` must not be open: this is where write transactions begin and end."""
    if isinstance(command, OneStatementCommand):
        try:
            async with OneStatement(uow.engine) as db:
                outcome = await command.handle(db)
        except (IdempotencyKeyTaken, IntegrityError, DomainError) as error:
            return await _replay_after(uow, command, error)
        if not isinstance(outcome, Command):
            return outcome
        command = outcome
    try:
        async with uow:
            result = await command.handle(uow)
            await uow.commit()
            return result
    except (IdempotencyKeyTaken, IntegrityError, DomainError) as error:
        return await _replay_after(uow, command, error)


async def _replay_after(
    uow: UnitOfWork,
    command: Command[T] | OneStatementCommand[T],
    error: IdempotencyKeyTaken | IntegrityError | DomainError,
) -> T:
    if isinstance(error, IntegrityError) and violated_constraint(error) not in (
        command.key_constraints
    ):
        raise error
    if isinstance(error, DomainError) and not command.replay_on_refusal:
        raise error
    found = None
    if _replays(command):
        async with uow:
            found = await command.replay(uow)
    if found is not None:
        return found
    if isinstance(error, DomainError):
        raise error
    # A key's unique violation means a committed write holds it, so replay must find it.
    raise RuntimeError(f"{type(command).__name__}: key taken but nothing found") from error


def _replays(command: Command[T] | OneStatementCommand[T]) -> bool:
    """Whether the command has a key to replay (a command without one skips the read)."""
    return type(command).replay not in (Command.replay, OneStatementCommand.replay)
