"""Whether a voucher applies to a cart and what it takes off: pure integer arithmetic.

The amount a voucher may take off is what is left of the cart after the vouchers already
used on the same order and what points paid on it, so that together they never take off
more than the cart:
FIXED_AMOUNT takes its value, PERCENT its share of that amount (rounded down), GIFT_ITEM
the price of one unit of its SKU (the cheapest line's), each never more than what is left."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from domain.checkout.quote import CartLine
from domain.vouchers.models import MAX_BP, Voucher, VoucherKind, VoucherStatus, VoucherTerms


class VoucherReason(StrEnum):
    """Why a voucher does not apply (machine-readable, in checkVoucher)."""

    NOT_FOUND = "NOT_FOUND"
    DISABLED = "DISABLED"
    USED_UP = "USED_UP"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    ASSIGNED_TO_ANOTHER_CUSTOMER = "ASSIGNED_TO_ANOTHER_CUSTOMER"
    ALREADY_USED_ON_ORDER = "ALREADY_USED_ON_ORDER"
    ORDER_ALREADY_AWARDED = "ORDER_ALREADY_AWARDED"
    BELOW_MIN_CART = "BELOW_MIN_CART"
    GIFT_NOT_IN_CART = "GIFT_NOT_IN_CART"
    NOTHING_TO_DISCOUNT = "NOTHING_TO_DISCOUNT"


@dataclass(frozen=True)
class OrderUse:
    """What vouchers already took off the order being checked out."""

    discount_minor: int = 0
    # Paid, or held to be paid, with points on the order.
    points_minor: int = 0
    voucher_ids: frozenset[int] = frozenset()
    # The order's sale was recorded as paid and earned points on its whole amount.
    awarded: bool = False
    # Units of each SKU already given free by GIFT_ITEM vouchers.
    gift_units: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    discount_minor: int
    reasons: tuple[VoucherReason, ...]

    @property
    def applies(self) -> bool:
        return not self.reasons


def evaluate(
    voucher: Voucher | None,
    cart: list[CartLine],
    customer_id: int | None,
    order: OrderUse | None = None,
) -> Verdict:
    """Whether `voucher` applies to `cart` for this customer (None: nobody known) on an order
    that already used `order`, and its discount (0 when it does not apply)."""
    if voucher is None:
        return Verdict(0, (VoucherReason.NOT_FOUND,))
    used = order or OrderUse()
    reasons: list[VoucherReason] = []
    if voucher.status is not VoucherStatus.ACTIVE:
        reasons.append(VoucherReason(voucher.status.value))
    if voucher.customer_id is not None and voucher.customer_id != customer_id:
        reasons.append(VoucherReason.ASSIGNED_TO_ANOTHER_CUSTOMER)
    if voucher.id in used.voucher_ids:
        reasons.append(VoucherReason.ALREADY_USED_ON_ORDER)
    if used.awarded:
        reasons.append(VoucherReason.ORDER_ALREADY_AWARDED)
    if sum(line.amount_minor for line in cart) < voucher.terms.min_cart_minor:
        reasons.append(VoucherReason.BELOW_MIN_CART)
    terms = voucher.terms
    if terms.kind is VoucherKind.GIFT_ITEM and gift_price(terms, cart, used) is None:
        reasons.append(VoucherReason.GIFT_NOT_IN_CART)
    discount = discount_for(voucher.terms, cart, used)
    if discount == 0 and not reasons:
        reasons.append(VoucherReason.NOTHING_TO_DISCOUNT)
    return Verdict(0, tuple(reasons)) if reasons else Verdict(discount, ())


def discount_for(terms: VoucherTerms, cart: list[CartLine], order: OrderUse) -> int:
    """What the terms take off the cart, in minor units, given what the order already used."""
    total = sum(line.amount_minor for line in cart)
    left = max(0, total - order.discount_minor - order.points_minor)
    if terms.kind is VoucherKind.FIXED_AMOUNT:
        wanted = terms.value_minor or 0
    elif terms.kind is VoucherKind.PERCENT:
        wanted = left * (terms.percent_bp or 0) // MAX_BP
    else:
        wanted = gift_price(terms, cart, order) or 0
    return min(wanted, left)


def gift_price(terms: VoucherTerms, cart: list[CartLine], order: OrderUse) -> int | None:
    """The unit price of the cheapest line of the gift SKU, if a unit is left to give."""
    lines = [line for line in cart if line.sku == terms.gift_sku]
    units = sum(line.quantity for line in lines)
    if units <= order.gift_units.get(terms.gift_sku or "", 0):
        return None
    return min(line.unit_price_minor for line in lines)
