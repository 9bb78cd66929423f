"""Recording purchases, and awarding their points exactly once (refunds: refunds.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, text, update

from domain.cards.current_discounts import use_current_discount
from domain.cards.refusals import require_read_card
from domain.cards.sql import CARD_READS, card_read_order
from domain.checkout.orders import lock_order
from domain.commands import Command, OneStatementCommand, run
from domain.customers.erased import customer_erased
from domain.customers.sql import CUSTOMER_MULTIPLIERS
from domain.errors import DomainError, ErrorCode, Problems
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.pricing.prices import SourceKind
from domain.purchases import earning_rules
from domain.purchases import repository as repo
from domain.purchases.earning import (
    EarningRule,
    EarningSnapshot,
    Line,
    PurchaseStatus,
    points_for,
)
from domain.purchases.line_discounts import (
    LineDiscount,
    LineDiscountInput,
    check_discounts,
    off_the_lines_minor,
    require_sources,
    write_discounts,
)
from domain.purchases.locked_insert import (
    NOT_PAID_IN_MONEY,
    PAID_NOW,
    OrderPaymentsChanged,
    insert_if_unchanged,
)
from domain.purchases.models import Purchase, PurchaseLine, PurchaseRecord, award_key
from domain.purchases.points_given_back import kept_after_refunds
from domain.purchases.tables import purchases
from domain.purchases.validation import (
    check_channel,
    check_lines,
    check_occurred_at,
)
from domain.uow import Executor, OneStatement, UnitOfWork
from domain.validation import parse_id, required_text

RECORDED_FOR_ANOTHER = "This order was recorded for another customer."


@dataclass(frozen=True)
class PurchaseReport:
    """An order as a shop reports it; the customer is given by id or by card code."""

    order_id: str
    status: PurchaseStatus
    lines: list[Line]
    customer_id: str | None = None
    card_code: str | None = None
    shop: str = "default"
    channel: str = "POS"
    occurred_at: datetime | None = None
    # What the till gave off each line, as priceCart priced it (line_discounts).
    discounts: Sequence[LineDiscountInput] = ()


async def record_purchase(uow: UnitOfWork, report: PurchaseReport, actor: str) -> PurchaseRecord:
    """Record an order or a later status of it, awarding its points once.

    Points are awarded the first time the order is reported at or past the rule's award
    status, and never again: reporting the same order twice, concurrently or not, or its
    later statuses, awards nothing more. Lines are those of the first report.

    A report with line discounts is checked (domain.purchases.line_discounts: each card an
    active DISCOUNT card of the customer, each rule existing, the current discount open and
    the customer's) and recorded with them in one transaction, the current discount marked
    used by this sale: of concurrent sales using the same one, one records it and the
    others are refused (DISCOUNT_NOT_APPLICABLE) writing nothing. A report of an order
    recorded before changes nothing of its discounts."""
    problems = Problems()
    shop = required_text(problems, "shop", report.shop, 100)
    order_id = required_text(problems, "orderId", report.order_id, 100)
    if (report.customer_id is None) == (report.card_code is None):
        problems.add("customerId", ErrorCode.REQUIRED, "Give either customerId or cardCode.")
    cid = parse_id(problems, "customerId", report.customer_id) if report.customer_id else 0
    check_channel(problems, report.channel)
    lines = check_lines(problems, report.lines)
    occurred_at = check_occurred_at(problems, report.occurred_at)
    discounts = check_discounts(problems, lines, report.discounts)
    problems.raise_if_any()

    record = RecordPurchase(
        shop,
        order_id,
        cid,
        report.card_code,
        report.channel,
        report.status,
        lines,
        occurred_at,
        actor,
    )
    if discounts:
        return await run(uow, RecordDiscountedPurchase(record, discounts))
    return await run(uow, record)


@dataclass(frozen=True)
class RecordPurchase(OneStatementCommand[PurchaseRecord]):
    """A new order is one read and one self-contained write (purchase, lines, award,
    events): no transaction. Awarded at once, the write is made under the order's lock,
    only while the order's payments are what the award was computed from
    (locked_insert.py); when they changed, it continues as RecordPurchaseUnderLock. An
    order reported before continues as ReportPurchaseAgain, which takes the purchase's row
    lock in a transaction."""

    shop: str
    order_id: str
    customer_id: int  # 0 when the card code names the customer
    card_code: str | None
    channel: str
    status: PurchaseStatus
    lines: list[Line]
    occurred_at: datetime
    actor: str

    async def handle(self, db: OneStatement) -> PurchaseRecord | Command[PurchaseRecord]:
        try:
            return await self.record(db)
        except OrderPaymentsChanged:
            return RecordPurchaseUnderLock(self)

    async def record(
        self, db: Executor, discounts: Sequence[LineDiscount] = (), order_locked: bool = False
    ) -> PurchaseRecord | ReportPurchaseAgain:
        """Read the context, then write the purchase in one statement (under the order's
        lock when it is awarded now and the caller does not hold it: OrderPaymentsChanged
        when its payments changed since the read); a known order continues as
        ReportPurchaseAgain. What `discounts` take off the lines is not paid in money: it
        earns nothing, like a voucher."""
        ctx = await _earning_context(
            db,
            self.card_code,
            {
                "id": self.customer_id,
                "shop": self.shop,
                "order_id": self.order_id,
                **earning_rules.terms_params(self.lines, self.channel, self.occurred_at),
            },
        )
        off_minor = off_the_lines_minor(discounts)
        snapshot = _snapshot(ctx, ctx.terms, off_minor)
        award_now = self.status.rank >= ctx.rule.award_status.rank
        points = points_for(self.lines, snapshot) if award_now else 0
        purchase = Purchase(
            id=0,
            shop=self.shop,
            order_id=self.order_id,
            customer_id=ctx.customer_id,
            channel=self.channel,
            status=self.status,
            total_minor=sum(ln.amount_minor for ln in self.lines),
            occurred_at=self.occurred_at,
            points_earned=points,
            awarded_at=datetime.now(UTC) if award_now else None,
            lines=[
                PurchaseLine(
                    ln.sku,
                    ln.quantity,
                    ln.unit_price_minor,
                    ln.discounted,
                    ln.product_line,
                    line_no=no,
                )
                for no, ln in enumerate(self.lines, start=1)
            ],
        )
        award = _award_posting(purchase, points, self.actor) if points > 0 else None
        values = {
            "shop": self.shop,
            "order_id": self.order_id,
            "customer_id": ctx.customer_id,
            "channel": self.channel,
            "status": self.status.value,
            "total_minor": purchase.total_minor,
            "occurred_at": self.occurred_at,
            "points_earned": points,
            "awarded_at": purchase.awarded_at,
            "earning_snapshot": snapshot.to_json() if award_now else None,
        }
        if award_now and not order_locked:
            new_id, posted = await insert_if_unchanged(
                db,
                values,
                self.lines,
                award,
                off_minor,
                earning_rules.PROGRAM_ID,
                ctx.points_paid_minor,
            )
        else:
            new_id, posted = await repo.insert_if_new(db, values, self.lines, award, off_minor)
        if new_id is None:
            return ReportPurchaseAgain(self.shop, self.order_id, self.status, ctx, self.actor)
        return PurchaseRecord(
            purchase=replace(purchase, id=new_id),
            points_awarded=points,
            replayed=False,
            account=posted.account(ctx.customer_id) if posted else None,
        )


@dataclass(frozen=True)
class RecordPurchaseUnderLock(Command[PurchaseRecord]):
    """A new order whose payments changed while it was being recorded: read and written
    again in a transaction holding the order's lock, so no payment moves in between."""

    record: RecordPurchase

    async def handle(self, uow: UnitOfWork) -> PurchaseRecord:
        await lock_order(uow, self.record.shop, self.record.order_id)
        done = await self.record.record(uow, order_locked=True)
        if isinstance(done, ReportPurchaseAgain):
            return await done.handle(uow)
        return done


@dataclass(frozen=True)
class RecordDiscountedPurchase(Command[PurchaseRecord]):
    """A sale with line discounts: its sources checked, the purchase written by the same
    statement as RecordPurchase, its discounts written and its current discount used, in
    one transaction (any refusal writes nothing)."""

    record: RecordPurchase
    discounts: list[LineDiscount]

    async def handle(self, uow: UnitOfWork) -> PurchaseRecord:
        # The order's lock first: the context read after it sees every payment on the order.
        await lock_order(uow, self.record.shop, self.record.order_id)
        done = await self.record.record(uow, self.discounts, order_locked=True)
        if isinstance(done, ReportPurchaseAgain):
            return await done.handle(uow)
        purchase = done.purchase
        await require_sources(uow, purchase.customer_id, self.discounts)
        for d in self.discounts:
            if d.source is SourceKind.CURRENT_DISCOUNT:
                field = f"{d.field}.sourceId"
                await use_current_discount(
                    uow, d.source_id, purchase.customer_id, purchase.id, field
                )
                break
        await write_discounts(uow, purchase.id, purchase.customer_id, self.discounts)
        return replace(done, purchase=replace(purchase, discounts=list(self.discounts)))


@dataclass(frozen=True)
class _EarningContext:
    customer_id: int
    multiplier: Decimal
    rule: EarningRule
    # The overrides and promotions for the reported lines, channel and time.
    terms: earning_rules.EarningTerms
    # Taken off this order by vouchers, and paid with points (or held to be) when that part
    # does not earn.
    points_paid_minor: int


_CONTEXT_COLUMNS = f"""
    SELECT c.id, c.earn_multiplier, c.erased_at, r.points_per_unit, r.spend_unit_minor,
           r.award_status, r.min_order_minor, r.exclude_discounted, {earning_rules.TERMS_COLUMNS},
           {NOT_PAID_IN_MONEY} AS points_paid_minor"""
_CONTEXT_FROM = f"""
      FROM ({CUSTOMER_MULTIPLIERS}) c
      JOIN earning_rules r ON r.id = :program"""
_PROGRAM = {"program": earning_rules.PROGRAM_ID}
_CONTEXT_BY_ID = text(f"{_CONTEXT_COLUMNS} {_CONTEXT_FROM} WHERE c.id = :id")
# By any of the customer's cards, still one statement: the card the code names comes with
# its status, and one that is not ACTIVE is refused (never accepted silently).
_CONTEXT_BY_CARD = text(f"""
    {_CONTEXT_COLUMNS}, k.code AS card_code, k.status AS card_status,
           k.status_reason AS card_status_reason, k.status_changed_at AS card_status_changed_at
    {_CONTEXT_FROM}
      JOIN ({CARD_READS}) k ON k.customer_id = c.id
     WHERE k.code = :card
     ORDER BY {card_read_order("k")} LIMIT 1""")


async def _earning_context(
    db: Executor, card_code: str | None, params: dict[str, Any]
) -> _EarningContext:
    """The customer, its multiplier, the rule, the lines' overrides and promotions, and
    what points already paid on the order: one round trip. `params` has the customer's
    `id` (unless a card code is given), `shop`, `order_id` and earning_rules.terms_params."""
    params = {**params, "program": earning_rules.PROGRAM_ID}
    if card_code is not None:
        field = "cardCode"
        row = await db.fetch_row(_CONTEXT_BY_CARD, {**params, "card": card_code})
        if row is not None:
            require_read_card(row, field)
    else:
        field = "customerId"
        row = await db.fetch_row(_CONTEXT_BY_ID, params)
    if row is None:
        raise DomainError.one(field, ErrorCode.NOT_FOUND, "No such customer.")
    if row["erased_at"] is not None:
        raise customer_erased(field)
    return _EarningContext(
        customer_id=row["id"],
        multiplier=Decimal(row["earn_multiplier"]),
        rule=EarningRule(
            row["points_per_unit"],
            row["spend_unit_minor"],
            PurchaseStatus(row["award_status"]),
            row["min_order_minor"],
            row["exclude_discounted"],
        ),
        terms=earning_rules.terms_from(row),
        points_paid_minor=int(row["points_paid_minor"]),
    )


def _snapshot(
    ctx: _EarningContext, terms: earning_rules.EarningTerms, discounts_minor: int = 0
) -> EarningSnapshot:
    """The earning terms frozen for the purchase; `discounts_minor` (what cards and a
    current discount took off its lines) is, like points and vouchers, not paid in money."""
    return EarningSnapshot.of(
        ctx.rule,
        ctx.multiplier,
        terms.overrides,
        ctx.points_paid_minor + discounts_minor,
        terms.line_overrides,
        terms.promotions,
    )


def _award_posting(purchase: Purchase, points: int, actor: str) -> post.Posting:
    """The PURCHASE credit of an order; its key ties it to the purchase row."""
    return post.Posting.of(
        purchase.customer_id,
        points,
        EntryKind.PURCHASE,
        actor,
        source_type="purchase",
        source_ref=f"{purchase.shop}/{purchase.order_id}",
        idempotency_key=award_key(purchase.id),
    )


@dataclass(frozen=True)
class ReportPurchaseAgain(Command[PurchaseRecord]):
    """A later report of a known order: advance its status, award if now due (once)."""

    shop: str
    order_id: str
    status: PurchaseStatus
    ctx: _EarningContext
    actor: str

    async def handle(self, uow: UnitOfWork) -> PurchaseRecord:
        return await _report_again(uow, self.shop, self.order_id, self.status, self.ctx, self.actor)


async def _report_again(
    uow: UnitOfWork,
    shop: str,
    order_id: str,
    status: PurchaseStatus,
    ctx: _EarningContext,
    actor: str,
) -> PurchaseRecord:
    # The order's lock before the purchase's row, as every path that takes both: a new order
    # recorded under the order's lock that finds it known continues here holding it.
    await lock_order(uow, shop, order_id)
    purchase = await repo.lock_purchase(uow, shop, order_id)
    assert purchase is not None
    if purchase.customer_id != ctx.customer_id:
        raise DomainError.one("orderId", ErrorCode.DUPLICATE, RECORDED_FOR_ANOTHER)
    if status.rank > purchase.status.rank:
        await uow.execute(
            update(purchases)
            .where(purchases.c.id == purchase.id)
            .values(status=status.value, updated_at=func.now())
        )
    reached = max(status, purchase.status, key=lambda s: s.rank)
    awarded, account = 0, None
    if purchase.awarded_at is None and reached.rank >= ctx.rule.award_status.rank:
        # Under the order's lock (taken above), which every payment on it takes first: a
        # payment either came before and is counted (read again here, after the lock), or
        # comes after and finds the order awarded (ORDER_ALREADY_AWARDED). The context was
        # read earlier: its points_paid_minor alone, read again.
        paid = await uow.execute(PAID_NOW, {"shop": shop, "order_id": order_id, **_PROGRAM})
        ctx = replace(ctx, points_paid_minor=int(paid.scalar_one()))
        # The terms of every line, the refunded ones too: the award counts what the whole
        # order earned, as refunds after an award do.
        every_line = [replace(ln, refunded_quantity=0) for ln in purchase.lines]
        terms = await earning_rules.terms_for(
            uow, every_line, purchase.channel, purchase.occurred_at
        )
        snapshot = _snapshot(ctx, terms, off_the_lines_minor(purchase.discounts))
        # Refunds before the award leave the order earning what they would leave made after
        # it. The snapshot keeps the whole amount, which later refunds shrink again
        # (refunds._points_due).
        refunded = any(ln.refunded_quantity for ln in purchase.lines)
        steps = await repo.refunded_steps(uow, purchase.id) if refunded else []
        awarded = kept_after_refunds(snapshot, purchase, steps)
        if awarded > 0:
            posting = _award_posting(purchase, awarded, actor)
            account = (await post.credit(uow, posting)).account(purchase.customer_id)
        await uow.execute(
            update(purchases)
            .where(purchases.c.id == purchase.id)
            .values(
                awarded_at=func.now(),
                points_earned=awarded,
                earning_snapshot=snapshot.to_json(),
                updated_at=func.now(),
            )
        )
    result = await repo.get_purchase(uow, purchase.id)
    assert result is not None
    return PurchaseRecord(purchase=result, points_awarded=awarded, replayed=True, account=account)
