"""Points as payment: redeeming points on an order, and what an order earned and used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from domain.checkout.orders import allowance, lock_order
from domain.checkout.quote import CartLine
from domain.checkout.services import check_cart
from domain.checkout.tables import redemptions
from domain.errors import DomainError, ErrorCode, Problems
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.ledger.models import Account
from domain.ledger.queries import get_account
from domain.purchases.repository import order_earnings
from domain.uow import UnitOfWork, violated_constraint
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
    try:
        async with uow:
            redemption = await _redeem(uow, cid, clean_shop, clean_order, points, cart, key, actor)
            await uow.commit()
            return redemption
    except post.IdempotencyKeyTaken:
        pass
    except IntegrityError as error:
        if violated_constraint(error) != "uq_redemptions_idempotency_key":
            raise
    async with uow:
        replayed = await _replay(uow, key, cid, clean_shop, clean_order, points)
    assert replayed is not None
    return replayed


async def _redeem(
    uow: UnitOfWork,
    cid: int,
    shop: str,
    order_id: str,
    points: int,
    cart: list[CartLine],
    key: str,
    actor: str,
) -> Redemption:
    # Redemptions of one order wait for each other, so two tills cannot both use the cap.
    await lock_order(uow, shop, order_id)
    replayed = await _replay(uow, key, cid, shop, order_id, points)
    if replayed is not None:
        return replayed
    allowed = await allowance(uow, cid, shop, order_id, cart)
    value = allowed.value_of(points)
    # The account was read unlocked: the debit's guard applies the policy again to the
    # account as locked, so concurrent payments cannot all pass on the same stale balance.
    posting = post.Posting.of(
        cid,
        -points,
        EntryKind.REDEMPTION,
        actor,
        source_type="order",
        source_ref=f"{shop}/{order_id}",
        idempotency_key=f"redeem:{key}",
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
                points=points,
                value_minor=value,
                idempotency_key=key,
                entry_id=posted.entry_id,
            )
            .returning(redemptions.c.id)
        )
    ).scalar_one()
    return Redemption(
        new_id, cid, shop, order_id, points, value, posted.entry_id, posted.account(cid)
    )


async def _replay(
    uow: UnitOfWork, key: str, cid: int, shop: str, order_id: str, points: int
) -> Redemption | None:
    row = (
        await uow.execute(select(redemptions).where(redemptions.c.idempotency_key == key))
    ).one_or_none()
    if row is None:
        return None
    if (row.customer_id, row.shop, row.order_id, row.points) != (cid, shop, order_id, points):
        raise DomainError.one(
            "idempotencyKey",
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This key was already used for a different redemption.",
        )
    account = await get_account(uow, cid)
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
