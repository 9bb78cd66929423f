"""Issuing cards: a code given (checked against the series' check digit) or the series' next
number, allocated under the series' row lock so that concurrent issues never share one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from domain.cards import repository as repo
from domain.cards.codes import check_code, clean_code, generated_code
from domain.cards.models import Card, CheckDigit
from domain.cards.series import default_series_id
from domain.cards.status import lock_customer_cards
from domain.cards.tables import cards
from domain.commands import Command, run
from domain.customers.erased import customer_erased, customer_is_erased
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import CardIssued
from domain.idempotency import Created, request_digest, require_same
from domain.uow import UnitOfWork, violated_constraint
from domain.validation import parse_id, required_text

# Codes tried in a row when generated numbers hit codes given by hand.
_MAX_SKIPS = 100


@dataclass(frozen=True)
class IssueRequest:
    """What an issue asked for (its digest is kept beside its key)."""

    customer_id: int
    series_id: int | None  # None: the default POINTS series
    code: str | None  # None: the series' next number
    primary: bool


async def issue_card(
    uow: UnitOfWork,
    customer_id: str,
    series_id: str | None,
    code: str | None,
    *,
    primary: bool = False,
    idempotency_key: str | None = None,
) -> Created[Card]:
    """Issue an ACTIVE card of a series (the default POINTS series when none is given) to a
    customer: with the code given (checked against the series' check digit, unique among
    cards, never a replaced card's) or the series' next code. It becomes the customer's
    primary card when asked or when the customer has none. Under an idempotency key (which
    the API requires) a replay returns the first card and writes nothing."""
    problems = Problems()
    key = (
        required_text(problems, "idempotencyKey", idempotency_key)
        if idempotency_key is not None
        else None
    )
    cid = parse_id(problems, "customerId", customer_id)
    sid = parse_id(problems, "seriesId", series_id) if series_id is not None else None
    clean = clean_code(problems, "code", code) if code is not None else None
    problems.raise_if_any()
    return await run(uow, IssueCard(IssueRequest(cid, sid, clean, primary), key))


@dataclass(frozen=True)
class IssueCard(Command[Created[Card]]):
    """Insert the card (under a key, once)."""

    request: IssueRequest
    key: str | None

    key_constraints = frozenset({"uq_cards_idempotency_key"})

    async def handle(self, uow: UnitOfWork) -> Created[Card]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        r = self.request
        card = await issue(
            uow,
            r.customer_id,
            r.series_id,
            r.code,
            primary=r.primary,
            key=self.key,
            digest=request_digest(r) if self.key is not None else None,
        )
        return Created(card)

    async def replay(self, uow: UnitOfWork) -> Created[Card] | None:
        """The card first issued under the key (as it is now), if any."""
        return await replay_card(uow, self.key, request_digest(self.request), "card issue")


async def replay_card(
    uow: UnitOfWork, key: str | None, digest: str, what: str
) -> Created[Card] | None:
    """The card written under `key` (as it is now), if any; a conflict when its request
    differed."""
    if key is None:
        return None
    row = (
        await uow.execute(
            select(cards.c.id, cards.c.request_digest).where(cards.c.idempotency_key == key)
        )
    ).one_or_none()
    if row is None:
        return None
    require_same(row.request_digest, digest, what)
    card = await repo.card_by_id(uow, row.id)
    assert card is not None
    return Created(card, replayed=True)


async def issue(
    uow: UnitOfWork,
    customer_id: int,
    series_id: int | None,
    code: str | None,
    *,
    primary: bool = False,
    key: str | None = None,
    digest: str | None = None,
    field: str = "code",
) -> Card:
    """Issue a card in the open unit of work (see issue_card); refusals name `field` for
    the code and seriesId / customerId for the others (an erased customer gets no card).
    The customer's cards are locked first: whether it is their first card, so primary, is
    read under the lock, and an erasure committed meanwhile is seen."""
    await lock_customer_cards(uow, customer_id)
    if await customer_is_erased(uow, customer_id):
        raise customer_erased()  # a code would identify them at the till again
    sid = series_id if series_id is not None else await default_series_id(uow)
    series = await repo.series_by_id(uow, sid, for_update=code is None)
    if series is None:
        raise DomainError.one("seriesId", ErrorCode.NOT_FOUND, "No such card series.")
    if not series.active:
        raise DomainError.one("seriesId", ErrorCode.INVALID, f"{series.name} issues no cards.")
    if code is None:
        code = await next_code(uow, series.id, field)
    else:
        problems = Problems()
        check_code(problems, field, code, series.check_digit, series.code_length)
        problems.raise_if_any()
        await require_unused(uow, code, field)
    has_primary = await _has_primary(uow, customer_id)
    if primary and has_primary:
        await uow.execute(
            update(cards)
            .where(cards.c.customer_id == customer_id, cards.c.is_primary)
            .values(is_primary=False)
        )
    values = {
        "customer_id": customer_id,
        "series_id": series.id,
        "code": code,
        "type": series.type.value,
        "is_primary": primary or not has_primary,
        "idempotency_key": key,
        "request_digest": digest,
    }
    new_id = await insert_card(uow, values, field)
    card = await repo.card_by_id(uow, new_id)
    assert card is not None
    uow.record(issued(card))
    return card


def issued(card: Card, replaces: str | None = None) -> CardIssued:
    """The event of `card` being given to its customer."""
    return CardIssued(
        customer_id=card.customer_id,
        card_id=card.id,
        code=card.code,
        card_type=card.type.value,
        series_id=card.series_id,
        primary=card.is_primary,
        replaces_code=replaces,
    )


async def insert_card(uow: UnitOfWork, values: dict[str, object], field: str) -> int:
    """Insert a card row; a taken code is DUPLICATE on `field`, an unknown customer
    NOT_FOUND on customerId."""
    try:
        return int(
            (await uow.execute(insert(cards).values(**values).returning(cards.c.id))).scalar_one()
        )
    except IntegrityError as error:
        name = violated_constraint(error)
        if name == "ux_cards_live_code":
            raise DomainError.one(
                field, ErrorCode.DUPLICATE, "Another card has this code."
            ) from error
        if name == "fk_cards_customer_id_customers":
            raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.") from error
        raise


async def require_unused(uow: UnitOfWork, code: str, field: str) -> None:
    """DUPLICATE on `field` when a card (live or replaced: a replaced card's code is dead
    for good) has this code."""
    if await _code_used(uow, code):
        raise DomainError.one(field, ErrorCode.DUPLICATE, "Another card has (or had) this code.")


async def _code_used(uow: UnitOfWork, code: str) -> bool:
    return bool((await uow.execute(select(exists().where(cards.c.code == code)))).scalar())


async def _has_primary(uow: UnitOfWork, customer_id: int) -> bool:
    query = select(exists().where(cards.c.customer_id == customer_id, cards.c.is_primary))
    return bool((await uow.execute(query)).scalar())


# Takes the series' row lock until the transaction ends: concurrent issues in one series
# queue here, each leaving with its own number.
_ALLOCATE = text("""
    UPDATE card_series SET next_number = next_number + 1
     WHERE id = :series_id
    RETURNING next_number - 1 AS number, prefix, check_digit, code_length
""")


async def next_code(uow: UnitOfWork, series_id: int, field: str) -> str:
    """The series' next unused code, its number taken from the series (atomically)."""
    for _ in range(_MAX_SKIPS):
        row = (await uow.execute(_ALLOCATE, {"series_id": series_id})).one()
        if row.code_length is None:
            raise DomainError.one(
                field, ErrorCode.REQUIRED, "This series has no code length: give the code."
            )
        code = generated_code(row.prefix, row.code_length, CheckDigit(row.check_digit), row.number)
        if code is None:
            raise DomainError.one(
                "seriesId",
                ErrorCode.CARD_SERIES_FULL,
                "The series has used every number its code length allows.",
            )
        if not await _code_used(uow, code):
            return code
    raise DomainError.one(field, ErrorCode.DUPLICATE, "The series' next codes are all taken.")
