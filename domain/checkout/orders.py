"""What points may still pay on one order: the caps shared by its redemptions and holds,
and the cart left after its vouchers.

Every write that takes money off an order (a redemption, a hold, a voucher) takes the
order's lock first, so two tills paying the same order cannot both use its caps, nor
points and vouchers together take off more than the cart."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from domain.cards.sql import POINTS_PAYABLE
from domain.checkout.quote import CartLine, Quote, RedemptionRules, quote
from domain.checkout.rules import PROGRAM_ID, RULES_COLUMNS, rules_from
from domain.checkout.sql import ORDER_PAID_BY_ANOTHER, POINTS_PAID_ON_ORDER
from domain.customers.erased import customer_erased
from domain.customers.sql import CUSTOMER_ERASED
from domain.errors import DomainError, ErrorCode
from domain.idempotency import request_digest
from domain.ledger import policy
from domain.ledger.models import Account
from domain.ledger.sql import ACCOUNTS
from domain.purchases.sql import ORDER_AWARDED, ORDER_RECORDED_FOR_ANOTHER
from domain.uow import Executor, UnitOfWork
from domain.vouchers.sql import DISCOUNTS_ON_ORDER

_LOCK_ORDER = text("SELECT pg_advisory_xact_lock(hashtextextended(:order, 0))")

_PAYMENTS = text(f"SELECT {POINTS_PAID_ON_ORDER} AS points, {ORDER_AWARDED} AS awarded")

# What an allowance depends on besides the account: the rules, the money already paid by
# points on the order and promised to its active holds, what vouchers took off it, whether
# the order is another customer's (by its purchase, redemptions or holds) and whether it has
# earned its points. With a null order, the rules only (the rest is zero or false).
_ORDER_FACTS = f"""
    SELECT {RULES_COLUMNS},
           {POINTS_PAID_ON_ORDER} AS already,
           {DISCOUNTS_ON_ORDER} AS vouchers,
           ({ORDER_RECORDED_FOR_ANOTHER} OR {ORDER_PAID_BY_ANOTHER}) AS foreign_order,
           {ORDER_AWARDED} AS awarded
      FROM redemption_rules r WHERE r.id = :program
"""

# The account and the order's facts: one read. `facts` is the facts as one text, which
# checkout_place_hold compares with ORDER_FACTS_NOW under the order's lock.
_ORDER_STATE = text(f"""
    SELECT a.balance, a.lifetime_earned, a.lifetime_spent, a.held, a.lifetime_expired,
           {POINTS_PAYABLE} AS points_payable, {CUSTOMER_ERASED} AS customer_erased, f.*,
           CAST(f AS text) AS facts
      FROM ({ACCOUNTS}) a, ({_ORDER_FACTS}) f
     WHERE a.customer_id = :cid
""")

# The order's facts now, as _ORDER_STATE's `facts` (for a comparison under the lock).
ORDER_FACTS_NOW = text(f"SELECT CAST(f AS text) AS facts FROM ({_ORDER_FACTS}) f")

# The lock every write that takes money off an order takes first (see the module's docstring).
LOCK_ORDER = _LOCK_ORDER


@dataclass(frozen=True)
class Allowance:
    """The customer's account, the rules, and the quote of the cart on this order."""

    account: Account
    rules: RedemptionRules
    quote: Quote
    # The order's facts the quote was computed from, as one text (_ORDER_STATE's `facts`).
    facts: str = ""
    # The ledger policy's PAYABLE (domain.cards.sql.POINTS_PAYABLE), read with the account.
    points_payable: bool = True

    @property
    def funds(self) -> policy.Funds:
        return policy.Funds(self.account.balance, self.account.held, self.points_payable)

    @property
    def min_spendable(self) -> int:
        """The spendable points a payment on an order needs first: the minimum balance."""
        return self.rules.min_balance_points

    def value_of(self, points: int) -> int:
        """What `points` pay on this order: refused as the ledger policy says (beyond the
        spendable points, or below the minimum balance to redeem), above the quote, or when
        worth nothing. The write's guard applies the same policy to the account as locked.

        With a coarse rate the quote's points may be worth more than its capped value
        (1 point = 1.00 and a cap of 1.50 take 2 points); the order gets the capped value."""
        problem = policy.refusal(self.funds, policy.Change.pay_order(points, self.min_spendable))
        if problem is not None:
            raise DomainError([problem])
        if points > self.quote.max_points:
            raise DomainError.one(
                "points",
                ErrorCode.ABOVE_QUOTE,
                f"At most {self.quote.max_points} points can pay for this cart.",
            )
        value = min(self.rules.value_of(points), self.quote.max_value_minor)
        if value == 0:
            raise DomainError.one(
                "points", ErrorCode.INVALID, "These points are worth less than one minor unit."
            )
        return value


def order_already_awarded() -> DomainError:
    """Points or a voucher paying an order after it earned points on its whole amount would
    earn on what they paid; they pay before the sale is recorded as paid."""
    return DomainError.one(
        "orderId",
        ErrorCode.ORDER_ALREADY_AWARDED,
        "This order has already earned its points: points and vouchers pay an order before "
        "its sale is recorded as paid.",
    )


@dataclass(frozen=True)
class OrderPayments:
    points_minor: int  # paid with points on the order, or held to be
    awarded: bool  # its sale earned points already


async def order_payments(uow: UnitOfWork, shop: str, order_id: str) -> OrderPayments:
    """What points paid (or hold to pay) on the order, and whether its sale already earned."""
    row = (await uow.execute(_PAYMENTS, {"shop": shop, "order_id": order_id})).one()
    return OrderPayments(int(row.points), bool(row.awarded))


_ORDER_LOCK_PREFIX = "redeem:"


@dataclass(frozen=True)
class _Payment:
    customer_id: int
    shop: str
    order_id: str
    points: int
    cart: list[CartLine]


def payment_digest(
    customer_id: int, shop: str, order_id: str, points: int, cart: list[CartLine]
) -> str:
    """What a keyed payment with points (a redemption, a hold) asked for, its cart included,
    kept beside its key: a replay must ask the same (domain.idempotency.request_digest)."""
    return request_digest(_Payment(customer_id, shop, order_id, points, cart))


def order_lock_key(shop: str, order_id: str) -> str:
    """The :order of LOCK_ORDER for this order."""
    return f"{_ORDER_LOCK_PREFIX}{shop}/{order_id}"


def order_lock_key_sql(shop: str, order_id: str) -> str:
    """order_lock_key as a SQL expression of the SQL expressions `shop` and `order_id`."""
    return f"('{_ORDER_LOCK_PREFIX}' || {shop} || '/' || {order_id})"


async def lock_order(uow: UnitOfWork, shop: str, order_id: str) -> None:
    """Serialise the writes that spend points on this order until the transaction ends."""
    await uow.execute(_LOCK_ORDER, {"order": order_lock_key(shop, order_id)})


async def allowance(
    uow: Executor, customer_id: int, shop: str, order_id: str, cart: list[CartLine]
) -> Allowance:
    """The quote of `cart` for this customer, net of what points already pay or have
    reserved on the order and of what vouchers took off it. Call it after `lock_order` (or
    compare its `facts` with ORDER_FACTS_NOW under the lock)."""
    return await _allowance(uow, customer_id, shop, order_id, cart)


async def quote_on_order(
    db: Executor, customer_id: int, shop: str, order_id: str | None, cart: list[CartLine]
) -> Quote:
    """The quote of `cart`, on an order when one is named (see `allowance`); one read, no
    lock: what it says may have changed by the time the points are spent."""
    return (await _allowance(db, customer_id, shop, order_id, cart)).quote


async def _allowance(
    db: Executor, customer_id: int, shop: str, order_id: str | None, cart: list[CartLine]
) -> Allowance:
    state = await db.fetch_row(
        _ORDER_STATE,
        {"shop": shop, "order_id": order_id, "cid": customer_id, "program": PROGRAM_ID},
    )
    if state is None:
        raise DomainError.one("customerId", ErrorCode.NOT_FOUND, "No such customer.")
    if state["customer_erased"]:
        raise customer_erased()
    if state["foreign_order"]:
        raise DomainError.one(
            "orderId", ErrorCode.DUPLICATE, "This order belongs to another customer."
        )
    rules = rules_from(state)
    if state["awarded"] and not rules.earn_on_points_paid:
        raise order_already_awarded()
    account = Account(
        customer_id,
        state["balance"],
        state["lifetime_earned"],
        state["lifetime_spent"],
        state["held"],
        state["lifetime_expired"],
    )
    payable = bool(state["points_payable"])
    allowed = quote(
        rules,
        account.spendable,
        cart,
        int(state["already"]),
        int(state["vouchers"]),
        payable,
    )
    return Allowance(account, rules, allowed, state["facts"], payable)
