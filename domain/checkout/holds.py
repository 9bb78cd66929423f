"""Holds: a checkout reserves points to pay part of an order (held: in the balance, not
spendable), then captures them as a redemption at payment or releases them; a hold not
captured in time expires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update

from domain.checkout.orders import allowance, lock_order
from domain.checkout.quote import CartLine
from domain.checkout.services import check_cart
from domain.checkout.tables import holds
from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import require_same
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
from domain.uow import UnitOfWork
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
    return await run(uow, PlaceHold(cid, points, key, clean_shop, clean_order, clean_cart, ttl))


@dataclass(frozen=True)
class PlaceHold(Command[Hold]):
    """The order's lock, the key's check, the order's allowance, then the reservation and
    the hold in one guarded statement."""

    customer_id: int
    points: int
    key: str
    shop: str
    order_id: str
    cart: list[CartLine]
    ttl_s: int

    key_constraints = ("uq_holds_idempotency_key",)
    replay_on_refusal = False  # the key is checked first, under the order's lock

    async def handle(self, uow: UnitOfWork) -> Hold:
        await lock_order(uow, self.shop, self.order_id)
        replayed = await self.replay(uow)
        if replayed is not None:
            return replayed
        allowed = await allowance(uow, self.customer_id, self.shop, self.order_id, self.cart)
        value = allowed.value_of(self.points)
        # The policy is checked again on the account as locked (another checkout may have
        # reserved or spent points since it was read).
        row = (
            await uow.execute(
                _HOLD,
                {
                    "customer_id": self.customer_id,
                    "points": self.points,
                    "min_spendable": allowed.min_spendable,
                    "value_minor": value,
                    "shop": self.shop,
                    "order_id": self.order_id,
                    "idempotency_key": self.key,
                    "expires_at": datetime.now(UTC) + timedelta(seconds=self.ttl_s),
                },
            )
        ).one_or_none()
        change = Change.hold(self.points, allowed.min_spendable)
        return _model(row, reserved_account(self.customer_id, change, row))

    async def replay(self, uow: UnitOfWork) -> Hold | None:
        row = (
            await uow.execute(select(holds).where(holds.c.idempotency_key == self.key))
        ).one_or_none()
        if row is None:
            return None
        asked = (self.customer_id, self.points, self.order_id)
        require_same((row.customer_id, row.points, row.order_id), asked, "hold")
        account = await get_account(uow, self.customer_id)
        assert account is not None
        return _model(row, account, replayed=True)


async def capture_hold(uow: UnitOfWork, hold_id: str, actor: str) -> Hold:
    """Turn an active hold into a REDEMPTION debit of its points and a redemption on its
    order, paying the money fixed when the hold was made. A hold that has expired, or was
    captured or released, cannot be captured (HOLD_NOT_ACTIVE); one found past its time
    but not yet swept is expired by the refused capture."""
    hold = await run(uow, CaptureHold(_hold_id(hold_id), actor))
    if hold.status != "CAPTURED":
        raise _not_active(hold.status)
    return hold


@dataclass(frozen=True)
class CaptureHold(Command[Hold]):
    """The hold's row lock, then the debit and the redemption with the hold's status.

    A hold found active but past its time is expired instead (its points freed, committed)
    and returned as EXPIRED: the caller refuses the capture. A hold no longer active is
    refused here. The hold's row lock serialises captures of one hold, so there is no key
    to replay: a second capture finds it CAPTURED."""

    hold_id: int
    actor: str

    async def handle(self, uow: UnitOfWork) -> Hold:
        row = await _lock(uow, self.hold_id)
        if row.status == "ACTIVE" and row.expires_at <= datetime.now(UTC):
            return _model(*await _end(uow, row, "EXPIRED"))
        if row.status != "ACTIVE":
            raise _not_active(row.status)
        posting = post.Posting.of(
            row.customer_id,
            -row.points,
            EntryKind.REDEMPTION,
            self.actor,
            source_type="order",
            source_ref=f"{row.shop}/{row.order_id}",
            idempotency_key=f"hold:{row.id}",
            releases_held=row.points,
        )
        posted = await post.debit(uow, posting)
        done = (
            await uow.execute(_CAPTURED, {"hold_id": row.id, "entry_id": posted.entry_id})
        ).one()
        return _model(done, posted.account(row.customer_id))


async def release_hold(uow: UnitOfWork, hold_id: str) -> Hold:
    """Free an active hold's points. Releasing a hold that is no longer active is refused."""
    return await run(uow, ReleaseHold(_hold_id(hold_id)))


@dataclass(frozen=True)
class ReleaseHold(Command[Hold]):
    """The hold's row lock, then its points freed and its status set."""

    hold_id: int

    async def handle(self, uow: UnitOfWork) -> Hold:
        row = await _lock(uow, self.hold_id)
        if row.status != "ACTIVE":
            raise _not_active(row.status)
        return _model(*await _end(uow, row, "RELEASED"))


async def expire_holds(uow: UnitOfWork, now: datetime | None = None, limit: int = 1000) -> int:
    """Release every active hold past its time (oldest first, `limit` at a time); returns how
    many expired. Safe to run concurrently and repeatedly: each hold expires once."""
    return await run(uow, ExpireHolds(now or datetime.now(UTC), limit))


# Up to :limit holds due at :now, expired and their points freed, set-based: holds another
# sweep (or a capture) has locked are skipped, accounts are locked in customer order.
_EXPIRE_DUE = text(f"""
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
""")


@dataclass(frozen=True)
class ExpireHolds(Command[int]):
    """One batch of the sweep: one statement in one transaction."""

    now: datetime
    limit: int

    async def handle(self, uow: UnitOfWork) -> int:
        params = {"now": self.now, "limit": self.limit}
        return int((await uow.execute(_EXPIRE_DUE, params)).scalar_one())


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
