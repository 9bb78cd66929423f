"""What vouchers lets other areas embed in their own statements, read through fragments
rather than by naming its tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, Select, literal, or_, select

from domain.vouchers.tables import voucher_batches, voucher_redemptions, vouchers

# What vouchers took off the order (:shop, :order_id), in minor units (uses cancelled
# before the sale was recorded took nothing off).
DISCOUNTS_ON_ORDER = """
    (SELECT COALESCE(sum(discount_minor), 0) FROM voucher_redemptions
      WHERE shop = :shop AND order_id = :order_id AND cancelled_at IS NULL)"""

# Every voucher: id, batch_id, customer_id, uses (times redeemed).
VOUCHERS = "SELECT id, batch_id, customer_id, uses FROM vouchers"


def holds_usable_voucher(
    customer_id: ColumnElement[int], at: ColumnElement[datetime], batch_id: int | None
) -> Exists:
    """Whether a voucher assigned to the customer (a column of the enclosing query), of the
    batch when given, is still usable at `at`: not disabled, not used up, not expired (one
    not yet valid counts: the customer holds it)."""
    v = vouchers.c
    query = select(literal(1)).where(
        v.customer_id == customer_id,
        v.disabled_at.is_(None),
        or_(v.max_uses.is_(None), v.uses < v.max_uses),
        or_(v.valid_until.is_(None), v.valid_until > at),
    )
    if batch_id is not None:
        query = query.where(v.batch_id == batch_id)
    return query.exists()


def redeemed_a_voucher(customer_id: ColumnElement[int], batch_id: int | None) -> Exists:
    """Whether the customer (a column of the enclosing query) has redeemed a voucher (of
    the batch when given) in a use that stands (not cancelled)."""
    r = voucher_redemptions.c
    query = select(literal(1)).where(r.customer_id == customer_id, r.cancelled_at.is_(None))
    if batch_id is not None:
        batch = select(vouchers.c.id).where(vouchers.c.batch_id == batch_id)
        query = query.where(r.voucher_id.in_(batch))
    return query.exists()


def known_batches(ids: Sequence[int]) -> Select[tuple[int]]:
    """A query of which of these voucher batch ids exist."""
    return select(voucher_batches.c.id).where(voucher_batches.c.id.in_(list(ids)))
