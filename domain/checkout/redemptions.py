"""Points as payment: redeeming points on an order, and what an order earned and used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from domain.checkout.orders import allowance, lock_order, payment_digest
from domain.checkout.quote import CartLine
from domain.checkout.services import check_cart
from domain.checkout.tables import redemptions
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import require_same
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.ledger.models import Account
from domain.ledger.queries import get_account
from domain.purchases.repository import order_earnings
from domain.uow import UnitOfWork
from domain.validation import check_points, parse_id, required_text


@dataclass(frozen=True)
class Redemption:
    id: int
    customer_id: int
    shop: str
    order_id: str
    points: int
    value_minor: int
    entry_id: int
    account: Account
    replayed: bool = False
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class OrderPoints:
    """What a receipt or an invoice prints about points."""

    customer_id: int
    points_earned: int
    points_used: int
    value_redeemed_minor: int
    balance: int


async def redeem_points(
    uow: UnitOfWork,
    customer_id: str,
    shop: str,
    order_id: str,
    points: int,
    lines: list[CartLine],
    idempotency_key: str,
    actor: str,
) -> Redemption:
    """Pay part of an order with points (at most what a quote of the cart allows).

    Guarantees: one REDEMPTION entry and one redemption row, or nothing; never takes held
    points nor passes the minimum balance to redeem, even with concurrent redemptions and
    holds (the ledger policy guards the debit); redemptions of one order never exceed the
    caps together; the same key replayed returns the first redemption and writes nothing."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    clean_shop = required_text(problems, "shop", shop, 100)
    clean_order = required_text(problems, "orderId", order_id, 100)
    check_points(problems, "points", points, signed=False)
    cart = check_cart(problems, lines)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    problems.raise_if_any()
    return await run(uow, RedeemPoints(cid, clean_shop, clean_order, points, cart, key, actor))


@dataclass(frozen=True)
class RedeemPoints(Command[Redemption]):
    """The order's lock, the key's check, the order's allowance, then the guarded debit and
    the redemption row."""

    customer_id: int
    shop: str
    order_id: str
    points: int
    cart: list[CartLine]
    key: str
    actor: str

    key_constraints = ("uq_redemptions_idempotency_key",)
    replay_on_refusal = False  # the key is checked first, under the order's lock

    async def handle(self, uow: UnitOfWork) -> Redemption:
        # Redemptions of one order wait for each other, so two tills cannot both use the cap.
        await lock_order(uow, self.shop, self.order_id)
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        cid, shop, order_id = self.customer_id, self.shop, self.order_id
        allowed = await allowance(uow, cid, shop, order_id, self.cart)
        value = allowed.value_of(self.points)
        # The account was read unlocked: the debit's guard applies the policy again to the
        # account as locked, so concurrent payments cannot all pass on the same stale balance.
        posting = post.Posting.of(
            cid,
            -self.points,
            EntryKind.REDEMPTION,
            self.actor,
            source_type="order",
            source_ref=f"{shop}/{order_id}",
            idempotency_key=self.stored_key,
            min_spendable=allowed.min_spendable,
        )
        posted = await post.debit(uow, posting)
        new_id = (
            await uow.execute(
                insert(redemptions)
                .values(
                    customer_id=cid,
                    shop=shop,
                    order_id=order_id,
                    points=self.points,
                    value_minor=value,
                    idempotency_key=self.stored_key,
                    entry_id=posted.entry_id,
                    request_digest=self.digest,
                )
                .returning(redemptions.c.id)
            )
        ).scalar_one()
        return Redemption(
            new_id, cid, shop, order_id, self.points, value, posted.entry_id, posted.account(cid)
        )

    @property
    def stored_key(self) -> str:
        """The client's key as the redemption and its entry store it: in a namespace of its
        own, apart from the keys captures give theirs (hold:<id>), so no client key can
        take a capture's."""
        return f"redeem:{self.key}"

    @property
    def digest(self) -> str:
        return payment_digest(self.customer_id, self.shop, self.order_id, self.points, self.cart)

    async def replay(self, uow: UnitOfWork) -> Redemption | None:
        query = select(redemptions).where(redemptions.c.idempotency_key == self.stored_key)
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        asked = (self.customer_id, self.shop, self.order_id, self.points)
        require_same((row.customer_id, row.shop, row.order_id, row.points), asked, "redemption")
        if row.request_digest is not None:  # kept since migration 0058: the cart too
            require_same(row.request_digest, self.digest, "redemption")
        account = await get_account(uow, self.customer_id)
        assert account is not None
        return redemption_of(row, account, replayed=True)


def redemption_of(row: Any, account: Account, replayed: bool) -> Redemption:
    """A redemption from its row and the customer's account."""
    return Redemption(
        row.id,
        row.customer_id,
        row.shop,
        row.order_id,
        row.points,
        row.value_minor,
        row.entry_id,
        account,
        replayed,
        row.cancelled_at,
    )


async def order_points(uow: UnitOfWork, shop: str, order_id: str) -> OrderPoints:
    """Points earned and used on an order (both net of refunds), and the balance now."""
    async with uow:
        earned = await order_earnings(uow, shop, order_id)
        used = (
            await uow.execute(
                select(
                    redemptions.c.customer_id,
                    func.sum(redemptions.c.points).label("points"),
                    func.sum(redemptions.c.value_minor).label("value_minor"),
                )
                .where(
                    redemptions.c.shop == shop,
                    redemptions.c.order_id == order_id,
                    redemptions.c.cancelled_at.is_(None),
                )
                .group_by(redemptions.c.customer_id)
            )
        ).one_or_none()
        if earned is None and used is None:
            raise DomainError.one("orderId", ErrorCode.NOT_FOUND, "No points on this order.")
        customer_id = (earned or used).customer_id  # type: ignore[union-attr]
        account = await get_account(uow, customer_id)
    assert account is not None
    returned, value_returned = (
        (earned.points_returned, earned.value_returned_minor) if earned else (0, 0)
    )
    return OrderPoints(
        customer_id=customer_id,
        points_earned=earned.points_earned if earned else 0,
        points_used=(int(used.points) - returned) if used else 0,
        value_redeemed_minor=(int(used.value_minor) - value_returned) if used else 0,
        balance=account.balance,
    )
