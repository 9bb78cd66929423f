"""Adding, changing, removing and listing notice recipients; each write is one command."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest, require_same
from domain.pagination import Page
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text
from notifications.notices.models import (
    Recipient,
    RecipientSpec,
    check_email,
    check_kinds,
    check_recipient,
    check_shop,
    recipient_of,
)
from notifications.notices.tables import notice_recipients

KEY_CONSTRAINT = "uq_notice_recipients_idempotency_key"


async def add_recipient(
    uow: UnitOfWork, spec: RecipientSpec, idempotency_key: str
) -> Created[Recipient]:
    """Add an address that receives notices of the given kinds, about its shop (or, with
    no shop, about every shop); every problem is reported at once. An address is once per
    shop and once program-wide (DUPLICATE on `email`). The same key replayed (also
    concurrently) returns the first recipient (replayed) and writes nothing; with other
    settings it is an IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    clean = check_recipient(problems, spec)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, AddRecipient(clean, key))


def _duplicate(spec: RecipientSpec) -> DomainError:
    where = f"the shop {spec.shop!r}" if spec.shop is not None else "the whole program"
    return DomainError.one(
        "email", ErrorCode.DUPLICATE, f"{spec.email} already receives notices for {where}."
    )


@dataclass(frozen=True)
class AddRecipient(Command[Created[Recipient]]):
    spec: RecipientSpec  # checked
    key: str

    key_constraints = frozenset({KEY_CONSTRAINT})

    async def handle(self, uow: UnitOfWork) -> Created[Recipient]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        # No conflict target: a taken key and a taken address both insert nothing (a
        # concurrent add with the same key waits for the first and then replays it).
        row = (
            await uow.execute(
                insert(notice_recipients)
                .values(
                    shop=self.spec.shop,
                    email=self.spec.email,
                    kinds=list(self.spec.kinds),
                    idempotency_key=self.key,
                    request_digest=request_digest(self.spec),
                )
                .on_conflict_do_nothing()
                .returning(notice_recipients)
            )
        ).one_or_none()
        if row is not None:
            return Created(recipient_of(row))
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        raise _duplicate(self.spec)

    async def replay(self, uow: UnitOfWork) -> Created[Recipient] | None:
        """The recipient first added under the key (as it is now), if any."""
        query = select(notice_recipients).where(notice_recipients.c.idempotency_key == self.key)
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, request_digest(self.spec), "notice recipient")
        return Created(recipient_of(row), replayed=True)


@dataclass(frozen=True)
class RecipientChanges:
    """An edit: what is left None stays as it is; `program_wide` True clears the shop."""

    email: str | None = None
    kinds: tuple[str, ...] | None = None
    shop: str | None = None
    program_wide: bool = False


async def update_recipient(
    uow: UnitOfWork, recipient_id: str, changes: RecipientChanges
) -> Recipient:
    """Change a recipient's address, kinds or shop (the others stay as they are; a shop is
    cleared with `program_wide`), all or nothing. Messages already made keep the address
    they were made for."""
    problems = Problems()
    rid = parse_id(problems, "id", recipient_id)
    email = None if changes.email is None else check_email(problems, "email", changes.email)
    kinds = None if changes.kinds is None else check_kinds(problems, "kinds", changes.kinds)
    shop = None
    if changes.shop is not None:
        shop = check_shop(problems, "shop", changes.shop)
        if shop is None:
            problems.add(
                "shop", ErrorCode.REQUIRED, "Give a shop code, or programWide to clear it."
            )
        elif changes.program_wide:
            problems.add("shop", ErrorCode.INVALID, "Give a shop or programWide, not both.")
    problems.raise_if_any()
    return await run(uow, UpdateRecipient(rid, email, kinds, shop, changes.program_wide))


@dataclass(frozen=True)
class UpdateRecipient(Command[Recipient]):
    """Lock the recipient, apply the checked changes, refuse an address its shop has."""

    recipient_id: int
    email: str | None
    kinds: tuple[str, ...] | None
    shop: str | None
    program_wide: bool

    async def handle(self, uow: UnitOfWork) -> Recipient:
        r = notice_recipients.c
        row = (
            await uow.execute(
                select(notice_recipients).where(r.id == self.recipient_id).with_for_update()
            )
        ).one_or_none()
        if row is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such notice recipient.")
        current = recipient_of(row)
        spec = RecipientSpec(
            email=self.email or current.email,
            kinds=self.kinds or tuple(current.kinds),
            shop=None if self.program_wide else (self.shop or current.shop),
        )
        if await self._taken(uow, spec):
            raise _duplicate(spec)
        try:
            updated = (
                await uow.execute(
                    update(notice_recipients)
                    .where(r.id == self.recipient_id)
                    .values(
                        email=spec.email,
                        kinds=list(spec.kinds),
                        shop=spec.shop,
                        updated_at=func.now(),
                    )
                    .returning(notice_recipients)
                )
            ).one()
        except IntegrityError as error:  # an add of that address committed meanwhile
            raise _duplicate(spec) from error
        return recipient_of(updated)

    async def _taken(self, uow: UnitOfWork, spec: RecipientSpec) -> bool:
        r = notice_recipients.c
        same_shop = r.shop.is_(None) if spec.shop is None else r.shop == spec.shop
        query = select(r.id).where(r.email == spec.email, same_shop, r.id != self.recipient_id)
        return (await uow.execute(query)).first() is not None


async def remove_recipient(uow: UnitOfWork, recipient_id: str) -> int:
    """Remove a recipient (it receives no further notices; those made keep it); its id."""
    problems = Problems()
    rid = parse_id(problems, "id", recipient_id)
    problems.raise_if_any()
    return await run(uow, RemoveRecipient(rid))


@dataclass(frozen=True)
class RemoveRecipient(Command[int]):
    recipient_id: int

    async def handle(self, uow: UnitOfWork) -> int:
        removed = (
            await uow.execute(
                delete(notice_recipients)
                .where(notice_recipients.c.id == self.recipient_id)
                .returning(notice_recipients.c.id)
            )
        ).scalar_one_or_none()
        if removed is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such notice recipient.")
        return int(removed)


async def list_recipients(
    uow: UnitOfWork, limit: int, after_id: int | None = None, shop: str | None = None
) -> Page[Recipient]:
    """Recipients in the order they were added, `limit` at a time after the recipient
    `after_id`; only those of `shop` when given."""
    r = notice_recipients.c
    query = select(notice_recipients).order_by(r.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(r.id > after_id)
    if shop is not None:
        query = query.where(r.shop == shop.strip())
    async with uow:
        rows = await uow.execute(query)
        return Page.from_rows([recipient_of(row) for row in rows], limit)


async def all_recipients(uow: UnitOfWork) -> list[Recipient]:
    """Every recipient (a few per shop), read in the caller's open unit of work."""
    rows = await uow.execute(select(notice_recipients).order_by(notice_recipients.c.id))
    return [recipient_of(row) for row in rows]
