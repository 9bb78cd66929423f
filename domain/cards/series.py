"""Card series: the kinds of card a shop issues, and how their codes are made (a prefix, a
running number padded to the code's length, and a check digit). The discount settings of a
series are domain.cards.discount_terms' (set by their own mutation)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from domain.cards import repository as repo
from domain.cards.codes import EAN13_LENGTH, MAX_CODE_LENGTH
from domain.cards.models import CardSeries, CardType, CheckDigit
from domain.cards.tables import card_series
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import Created, request_digest, require_same
from domain.uow import UnitOfWork, violated_constraint
from domain.validation import optional_text, parse_id, required_text

MAX_PREFIX_LENGTH = 20
# The series a card code given with a customer (createCustomer's cardCode) is issued in
# when the shop has no active POINTS series: what a card was before there were several.
DEFAULT_SERIES_NAME = "Loyalty card"


@dataclass(frozen=True)
class SeriesSettings:
    """A series' checked settings (its type never changes once created)."""

    name: str
    type: CardType
    prefix: str
    check_digit: CheckDigit
    code_length: int | None
    active: bool = True


def check_settings(problems: Problems, s: SeriesSettings) -> SeriesSettings:
    """The settings with EAN-13's length filled in; problems naming the field at fault:
    a check digit needs a digits-only prefix; EAN-13 codes are 13 digits with the check
    digit; a generated code (code length given) leaves room for at least one digit of
    running number."""
    if s.check_digit is CheckDigit.EAN13 and s.code_length is None:
        s = replace(s, code_length=EAN13_LENGTH)
    if (
        s.check_digit is not CheckDigit.NONE
        and s.prefix
        and not (s.prefix.isascii() and s.prefix.isdigit())
    ):
        problems.add("prefix", ErrorCode.INVALID, "A prefix before a check digit is digits only.")
    if s.check_digit is CheckDigit.EAN13 and s.code_length != EAN13_LENGTH:
        problems.add(
            "codeLength", ErrorCode.INVALID, "An EAN-13 code is 13 digits, check digit included."
        )
    if s.code_length is not None:
        room = s.code_length - len(s.prefix) - (0 if s.check_digit is CheckDigit.NONE else 1)
        if not 1 <= s.code_length <= MAX_CODE_LENGTH:
            problems.add(
                "codeLength",
                ErrorCode.OUT_OF_RANGE,
                f"A code is 1 to {MAX_CODE_LENGTH} characters.",
            )
        elif room < 1:
            problems.add(
                "codeLength",
                ErrorCode.OUT_OF_RANGE,
                "The code length leaves no room for a number after the prefix"
                + (" and the check digit." if s.check_digit is not CheckDigit.NONE else "."),
            )
    return s


def parse_settings(
    problems: Problems,
    name: str | None,
    type: str,
    prefix: str | None,
    check_digit: str,
    code_length: int | None,
    active: bool = True,
) -> SeriesSettings:
    """Checked settings from the API's values (enums given by name)."""
    clean_name = required_text(problems, "name", name, 100)
    clean_prefix = optional_text(problems, "prefix", prefix, MAX_PREFIX_LENGTH) or ""
    if any(not ch.isprintable() for ch in clean_prefix):
        problems.add("prefix", ErrorCode.INVALID, "A prefix has no control characters.")
    settings = SeriesSettings(
        clean_name, CardType(type), clean_prefix, CheckDigit(check_digit), code_length, active
    )
    return check_settings(problems, settings)


async def list_series(uow: UnitOfWork) -> list[CardSeries]:
    """Every series, oldest first."""
    async with uow:
        return await repo.all_series(uow)


async def create_series(
    uow: UnitOfWork, settings: SeriesSettings, *, idempotency_key: str | None = None
) -> Created[CardSeries]:
    """Add a series (name unique: DUPLICATE on name otherwise). Under an idempotency key
    (which the API requires), the same key replayed (also concurrently) returns the first
    series as it is now and writes nothing; with other settings it is an
    IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    key = (
        required_text(problems, "idempotencyKey", idempotency_key)
        if idempotency_key is not None
        else None
    )
    settings = check_settings(problems, settings)
    problems.raise_if_any()
    return await run(uow, CreateSeries(settings, key))


async def add_series(
    uow: UnitOfWork,
    name: str | None,
    type: str,
    prefix: str | None,
    check_digit: str,
    code_length: int | None,
    active: bool = True,
    *,
    idempotency_key: str | None = None,
) -> Created[CardSeries]:
    """create_series from the API's values (enums by name), every problem named at once."""
    problems = Problems()
    settings = parse_settings(problems, name, type, prefix, check_digit, code_length, active)
    problems.raise_if_any()
    return await create_series(uow, settings, idempotency_key=idempotency_key)


def _duplicate_name(error: IntegrityError) -> DomainError:
    if violated_constraint(error) != "uq_card_series_name":
        raise error
    return DomainError.one("name", ErrorCode.DUPLICATE, "A card series with this name exists.")


@dataclass(frozen=True)
class CreateSeries(Command[Created[CardSeries]]):
    """Insert a series; under a key, once."""

    settings: SeriesSettings
    key: str | None

    key_constraints = frozenset({"uq_card_series_idempotency_key"})

    async def handle(self, uow: UnitOfWork) -> Created[CardSeries]:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        s = self.settings
        try:
            new_id = (
                await uow.execute(
                    insert(card_series)
                    .values(
                        name=s.name,
                        type=s.type.value,
                        prefix=s.prefix,
                        check_digit=s.check_digit.value,
                        code_length=s.code_length,
                        active=s.active,
                        idempotency_key=self.key,
                        request_digest=self._digest(),
                    )
                    .returning(card_series.c.id)
                )
            ).scalar_one()
        except IntegrityError as error:
            raise _duplicate_name(error) from error
        found = await repo.series_by_id(uow, new_id)
        assert found is not None
        return Created(found)

    async def replay(self, uow: UnitOfWork) -> Created[CardSeries] | None:
        """The series first created under the key (as it is now), if any."""
        if self.key is None:
            return None
        query = select(card_series.c.id, card_series.c.request_digest).where(
            card_series.c.idempotency_key == self.key
        )
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        require_same(row.request_digest, self._digest(), "card series")
        found = await repo.series_by_id(uow, row.id)
        assert found is not None
        return Created(found, replayed=True)

    def _digest(self) -> str | None:
        return request_digest(self.settings) if self.key is not None else None


async def update_series(
    uow: UnitOfWork,
    series_id: str,
    *,
    name: str | None = None,
    prefix: str | None = None,
    check_digit: str | None = None,
    code_length: int | None = None,
    active: bool | None = None,
) -> CardSeries:
    """Change a series' name, code settings and whether it issues cards (what is not given
    stays); its type stays (cards copied it). Cards already issued keep their codes."""
    problems = Problems()
    sid = parse_id(problems, "id", series_id)
    problems.raise_if_any()
    return await run(uow, UpdateSeries(sid, name, prefix, check_digit, code_length, active))


@dataclass(frozen=True)
class UpdateSeries(Command[CardSeries]):
    """Set a series' settings, checked together with those it keeps, under its row lock."""

    series_id: int
    name: str | None
    prefix: str | None
    check_digit: str | None
    code_length: int | None
    active: bool | None

    async def handle(self, uow: UnitOfWork) -> CardSeries:
        current = await repo.series_by_id(uow, self.series_id, for_update=True)
        if current is None:
            raise DomainError.one("id", ErrorCode.NOT_FOUND, "No such card series.")
        problems = Problems()
        s = parse_settings(
            problems,
            current.name if self.name is None else self.name,
            current.type.value,
            current.prefix if self.prefix is None else self.prefix,
            current.check_digit.value if self.check_digit is None else self.check_digit,
            current.code_length if self.code_length is None else self.code_length,
            current.active if self.active is None else self.active,
        )
        problems.raise_if_any()
        try:
            await uow.execute(
                update(card_series)
                .where(card_series.c.id == self.series_id)
                .values(
                    name=s.name,
                    prefix=s.prefix,
                    check_digit=s.check_digit.value,
                    code_length=s.code_length,
                    active=s.active,
                )
            )
        except IntegrityError as error:
            raise _duplicate_name(error) from error
        found = await repo.series_by_id(uow, self.series_id)
        assert found is not None
        return found


_DEFAULT_SERIES = text("""
    SELECT id FROM card_series WHERE type = 'POINTS' AND active ORDER BY id LIMIT 1
""")
_MAKE_DEFAULT_SERIES = text("""
    INSERT INTO card_series (name, type) VALUES (:name, 'POINTS')
    ON CONFLICT (name) DO NOTHING RETURNING id
""")


async def default_series_id(uow: UnitOfWork) -> int:
    """The series a customer's `cardCode` is issued in: the oldest active POINTS series,
    made (named "Loyalty card") in this unit of work when there is none."""
    found = (await uow.execute(_DEFAULT_SERIES)).scalar_one_or_none()
    if found is None:
        found = (
            await uow.execute(_MAKE_DEFAULT_SERIES, {"name": DEFAULT_SERIES_NAME})
        ).scalar_one_or_none()
    if found is None:  # made meanwhile by a concurrent call, or the name is taken
        found = (await uow.execute(_DEFAULT_SERIES)).scalar_one_or_none()
    if found is None:
        raise DomainError.one(
            "cardCode", ErrorCode.NOT_FOUND, "No active POINTS card series to issue the card in."
        )
    return int(found)
