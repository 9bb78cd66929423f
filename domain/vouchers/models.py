"""What a voucher gives and when (its terms), and vouchers and batches as handed out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import ErrorCode, Problems
from domain.limits import MAX_MONEY_MINOR, MAX_POINTS_PER_OPERATION
from domain.validation import check_window, optional_text


class VoucherKind(StrEnum):
    FIXED_AMOUNT = "FIXED_AMOUNT"  # value_minor off the cart
    PERCENT = "PERCENT"  # percent_bp basis points of the cart, rounded down
    GIFT_ITEM = "GIFT_ITEM"  # one unit of gift_sku in the cart is free


class VoucherStatus(StrEnum):
    """A code's state now, in this order of precedence (computed in SQL, see queries)."""

    DISABLED = "DISABLED"
    USED_UP = "USED_UP"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    ACTIVE = "ACTIVE"


class VoucherSource(StrEnum):
    BATCH = "BATCH"
    CONVERSION = "CONVERSION"
    REWARD = "REWARD"


MAX_BP = 10_000  # 100%


@dataclass(frozen=True)
class VoucherTerms:
    kind: VoucherKind
    value_minor: int | None = None
    percent_bp: int | None = None
    gift_sku: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    max_uses: int | None = 1
    min_cart_minor: int = 0

    def columns(self) -> dict[str, Any]:
        """The terms as the columns of voucher_batches and vouchers."""
        return {
            "kind": self.kind.value,
            "value_minor": self.value_minor,
            "percent_bp": self.percent_bp,
            "gift_sku": self.gift_sku,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "max_uses": self.max_uses,
            "min_cart_minor": self.min_cart_minor,
        }

    @classmethod
    def of_row(cls, row: Any) -> VoucherTerms:
        return cls(
            kind=VoucherKind(row.kind),
            value_minor=row.value_minor,
            percent_bp=row.percent_bp,
            gift_sku=row.gift_sku,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            max_uses=row.max_uses,
            min_cart_minor=row.min_cart_minor,
        )


@dataclass(frozen=True)
class Voucher:
    id: int
    code: str
    batch_id: int | None
    source: VoucherSource
    terms: VoucherTerms
    uses: int
    status: VoucherStatus
    customer_id: int | None
    assigned_at: datetime | None
    disabled_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class VoucherBatch:
    id: int
    name: str
    prefix: str
    count: int
    code_length: int
    terms: VoucherTerms
    created_at: datetime
    replayed: bool = False


_VALUE_FIELD = {
    VoucherKind.FIXED_AMOUNT: "valueMinor",
    VoucherKind.PERCENT: "percentBp",
    VoucherKind.GIFT_ITEM: "giftSku",
}


def check_value(problems: Problems, terms: VoucherTerms, field_prefix: str = "") -> VoucherTerms:
    """Checks what the voucher gives: the one value its kind needs, and no other."""
    needed = _VALUE_FIELD[terms.kind]
    given = {
        "valueMinor": terms.value_minor,
        "percentBp": terms.percent_bp,
        "giftSku": terms.gift_sku,
    }
    for name, value in given.items():
        if name != needed and value is not None:
            problems.add(
                field_prefix + name, ErrorCode.INVALID, f"Not used by a {terms.kind} voucher."
            )
    field = field_prefix + needed
    sku = None
    if terms.kind is VoucherKind.GIFT_ITEM:
        sku = optional_text(problems, field, terms.gift_sku, 100)
        if sku is None:
            problems.add(field, ErrorCode.REQUIRED, "A GIFT_ITEM voucher needs giftSku.")
    else:
        fixed = terms.kind is VoucherKind.FIXED_AMOUNT
        amount = terms.value_minor if fixed else terms.percent_bp
        if amount is None:
            problems.add(field, ErrorCode.REQUIRED, f"A {terms.kind} voucher needs {needed}.")
        elif not 0 < amount <= (MAX_MONEY_MINOR if fixed else MAX_BP):
            problems.add(
                field,
                ErrorCode.OUT_OF_RANGE,
                "A positive amount in minor units." if fixed else "Basis points, 1 to 10000.",
            )
    return replace(terms, gift_sku=sku)


def check_terms(problems: Problems, terms: VoucherTerms) -> VoucherTerms:
    """Checks a batch's terms: the value, the validity window, the use limit and minimum."""
    clean = check_value(problems, terms)
    check_window(problems, ("validFrom", terms.valid_from), ("validUntil", terms.valid_until))
    if terms.max_uses is not None and not 0 < terms.max_uses <= MAX_POINTS_PER_OPERATION:
        problems.add(
            "maxUses", ErrorCode.OUT_OF_RANGE, "1 (single use) or more; null for unlimited."
        )
    if not 0 <= terms.min_cart_minor <= MAX_MONEY_MINOR:
        problems.add("minCartMinor", ErrorCode.OUT_OF_RANGE, "Zero or more minor units.")
    return clean
