"""Applying a platform's Change: find (or, when the shop allows it, register) the customer,
then record the order, refund it, or register or update the customer, through the
purchases' and customers' own functions; everything keyed so that a platform's retry, or a
delivery of the same order under another topic, changes nothing more.

Nothing is written for a change that would be refused: the order's lines and time are
checked (by the purchases' own checks), and whether the order was recorded before for
another customer, before a customer is registered. An order the shop
also reported through the POS contract (same shop and order id) is the same purchase: its
later reports only advance its status, so it is never counted twice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.customers.lookups import customer_by_email
from domain.customers.services import create_customer, update_customer
from domain.errors import DomainError, ErrorCode, Problems
from domain.integrations.changes import Action, Change, PlatformCustomer
from domain.integrations.connections import Connection
from domain.integrations.log import Outcome
from domain.integrations.tables import platform_customers
from domain.purchases.refunds import refund_purchase
from domain.purchases.repository import order_earnings
from domain.purchases.services import RECORDED_FOR_ANOTHER, PurchaseReport, record_purchase
from domain.purchases.validation import check_lines, check_occurred_at
from domain.uow import UnitOfWork

CHANNELS = {"WOOCOMMERCE": "WEB", "SHOPIFY": "WEB", "DOLIBARR": "INVOICE"}
# Refusals that say the payload's content is wrong (answered 400), rather than that the
# business refuses it (answered 200 and logged REJECTED, so the platform does not retry).
_BAD_CONTENT = {ErrorCode.INVALID, ErrorCode.REQUIRED, ErrorCode.OUT_OF_RANGE}


async def apply(uow: UnitOfWork, connection: Connection, change: Change) -> Outcome:
    """Apply the change; the outcome to log and answer (nothing written when refused)."""
    actor = f"{connection.platform.lower()}:{connection.shop}"
    try:
        if change.action is Action.IGNORE:
            return Outcome("IGNORED", change.reason, change.order_id)
        if change.action is Action.CUSTOMER:
            assert change.customer is not None
            cid = await _customer(uow, connection, change.customer, True, actor, update=True)
            return Outcome("APPLIED", "", None, cid)
        if change.action is Action.REFUND:
            return await _refund(uow, connection, change, actor)
        return await _record(uow, connection, change, actor)
    except DomainError as error:
        reason = "; ".join(f"{p.field}: {p.message}" for p in error.problems)
        bad = any(p.code in _BAD_CONTENT for p in error.problems)
        return Outcome("REJECTED", reason, change.order_id, None, 400 if bad else 200)


async def _record(uow: UnitOfWork, connection: Connection, change: Change, actor: str) -> Outcome:
    assert change.order_id is not None and change.status is not None
    problems = Problems()
    check_lines(problems, change.lines)
    check_occurred_at(problems, change.occurred_at)
    problems.raise_if_any()  # before a customer may be registered: no partial write
    customer = change.customer or PlatformCustomer(None)
    async with uow:
        recorded = await order_earnings(uow, connection.shop, change.order_id)
    # An order recorded before belongs to its customer: nobody is registered for it.
    create = connection.create_customers and recorded is None
    cid = await _customer(uow, connection, customer, create, actor)
    if recorded is not None and cid != recorded.customer_id:
        return Outcome("REJECTED", f"orderId: {RECORDED_FOR_ANOTHER}", change.order_id, cid)
    if cid is None:
        reason = "No such customer here, and the shop does not register them."
        return Outcome("IGNORED", reason, change.order_id)
    report = PurchaseReport(
        order_id=change.order_id,
        status=change.status,
        lines=change.lines,
        customer_id=str(cid),
        shop=connection.shop,
        channel=CHANNELS[connection.platform],
        occurred_at=change.occurred_at,
    )
    record = await record_purchase(uow, report, actor)
    points = f"{record.points_awarded} point(s) awarded" if record.points_awarded else ""
    return Outcome(
        "APPLIED", "; ".join(r for r in (change.reason, points) if r), change.order_id, cid
    )


async def _refund(uow: UnitOfWork, connection: Connection, change: Change, actor: str) -> Outcome:
    assert change.order_id is not None
    key = f"{connection.platform.lower()}:{connection.shop}:refund:{change.refund_id}"
    try:
        refund = await refund_purchase(
            uow, change.order_id, connection.shop, change.refund_lines or None, key, actor
        )
    except DomainError as error:
        if error.problems[0].code is ErrorCode.NOT_FOUND:
            return Outcome("IGNORED", "The order was never recorded here.", change.order_id)
        raise
    return Outcome("APPLIED", f"{refund.amount_minor} refunded", change.order_id)


async def _customer(
    uow: UnitOfWork,
    connection: Connection,
    who: PlatformCustomer,
    create: bool,
    actor: str,
    update: bool = False,
) -> int | None:
    """The Tessera customer the platform's customer is: linked before by their platform id
    (their details updated from the platform's when `update`: a change of the customer
    itself, such as Dolibarr's COMPANY_MODIFY, never an order's billing details), else the
    first registered with their email (then linked), else registered now when `create`
    (keyed by their platform id or email); None otherwise."""
    if who.platform_id is not None:
        linked = await _linked(uow, connection, who.platform_id)
        if linked is not None:
            if update and _fields(who):  # the platform's details win
                await update_customer(uow, str(linked), _fields(who), actor)
            return linked
    found = await customer_by_email(uow, who.email) if who.email else None
    if found is not None:
        cid = found.id
    elif create and (who.platform_id or who.email):
        who_key = who.platform_id or who.email
        key = f"{connection.platform.lower()}:{connection.shop}:customer:{who_key}"
        # (An erasure drops the key of the customer it registered: a platform's customer
        # erased since is a new one for Tessera.)
        created = await create_customer(uow, _fields(who), None, actor, idempotency_key=key)
        cid = created.item.id
    else:
        return None
    if who.platform_id is not None:
        await run(uow, _Link(connection.platform, connection.shop, who.platform_id, cid))
    return cid


def _fields(who: PlatformCustomer) -> dict[str, object]:
    """A platform's customer as Tessera's fields (phones are left out: platforms keep them
    as typed, not in a form a message could reach)."""
    return {
        k: v
        for k, v in (
            ("email", who.email),
            ("first_name", who.first_name),
            ("last_name", who.last_name),
        )
        if v is not None
    }


async def _linked(uow: UnitOfWork, connection: Connection, platform_id: str) -> int | None:
    t = platform_customers
    query = select(t.c.customer_id).where(
        t.c.platform == connection.platform,
        t.c.shop == connection.shop,
        t.c.platform_customer_id == platform_id,
    )
    async with uow:
        found = (await uow.execute(query)).scalar_one_or_none()
    return int(found) if found is not None else None


@dataclass(frozen=True)
class _Link(Command[None]):
    platform: str
    shop: str
    platform_id: str
    customer_id: int

    async def handle(self, uow: UnitOfWork) -> None:
        await uow.execute(
            insert(platform_customers)
            .values(
                platform=self.platform,
                shop=self.shop,
                platform_customer_id=self.platform_id,
                customer_id=self.customer_id,
            )
            .on_conflict_do_nothing()
        )
