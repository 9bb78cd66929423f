"""What a voucher takes off a cart: exact integers, never more than the cart has left."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from domain.checkout.quote import CartLine
from domain.vouchers.discounts import OrderUse, VoucherReason, discount_for, evaluate
from domain.vouchers.models import Voucher, VoucherKind, VoucherSource, VoucherStatus, VoucherTerms

CART = [CartLine("TEA", 3, 1000), CartLine("MUG", 2, 700), CartLine("MUG", 1, 900)]  # 53.00


def voucher(
    terms: VoucherTerms,
    status: VoucherStatus = VoucherStatus.ACTIVE,
    customer_id: int | None = None,
) -> Voucher:
    now = datetime.now(UTC)
    return Voucher(
        1, "CODE", None, VoucherSource.BATCH, terms, 0, status, customer_id, None, None, now
    )


FIVE = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=500)
TEN_PERCENT = VoucherTerms(VoucherKind.PERCENT, percent_bp=1000)
MUG = VoucherTerms(VoucherKind.GIFT_ITEM, gift_sku="MUG")


def test_each_kind_takes_off_its_exact_amount() -> None:
    assert evaluate(voucher(FIVE), CART, None).discount_minor == 500
    assert evaluate(voucher(TEN_PERCENT), CART, None).discount_minor == 530
    # The cheapest line of the gift SKU
    assert evaluate(voucher(MUG), CART, None).discount_minor == 700


def test_a_percentage_is_rounded_down() -> None:
    cart = [CartLine("A", 1, 3333)]
    fifteen = VoucherTerms(VoucherKind.PERCENT, percent_bp=1500)
    assert evaluate(voucher(fifteen), cart, None).discount_minor == 499  # 499.95


def test_a_fixed_amount_never_takes_off_more_than_the_cart() -> None:
    big = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=100_000)
    assert evaluate(voucher(big), CART, None).discount_minor == 5300


def test_earlier_vouchers_on_the_order_are_taken_into_account() -> None:
    used = OrderUse(discount_minor=5000, voucher_ids=frozenset({7}), gift_units={"MUG": 3})
    assert discount_for(FIVE, CART, used) == 300
    assert discount_for(TEN_PERCENT, CART, used) == 30  # 10% of what is left
    verdict = evaluate(voucher(MUG), CART, None, used)
    assert verdict.reasons == (VoucherReason.GIFT_NOT_IN_CART,)  # all three mugs are given
    again = evaluate(voucher(FIVE), CART, None, OrderUse(voucher_ids=frozenset({1})))
    assert again.reasons == (VoucherReason.ALREADY_USED_ON_ORDER,)


def test_every_reason_a_voucher_does_not_apply_is_given() -> None:
    terms = VoucherTerms(VoucherKind.GIFT_ITEM, gift_sku="CAP", min_cart_minor=10_000)
    verdict = evaluate(voucher(terms, VoucherStatus.EXPIRED, customer_id=5), CART, 6)
    assert (verdict.applies, verdict.discount_minor) == (False, 0)
    assert verdict.reasons == (
        VoucherReason.EXPIRED,
        VoucherReason.ASSIGNED_TO_ANOTHER_CUSTOMER,
        VoucherReason.BELOW_MIN_CART,
        VoucherReason.GIFT_NOT_IN_CART,
    )
    assert evaluate(None, CART, None).reasons == (VoucherReason.NOT_FOUND,)
    free = [CartLine("FREE", 1, 0)]
    assert evaluate(voucher(FIVE), free, None).reasons == (VoucherReason.NOTHING_TO_DISCOUNT,)


def test_an_assigned_voucher_applies_to_its_customer() -> None:
    assert evaluate(voucher(FIVE, customer_id=5), CART, 5).applies
    assert not evaluate(voucher(FIVE, customer_id=5), CART, None).applies


lines = st.lists(
    st.builds(CartLine, st.sampled_from(["A", "B"]), st.integers(1, 50), st.integers(0, 10**6)),
    min_size=1,
    max_size=5,
)
terms = st.one_of(
    st.builds(
        lambda v: VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=v), st.integers(1, 10**8)
    ),
    st.builds(lambda bp: VoucherTerms(VoucherKind.PERCENT, percent_bp=bp), st.integers(1, 10_000)),
    st.just(VoucherTerms(VoucherKind.GIFT_ITEM, gift_sku="A")),
)


@given(terms, lines, st.integers(0, 10**8))
def test_a_discount_is_never_negative_nor_more_than_what_is_left(
    t: VoucherTerms, cart: list[CartLine], already: int
) -> None:
    left = max(0, sum(line.amount_minor for line in cart) - already)
    discount = discount_for(t, cart, OrderUse(discount_minor=already))
    assert 0 <= discount <= left
    if t.kind is VoucherKind.PERCENT:
        assert discount == left * (t.percent_bp or 0) // 10_000
