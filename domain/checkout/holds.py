"""Holds: a checkout reserves points to pay part of an order (held: in the balance, not
spendable), then captures them as a redemption at payment or releases them; a hold not
captured in time expires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from domain.checkout.orders import allowance, lock_order
from domain.checkout.quote import CartLine
from domain.checkout.services import check_cart
from domain.checkout.tables import holds
from domain.errors import DomainError, ErrorCode, Problems
from domain.ledger import posting as post
from domain.ledger.holding import (
    RESERVED_COLUMNS,
    RESERVED_FROM,
    release_held_ctes,
    reserve_ctes,
    reserved_account,
    unreserve,
)
from domain.ledger.kinds import EntryKind
from domain.ledger.models import Account
from domain.ledger.policy import Change
from domain.ledger.queries import get_account
from domain.uow import UnitOfWork, violated_constraint
from domain.validation import check_points, parse_id, required_text

DEFAULT_HOLD_S = 15 * 60
MAX_HOLD_S = 7 * 24 * 3600


@dataclass(frozen=True)
class Hold:
    id: int
    customer_id: int
    points: int
    status: str
    shop: str
    order_id: str
    value_minor: int
    expires_at: datetime
    entry_id: int | None
    account: Account
    replayed: bool = False


# The points reserved under the ledger policy and the hold written, in one statement: the
# hold only when the points could be reserved.
_HOLD = text(f"""
    WITH {reserve_ctes()},
    hold AS (
        INSERT INTO holds (customer_id, points, value_minor, shop, order_id, idempotency_key,
                           expires_at)
        SELECT CAST(:customer_id AS bigint), CAST(:points AS bigint),
               CAST(:value_minor AS bigint), CAST(:shop AS text), CAST(:order_id AS text),
               CAST(:idempotency_key AS text), CAST(:expires_at AS timestamptz)
          FROM reserved
        RETURNING *)
    SELECT {RESERVED_COLUMNS}, hold.id, hold.customer_id, hold.points, hold.status, hold.shop,
           hold.order_id, hold.value_minor, hold.expires_at, hold.entry_id
      FROM {RESERVED_FROM} LEFT JOIN hold ON true
""")


# A captured hold's redemption on its order and its status, in one statement.
_CAPTURED = text("""
    WITH paid AS (
        INSERT INTO redemptions (customer_id, shop, order_id, points, value_minor,
                                 idempotency_key, entry_id, hold_id)
        SELECT customer_id, shop, order_id, points, value_minor, 'hold:' || id,
               CAST(:entry_id AS bigint), id
          FROM holds WHERE id = :hold_id)
    UPDATE holds SET status = 'CAPTURED', resolved_at = now(), entry_id = :entry_id
     WHERE id = :hold_id
    RETURNING *
""")


async def hold_points(
    uow: UnitOfWork,
    customer_id: str,
    points: int,
    idempotency_key: str,
    order_id: str,
    cart: list[CartLine],
    shop: str = "default",
    ttl_s: int | None = None,
) -> Hold:
    """Reserve points to pay part of an order, for `ttl_s` seconds (15 minutes by default).

    Guarantees: never reserves more than the spendable points (balance minus holds), nor
    below the minimum balance to redeem, even with concurrent holds and redemptions (the
    ledger policy guards the reservation), nor more than a quote of the cart allows on this
    order (its redemptions and other active holds count against the caps); the money the
    points will pay is fixed now. The same key replayed returns the first hold."""
    problems = Problems()
    cid = parse_id(problems, "customerId", customer_id)
    check_points(problems, "points", points, signed=False)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    clean_shop = required_text(problems, "shop", shop, 100)
    clean_order = required_text(problems, "orderId", order_id, 100)
    clean_cart = check_cart(problems, cart)
    ttl = DEFAULT_HOLD_S if ttl_s is None else ttl_s
    if not 0 < ttl <= MAX_HOLD_S:
        problems.add("ttlSeconds", ErrorCode.OUT_OF_RANGE, f"1 to {MAX_HOLD_S} seconds.")
    problems.raise_if_any()
    try:
        async with uow:
            await lock_order(uow, clean_shop, clean_order)
            existing = await _by_key(uow, key)
            if existing is not None:
                return await _replayed(uow, existing, cid, points, clean_order)
            allowed = await allowance(uow, cid, clean_shop, clean_order, clean_cart)
            value = allowed.value_of(points)
            # The policy is checked again on the account as locked (another checkout may
            # have reserved or spent points since it was read).
            row = (
                await uow.execute(
                    _HOLD,
                    {
                        "customer_id": cid,
                        "points": points,
                        "min_spendable": allowed.min_spendable,
                        "value_minor": value,
                        "shop": clean_shop,
                        "order_id": clean_order,
                        "idempotency_key": key,
                        "expires_at": datetime.now(UTC) + timedelta(seconds=ttl),
                    },
                )
            ).one_or_none()
            change = Change.hold(points, allowed.min_spendable)
            account = reserved_account(cid, change, row)
            await uow.commit()
            return _model(row, account)
    except IntegrityError as error:
        if violated_constraint(error) != "uq_holds_idempotency_key":
            raise
    async with uow:
        row = await _by_key(uow, key)
        assert row is not None
        return await _replayed(uow, row, cid, points, clean_order)


async def capture_hold(uow: UnitOfWork, hold_id: str, actor: str) -> Hold:
    """Turn an active hold into a REDEMPTION debit of its points and a redemption on its
    order, paying the money fixed when the hold was made. A hold that has expired, or was
    captured or released, cannot be captured (HOLD_NOT_ACTIVE)."""
    hid = _hold_id(hold_id)
    async with uow:
        row = await _lock(uow, hid)
        if row.status == "ACTIVE" and row.expires_at <= datetime.now(UTC):
            await _end(uow, row, "EXPIRED")
            await uow.commit()
            raise _not_active("EXPIRED")
        if row.status != "ACTIVE":
            raise _not_active(row.status)
        posting = post.Posting.of(
            row.customer_id,
            -row.points,
            EntryKind.REDEMPTION,
            actor,
            source_type="order",
            source_ref=f"{row.shop}/{row.order_id}",
            idempotency_key=f"hold:{row.id}",
            releases_held=row.points,
        )
        posted = await post.debit(uow, posting)
        done = (
            await uow.execute(_CAPTURED, {"hold_id": row.id, "entry_id": posted.entry_id})
        ).one()
        await uow.commit()
    return _model(done, posted.account(row.customer_id))


async def release_hold(uow: UnitOfWork, hold_id: str) -> Hold:
    """Free an active hold's points. Releasing a hold that is no longer active is refused."""
    hid = _hold_id(hold_id)
    async with uow:
        row = await _lock(uow, hid)
        if row.status != "ACTIVE":
            raise _not_active(row.status)
        done, account = await _end(uow, row, "RELEASED")
        await uow.commit()
    return _model(done, account)


async def expire_holds(uow: UnitOfWork, now: datetime | None = None, limit: int = 1000) -> int:
    """Release every active hold past its time (oldest first, `limit` at a time); returns how
    many expired. Safe to run concurrently and repeatedly: each hold expires once."""
    async with uow:
        expired = (
            await uow.execute(
                text(f"""
            WITH due AS (
                SELECT id FROM holds WHERE status = 'ACTIVE' AND expires_at <= :now
                 ORDER BY expires_at LIMIT :limit FOR UPDATE SKIP LOCKED),
            ended AS (
                UPDATE holds h SET status = 'EXPIRED', resolved_at = now()
                  FROM due WHERE h.id = due.id
                RETURNING h.customer_id, h.points),
            per_customer AS (
                SELECT customer_id, sum(points) AS points FROM ended GROUP BY customer_id),
            {release_held_ctes("per_customer")}
            SELECT count(*) FROM ended
        """),
                {"now": now or datetime.now(UTC), "limit": limit},
            )
        ).scalar_one()
        await uow.commit()
    return int(expired)


def _hold_id(raw: str) -> int:
    problems = Problems()
    hid = parse_id(problems, "holdId", raw)
    problems.raise_if_any()
    return hid


def _not_active(status: str) -> DomainError:
    return DomainError.one("holdId", ErrorCode.HOLD_NOT_ACTIVE, f"This hold is {status}.")


async def _lock(uow: UnitOfWork, hold_id: int) -> Any:
    row = (
        await uow.execute(select(holds).where(holds.c.id == hold_id).with_for_update())
    ).one_or_none()
    if row is None:
        raise DomainError.one("holdId", ErrorCode.NOT_FOUND, "No such hold.")
    return row


async def _end(uow: UnitOfWork, row: Any, status: str) -> tuple[Any, Account]:
    """End an active hold: free its points; the hold's row and the account after."""
    account = await unreserve(uow, row.customer_id, row.points)
    done = (
        await uow.execute(
            update(holds)
            .where(holds.c.id == row.id)
            .values(status=status, resolved_at=func.now())
            .returning(holds)
        )
    ).one()
    return done, account


async def _by_key(uow: UnitOfWork, key: str) -> Any:
    return (await uow.execute(select(holds).where(holds.c.idempotency_key == key))).one_or_none()


async def _replayed(uow: UnitOfWork, row: Any, cid: int, points: int, order_id: str) -> Hold:
    if (row.customer_id, row.points, row.order_id) != (cid, points, order_id):
        raise DomainError.one(
            "idempotencyKey",
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This key was already used for a different hold.",
        )
    account = await get_account(uow, cid)
    assert account is not None
    return _model(row, account, replayed=True)


def _model(row: Any, account: Account, replayed: bool = False) -> Hold:
    return Hold(
        row.id,
        row.customer_id,
        row.points,
        row.status,
        row.shop,
        row.order_id,
        row.value_minor,
        row.expires_at,
        row.entry_id,
        account,
        replayed,
    )
