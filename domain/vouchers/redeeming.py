"""Checking a voucher against a cart, and redeeming it at checkout: every use is counted by a
conditional UPDATE of the code, so a code is never used beyond its limit, whatever the
number of tills trying at once."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import insert, or_, select, update

from domain.checkout.orders import lock_order, order_payments
from domain.checkout.quote import CartLine
from domain.checkout.services import check_cart
from domain.commands import Command, run
from domain.customers.erased import customer_erased, customer_is_erased
from domain.customers.repository import customer_exists
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.events.types import VoucherRedeemed
from domain.idempotency import request_digest, require_same
from domain.uow import UnitOfWork
from domain.validation import parse_id, required_text
from domain.vouchers.codes import check_code
from domain.vouchers.discounts import OrderUse, Verdict, VoucherReason, evaluate
from domain.vouchers.models import Voucher, VoucherKind, VoucherStatus
from domain.vouchers.queries import (
    VoucherUse,
    status_expression,
    use_columns,
    voucher_by_code,
    voucher_columns,
    voucher_of,
)
from domain.vouchers.tables import voucher_redemptions, vouchers

KEY_CONSTRAINT = "uq_voucher_redemptions_idempotency_key"


@dataclass(frozen=True)
class VoucherUseRequest:
    """A code typed at a till, the cart, and (optionally) who buys and which order."""

    code: str
    cart: list[CartLine]
    customer_id: str | None = None
    shop: str = "default"
    order_id: str | None = None


@dataclass(frozen=True)
class VoucherCheck:
    code: str
    voucher: Voucher | None
    verdict: Verdict


@dataclass(frozen=True)
class RedeemedVoucher:
    use: VoucherUse
    voucher: Voucher
    replayed: bool = False


@dataclass(frozen=True)
class _Request:
    code: str
    cart: list[CartLine]
    customer_id: int | None
    shop: str
    order_id: str | None


# How each reason refuses a redemption: the input at fault, the code, the message.
_REFUSALS: dict[VoucherReason, tuple[str, ErrorCode, str]] = {
    VoucherReason.NOT_FOUND: ("code", ErrorCode.NOT_FOUND, "No voucher has this code."),
    VoucherReason.DISABLED: ("code", ErrorCode.VOUCHER_DISABLED, "This voucher is disabled."),
    VoucherReason.USED_UP: (
        "code",
        ErrorCode.VOUCHER_USED_UP,
        "This voucher has been used as many times as it may be.",
    ),
    VoucherReason.EXPIRED: ("code", ErrorCode.VOUCHER_EXPIRED, "This voucher has expired."),
    VoucherReason.NOT_YET_VALID: (
        "code",
        ErrorCode.VOUCHER_NOT_YET_VALID,
        "This voucher is not valid yet.",
    ),
    VoucherReason.ASSIGNED_TO_ANOTHER_CUSTOMER: (
        "customerId",
        ErrorCode.VOUCHER_ASSIGNED_TO_ANOTHER_CUSTOMER,
        "This voucher is assigned to a customer; only they may use it.",
    ),
    VoucherReason.ALREADY_USED_ON_ORDER: (
        "orderId",
        ErrorCode.VOUCHER_NOT_APPLICABLE,
        "This voucher is already used on this order.",
    ),
    VoucherReason.ORDER_ALREADY_AWARDED: (
        "orderId",
        ErrorCode.ORDER_ALREADY_AWARDED,
        "This order has already earned its points: vouchers apply before its sale is "
        "recorded as paid.",
    ),
    VoucherReason.BELOW_MIN_CART: (
        "cart",
        ErrorCode.VOUCHER_NOT_APPLICABLE,
        "The cart is below this voucher's minimum amount.",
    ),
    VoucherReason.GIFT_NOT_IN_CART: (
        "cart",
        ErrorCode.VOUCHER_NOT_APPLICABLE,
        "The voucher's gift item is not in the cart (or is already given free).",
    ),
    VoucherReason.NOTHING_TO_DISCOUNT: (
        "cart",
        ErrorCode.VOUCHER_NOT_APPLICABLE,
        "Nothing is left in the cart for this voucher to take off.",
    ),
}


def refusal(reasons: tuple[VoucherReason, ...]) -> DomainError:
    return DomainError(Problem(*_REFUSALS[reason]) for reason in reasons)


def _clean(problems: Problems, request: VoucherUseRequest, order_required: bool) -> _Request:
    code = check_code(problems, "code", request.code)
    cart = check_cart(problems, request.cart)
    customer_id = None
    if request.customer_id is not None and str(request.customer_id).strip():
        customer_id = parse_id(problems, "customerId", request.customer_id)
    shop = required_text(problems, "shop", request.shop, 100)
    order_id = (
        required_text(problems, "orderId", request.order_id, 100)
        if order_required or request.order_id is not None
        else None
    )
    return _Request(code, cart, customer_id, shop, order_id)


async def check_voucher(uow: UnitOfWork, request: VoucherUseRequest) -> VoucherCheck:
    """Whether the code applies to the cart, for this customer and order when given, and the
    discount it would give (reasons when it does not apply). Writes nothing."""
    problems = Problems()
    clean = _clean(problems, request, order_required=False)
    problems.raise_if_any()
    async with uow:
        voucher, order = await _context(uow, clean)
    verdict = evaluate(voucher, clean.cart, clean.customer_id, order)
    return VoucherCheck(clean.code, voucher, verdict)


async def redeem_voucher(
    uow: UnitOfWork, request: VoucherUseRequest, idempotency_key: str, actor: str
) -> RedeemedVoucher:
    """Use a code on an order, taking off what checkVoucher would say.

    Guarantees: one use counted and one redemption row, or nothing (a refusal names why);
    a code is never used more than its maxUses, even by many tills at once; a code is used
    at most once per order, and the vouchers of one order never take off more than the
    cart; the same key replayed returns the first redemption and writes nothing."""
    problems = Problems()
    clean = _clean(problems, request, order_required=True)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, RedeemVoucher(clean, key, actor))


@dataclass(frozen=True)
class RedeemVoucher(Command[RedeemedVoucher]):
    """The order's lock, the key's check, the code and the order read and evaluated, then
    the use counted by a conditional UPDATE of the code and the redemption row written."""

    request: _Request
    key: str
    actor: str

    key_constraints = (KEY_CONSTRAINT,)

    async def handle(self, uow: UnitOfWork) -> RedeemedVoucher:
        clean = self.request
        # Vouchers and points on one order wait for each other, so together they never take
        # off more than the cart.
        assert clean.order_id is not None
        await lock_order(uow, clean.shop, clean.order_id)
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        voucher, order = await _context(uow, clean)
        verdict = evaluate(voucher, clean.cart, clean.customer_id, order)
        if not verdict.applies:
            raise refusal(verdict.reasons)
        assert voucher is not None
        # The use counts only while the code is still ACTIVE (not used up since it was
        # read): the UPDATE locks the row, and a till that waited for it re-checks the
        # condition.
        used = (
            await uow.execute(
                update(vouchers)
                .where(
                    vouchers.c.id == voucher.id,
                    status_expression() == VoucherStatus.ACTIVE.value,
                    or_(
                        vouchers.c.customer_id.is_(None),
                        vouchers.c.customer_id == clean.customer_id,
                    ),
                )
                .values(uses=vouchers.c.uses + 1)
                .returning(*voucher_columns())
            )
        ).one_or_none()
        if used is None:  # another till used it up (or it was disabled) since it was read
            again = await voucher_by_code(uow, clean.code)
            raise refusal(evaluate(again, clean.cart, clean.customer_id, order).reasons or _USED_UP)
        use = (
            await uow.execute(
                insert(voucher_redemptions)
                .values(
                    voucher_id=voucher.id,
                    customer_id=clean.customer_id,
                    shop=clean.shop,
                    order_id=clean.order_id,
                    discount_minor=verdict.discount_minor,
                    idempotency_key=self.key,
                    request_digest=request_digest(clean),
                    actor=self.actor,
                )
                .returning(*_USE_COLUMNS)
            )
        ).one()
        uow.record(
            VoucherRedeemed(
                customer_id=clean.customer_id,
                voucher_id=voucher.id,
                redemption_id=use.id,
                shop=clean.shop,
                order_id=clean.order_id,
                discount_minor=verdict.discount_minor,
            )
        )
        return RedeemedVoucher(VoucherUse(**use._asdict()), voucher_of(used))

    async def replay(self, uow: UnitOfWork) -> RedeemedVoucher | None:
        row = (
            await uow.execute(
                select(*_USE_COLUMNS, vouchers.c.code, voucher_redemptions.c.request_digest)
                .join_from(voucher_redemptions, vouchers)
                .where(voucher_redemptions.c.idempotency_key == self.key)
            )
        ).one_or_none()
        if row is None:
            return None
        clean = self.request
        asked = (clean.code, clean.customer_id, clean.shop, clean.order_id)
        require_same((row.code, row.customer_id, row.shop, row.order_id), asked, "redemption")
        if row.request_digest is not None:  # kept since migration 0057: the cart too
            require_same(row.request_digest, request_digest(clean), "redemption")
        voucher = await voucher_by_code(uow, row.code)
        assert voucher is not None
        use = VoucherUse(
            **{k: v for k, v in row._asdict().items() if k not in ("code", "request_digest")}
        )
        return RedeemedVoucher(use, voucher, replayed=True)


_USE_COLUMNS = use_columns()
_USED_UP = (VoucherReason.USED_UP,)


async def _context(uow: UnitOfWork, clean: _Request) -> tuple[Voucher | None, OrderUse]:
    """The voucher and what vouchers already took off the order (when one is given; uses
    cancelled took nothing off)."""
    if clean.customer_id is not None:
        if not await customer_exists(uow, clean.customer_id):
            raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
        if await customer_is_erased(uow, clean.customer_id):
            raise customer_erased()
    voucher = await voucher_by_code(uow, clean.code)
    if clean.order_id is None:
        return voucher, OrderUse()
    r, v = voucher_redemptions.c, vouchers.c
    rows = (
        await uow.execute(
            select(r.voucher_id, r.discount_minor, v.kind, v.gift_sku)
            .join_from(voucher_redemptions, vouchers)
            .where(r.shop == clean.shop, r.order_id == clean.order_id, r.cancelled_at.is_(None))
        )
    ).all()
    # Vouchers discount only what points left of the cart.
    paid = await order_payments(uow, clean.shop, clean.order_id)
    return voucher, OrderUse(
        discount_minor=sum(row.discount_minor for row in rows),
        points_minor=paid.points_minor,
        awarded=paid.awarded,
        voucher_ids=frozenset(row.voucher_id for row in rows),
        gift_units=Counter(row.gift_sku for row in rows if row.kind == VoucherKind.GIFT_ITEM.value),
    )
