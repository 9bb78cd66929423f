"""Holds: a checkout reserves points to pay part of an order (held: in the balance, not
spendable), then captures them as a redemption at payment or releases them; a hold not
captured in time expires.

Placing a hold costs two round trips and capturing one: PL/pgSQL functions made of the same
statements as the transactional commands (hold_statements.py), called on a connection in
autocommit mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from domain.checkout.hold_statements import (
    CAPTURE_HOLD,
    END_HOLD,
    EXPIRE_DUE,
    HOLD,
    KEY_USED,
    LOCK_ACTIVE_OF_CUSTOMER,
    LOCK_HOLD,
    PLACE_HOLD,
)
from domain.checkout.orders import allowance, lock_order, order_lock_key, payment_digest
from domain.checkout.quote import CartLine
from domain.checkout.services import check_cart
from domain.commands import Command, OneStatementCommand, run
from domain.errors import DomainError, ErrorCode, IdempotencyKeyTaken, Problems
from domain.idempotency import require_same
from domain.ledger.holding import reserved_account, unreserve
from domain.ledger.models import Account
from domain.ledger.policy import Change, Funds, refusal
from domain.ledger.queries import get_account
from domain.program import PROGRAM_ID
from domain.uow import OneStatement, UnitOfWork
from domain.validation import check_points, parse_id, required_text

DEFAULT_HOLD_S = 15 * 60
MAX_HOLD_S = 7 * 24 * 3600
# Reads of the allowance before falling back to PlaceHold, when the order keeps changing
# between the read and the write.
PLACE_ATTEMPTS = 2


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
    points will pay is fixed now. The same key replayed returns the first hold.

    Two round trips (PlaceHoldAtOnce); when the order changes between them, a few more."""
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
    hold = PlaceHold(cid, points, key, clean_shop, clean_order, clean_cart, ttl)
    return await run(uow, PlaceHoldAtOnce(hold))


@dataclass(frozen=True)
class PlaceHold(Command[Hold]):
    """The order's lock, the key's check, the order's allowance, then the reservation and
    the hold in one guarded statement: the reference behaviour, which PlaceHoldAtOnce
    falls back to when the order keeps changing under it."""

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
            await uow.execute(HOLD, self.hold_params(allowed.min_spendable, value))
        ).one_or_none()
        change = Change.hold(self.points, allowed.min_spendable)
        return _model(row, reserved_account(self.customer_id, change, row))

    def hold_params(self, min_spendable: int, value_minor: int) -> dict[str, Any]:
        """The parameters of HOLD (and of PLACE_HOLD, with the order's lock and facts)."""
        return {
            "customer_id": self.customer_id,
            "points": self.points,
            "min_spendable": min_spendable,
            "value_minor": value_minor,
            "shop": self.shop,
            "order_id": self.order_id,
            "idempotency_key": self.key,
            "expires_at": datetime.now(UTC) + timedelta(seconds=self.ttl_s),
            "request_digest": self.digest,
        }

    @property
    def digest(self) -> str:
        return payment_digest(self.customer_id, self.shop, self.order_id, self.points, self.cart)

    async def replay(self, uow: UnitOfWork) -> Hold | None:
        row = (await uow.execute(KEY_USED, {"idempotency_key": self.key})).one_or_none()
        if row is None:
            return None
        asked = (self.customer_id, self.points, self.shop, self.order_id)
        require_same((row.customer_id, row.points, row.shop, row.order_id), asked, "hold")
        if row.request_digest is not None:  # kept since migration 0058: the cart too
            require_same(row.request_digest, self.digest, "hold")
        account = await get_account(uow, self.customer_id)
        assert account is not None
        return _model(row, account, replayed=True)


@dataclass(frozen=True)
class PlaceHoldAtOnce(OneStatementCommand[Hold]):
    """`hold` in two round trips, with PlaceHold's guarantees.

    1. The allowance, read with no lock (orders._ORDER_STATE); its refusals and the value of
       the points computed in Python exactly as PlaceHold computes them.
    2. PLACE_HOLD: under the order's lock, the key's check (REPLAY: answered by `replay`),
       the order's facts compared with those read in 1 (STALE: the order changed, read
       again; after PLACE_ATTEMPTS, PlaceHold does it all under the lock), then the
       reservation and the hold, guarded by the policy on the account as locked.

    The caps the order's facts set are checked under the order's lock, as in PlaceHold. The
    spendable points need no comparison: the value fixed is min(points' worth, the order's
    cap) whenever the points are spendable (points <= spendable implies the points' worth
    <= the spendable points' worth, so the quote's spendable-dependent bound never lowers
    it), and the reservation's guard refuses points that are no longer spendable. PlaceHold
    reads the account under the order's lock but not under the account's, so it too fixes
    the value from spendable points that another order's hold may change before its
    reservation: whatever answer this command gives, PlaceHold gives it too when that
    other change lands between its read and its reservation."""

    hold: PlaceHold

    key_constraints = PlaceHold.key_constraints
    # The allowance is read before the key is seen: a refusal (above the quote, say) may be
    # a retry of a hold that itself used what the order allowed; its replay answers it.
    replay_on_refusal = True

    async def handle(self, db: OneStatement) -> Hold | Command[Hold]:
        h = self.hold
        for _ in range(PLACE_ATTEMPTS):
            allowed = await allowance(db, h.customer_id, h.shop, h.order_id, h.cart)
            value = allowed.value_of(h.points)
            params = {
                **h.hold_params(allowed.min_spendable, value),
                "order": order_lock_key(h.shop, h.order_id),
                "program": PROGRAM_ID,
                "facts": allowed.facts,
            }
            found = await db.fetch_row(PLACE_HOLD.call, params)
            assert found is not None
            row = SimpleNamespace(**dict(found))
            if row.outcome == "STALE":
                continue
            if row.outcome == "REPLAY":
                raise IdempotencyKeyTaken()
            change = Change.hold(h.points, allowed.min_spendable)
            placed = None if row.outcome == "NOT_FOUND" else row
            return _model(row, reserved_account(h.customer_id, change, placed))
        return h

    async def replay(self, uow: UnitOfWork) -> Hold | None:
        return await self.hold.replay(uow)


async def capture_hold(uow: UnitOfWork, hold_id: str, actor: str) -> Hold:
    """Turn an active hold into a REDEMPTION debit of its points and a redemption on its
    order, paying the money fixed when the hold was made. A hold that has expired, or was
    captured or released, cannot be captured (HOLD_NOT_ACTIVE); one found past its time
    but not yet swept is expired by the refused capture, and one whose order has been
    refunded is released by it. One round trip."""
    hold = await run(uow, CaptureHold(_hold_id(hold_id), actor))
    if hold.status == "RELEASED":  # released by this capture: CaptureHold refuses the others
        raise DomainError.one(
            "holdId",
            ErrorCode.HOLD_NOT_ACTIVE,
            "This hold's order has been refunded: the hold is released and its points are "
            "spendable again.",
        )
    if hold.status != "CAPTURED":
        raise _not_active(hold.status)
    return hold


@dataclass(frozen=True)
class CaptureHold(OneStatementCommand[Hold]):
    """CAPTURE_HOLD: the hold's row lock, then the debit and the redemption with the hold's
    status, in one call.

    A hold found active but past its time is expired instead, and one whose order has been
    refunded released instead (its points freed, committed), and returned as they are then:
    the caller refuses the capture. A hold no longer active is
    refused here. The hold's row lock serialises captures of one hold, so there is no key
    to replay: a second capture finds it CAPTURED."""

    hold_id: int
    actor: str

    replay_on_refusal = False

    async def handle(self, db: OneStatement) -> Hold:
        params = {"hold_id": self.hold_id, "actor": self.actor, "now": datetime.now(UTC)}
        found = await db.fetch_row(CAPTURE_HOLD.call, params)
        assert found is not None
        row = SimpleNamespace(**dict(found))
        if row.outcome == "NOT_FOUND":
            raise _no_such_hold()
        if row.outcome == "NOT_ACTIVE":
            raise _not_active(row.status)
        if row.outcome == "REFUSED":  # pragma: no cover - a capture spends what it holds
            problem = refusal(
                Funds(row.balance_before, row.held_before),
                Change(points=-row.points, release=row.points),
            )
            raise DomainError([problem] if problem else [])
        return _model(row, _account(row))


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


@dataclass(frozen=True)
class ExpireHolds(Command[int]):
    """One batch of the sweep: one statement in one transaction."""

    now: datetime
    limit: int

    async def handle(self, uow: UnitOfWork) -> int:
        params = {"now": self.now, "limit": self.limit}
        return int((await uow.execute(EXPIRE_DUE, params)).scalar_one())


async def release_holds_of(uow: UnitOfWork, customer_id: int) -> int:
    """Free every active hold of the customer (RELEASED), in the open unit of work: an
    erased customer keeps nothing pending at a till; how many."""
    rows = (await uow.execute(LOCK_ACTIVE_OF_CUSTOMER, {"customer_id": customer_id})).all()
    for row in rows:
        await _end(uow, row, "RELEASED")
    return len(rows)


def _hold_id(raw: str) -> int:
    problems = Problems()
    hid = parse_id(problems, "holdId", raw)
    problems.raise_if_any()
    return hid


def _not_active(status: str) -> DomainError:
    return DomainError.one("holdId", ErrorCode.HOLD_NOT_ACTIVE, f"This hold is {status}.")


def _no_such_hold() -> DomainError:
    return DomainError.one("holdId", ErrorCode.NOT_FOUND, "No such hold.")


async def _lock(uow: UnitOfWork, hold_id: int) -> Any:
    row = (await uow.execute(LOCK_HOLD, {"hold_id": hold_id})).one_or_none()
    if row is None:
        raise _no_such_hold()
    return row


async def _end(uow: UnitOfWork, row: Any, status: str) -> tuple[Any, Account]:
    """End an active hold: free its points; the hold's row and the account after."""
    account = await unreserve(uow, row.customer_id, row.points)
    done = (await uow.execute(END_HOLD, {"hold_id": row.id, "status": status})).one()
    return done, account


def _account(row: Any) -> Account:
    return Account(
        row.customer_id,
        row.balance,
        row.lifetime_earned,
        row.lifetime_spent,
        row.held,
        row.lifetime_expired,
    )


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
