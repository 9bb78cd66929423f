"""Buying a voucher with points at the program's conversion rate.

`points_per_unit` points buy `value_per_unit_minor` of voucher value. A voucher of value v
costs the fewest points worth at least v: ceil(v * points / value), so the rate never gives
away more than it says (with 100 points = 1.00, a 5.00 voucher costs 500 points; with 3
points = 1 minor unit, a 0.10 voucher costs 30)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.cards.sql import POINTS_PAYABLE
from domain.commands import Command, run
from domain.customers.erased import customer_erased, customer_is_erased
from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import PointsConvertedToVoucher
from domain.idempotency import require_same
from domain.ledger.models import Account
from domain.ledger.queries import entry_by_idempotency_key, get_account
from domain.limits import MAX_MONEY_MINOR, MAX_POINTS_PER_OPERATION
from domain.program import PROGRAM_ID
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text
from domain.vouchers.issuing import (
    ISSUE_KEY_CONSTRAINT,
    MAX_VALIDITY_DAYS,
    issue_voucher,
    issued_under,
    pay_with_points,
    require_spendable,
)
from domain.vouchers.models import Voucher, VoucherKind, VoucherSource, VoucherTerms
from domain.vouchers.tables import voucher_conversion


@dataclass(frozen=True)
class ConversionRate:
    """What a voucher bought with points costs; disabled until a manager configures it."""

    enabled: bool = False
    points_per_unit: int = 100
    value_per_unit_minor: int = 100
    validity_days: int | None = 365
    min_value_minor: int = 100
    max_value_minor: int | None = None

    def points_for(self, value_minor: int) -> int:
        """The fewest points worth at least `value_minor` at this rate."""
        return -(-value_minor * self.points_per_unit // self.value_per_unit_minor)


@dataclass(frozen=True)
class Conversion:
    voucher: Voucher
    points: int
    entry_id: int
    account: Account
    replayed: bool = False


async def rate(uow: UnitOfWork) -> ConversionRate:
    row = (
        await uow.execute(select(voucher_conversion).where(voucher_conversion.c.id == PROGRAM_ID))
    ).one_or_none()
    if row is None:
        return ConversionRate()
    values = row._asdict()
    return ConversionRate(**{k: values[k] for k in ConversionRate.__dataclass_fields__})


async def get_conversion(uow: UnitOfWork) -> ConversionRate:
    async with uow:
        return await rate(uow)


def _check(problems: Problems, r: ConversionRate) -> None:
    if not 0 < r.points_per_unit <= MAX_POINTS_PER_OPERATION:
        problems.add(
            "pointsPerUnit", ErrorCode.OUT_OF_RANGE, f"Between 1 and {MAX_POINTS_PER_OPERATION}."
        )
    if not 0 < r.value_per_unit_minor <= MAX_MONEY_MINOR:
        problems.add("valuePerUnitMinor", ErrorCode.OUT_OF_RANGE, "A positive amount.")
    if r.validity_days is not None and not 0 < r.validity_days <= MAX_VALIDITY_DAYS:
        problems.add("validityDays", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_VALIDITY_DAYS}, or null.")
    if not 0 < r.min_value_minor <= MAX_MONEY_MINOR:
        problems.add("minValueMinor", ErrorCode.OUT_OF_RANGE, "A positive amount.")
    if r.max_value_minor is not None and not r.min_value_minor <= r.max_value_minor <= (
        MAX_MONEY_MINOR
    ):
        problems.add("maxValueMinor", ErrorCode.OUT_OF_RANGE, "At least minValueMinor, or null.")


async def update_conversion(uow: UnitOfWork, changes: dict[str, Any]) -> ConversionRate:
    """Change the conversion settings (fields not given stay as they are), all or nothing;
    the settings as they are then must hold together (every problem reported at once)."""
    return await run(uow, UpdateConversion(changes))


@dataclass(frozen=True)
class UpdateConversion(Command[ConversionRate]):
    """The settings merged with the stored ones, checked together, then written."""

    changes: dict[str, Any]

    async def handle(self, uow: UnitOfWork) -> ConversionRate:
        problems = Problems()
        updated = replace(await rate(uow), **self.changes)
        _check(problems, updated)
        problems.raise_if_any()
        values = {k: getattr(updated, k) for k in ConversionRate.__dataclass_fields__}
        statement = pg_insert(voucher_conversion).values(id=PROGRAM_ID, **values)
        await uow.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))
        return updated


async def convert_points_to_voucher(
    uow: UnitOfWork, customer_id: str, value_minor: int, idempotency_key: str, actor: str
) -> Conversion:
    """Debit the points a voucher of `value_minor` costs and issue it: a single-use
    FIXED_AMOUNT voucher assigned to the customer, valid for the configured days.

    Guarantees: the REDEMPTION entry and the voucher together, or nothing; only spendable
    points pay (never what holds reserve); the same key replayed returns the first voucher
    and writes nothing, the same key for another customer or value is an
    IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    if not 0 < value_minor <= MAX_MONEY_MINOR:
        problems.add("valueMinor", ErrorCode.OUT_OF_RANGE, "A positive amount in minor units.")
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, ConvertPointsToVoucher(cid, value_minor, f"convert:{key}", actor))


@dataclass(frozen=True)
class ConvertPointsToVoucher(Command[Conversion]):
    """The key's check, the customer not erased (an erased customer spends nothing), the
    rate and the account read, then the voucher issued and its price debited under the
    same key, with the PointsConvertedToVoucher event."""

    customer_id: int
    value_minor: int
    issue_key: str  # the voucher's and the debit's key
    actor: str

    key_constraints = (ISSUE_KEY_CONSTRAINT,)

    async def handle(self, uow: UnitOfWork) -> Conversion:
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        cid, value_minor = self.customer_id, self.value_minor
        if await customer_is_erased(uow, cid):
            raise customer_erased()
        current = await rate(uow)
        points = _price(current, value_minor)
        payable = (await uow.execute(_POINTS_PAYABLE, {"cid": cid})).scalar_one()
        account = await get_account(uow, cid)
        require_spendable(account, points, "valueMinor", pays_orders=payable)
        voucher = await issue_voucher(
            uow,
            VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=value_minor),
            cid,
            VoucherSource.CONVERSION,
            self.issue_key,
            current.validity_days,
        )
        posted = await pay_with_points(
            uow,
            cid,
            points,
            actor=self.actor,
            source=("voucher", str(voucher.id)),
            key=self.issue_key,
            field="valueMinor",
        )
        uow.record(
            PointsConvertedToVoucher(
                customer_id=cid,
                voucher_id=voucher.id,
                entry_id=posted.entry_id,
                points=points,
                value_minor=value_minor,
            )
        )
        return Conversion(voucher, points, posted.entry_id, posted.account(cid))

    async def replay(self, uow: UnitOfWork) -> Conversion | None:
        voucher = await issued_under(uow, self.issue_key)
        if voucher is None:
            return None
        asked = (self.customer_id, self.value_minor)
        require_same((voucher.customer_id, voucher.terms.value_minor), asked, "conversion")
        entry = await entry_by_idempotency_key(uow, self.issue_key)
        account = await get_account(uow, self.customer_id)
        assert entry is not None and account is not None
        return Conversion(voucher, -entry.points, entry.id, account, replayed=True)


# A voucher pays at the till, so a customer whose only cards are PRIZE cards cannot buy one.
_POINTS_PAYABLE = text(f"SELECT {POINTS_PAYABLE}")


def _price(r: ConversionRate, value_minor: int) -> int:
    """The points a voucher of this value costs; refused when conversion is off or the
    value is outside the configured range."""
    if not r.enabled:
        raise DomainError.one(
            None, ErrorCode.CONVERSION_DISABLED, "Points cannot be converted into vouchers."
        )
    if value_minor < r.min_value_minor or (
        r.max_value_minor is not None and value_minor > r.max_value_minor
    ):
        top = "" if r.max_value_minor is None else f" to {r.max_value_minor}"
        raise DomainError.one(
            "valueMinor",
            ErrorCode.OUT_OF_RANGE,
            f"A voucher bought with points is worth {r.min_value_minor}{top} minor units.",
        )
    points = r.points_for(value_minor)
    if points > MAX_POINTS_PER_OPERATION:
        raise DomainError.one("valueMinor", ErrorCode.OUT_OF_RANGE, "This voucher is too large.")
    return points
