"""Recording purchases (and awarding their points exactly once) and refunding them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from domain.errors import DomainError, ErrorCode, Problems
from domain.events.types import PurchaseRefunded
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.ledger.queries import get_account, lot_opened_by
from domain.purchases import repository as repo
from domain.purchases import rules
from domain.purchases.earning import (
    EarningRule,
    EarningSnapshot,
    Line,
    OverrideMode,
    PurchaseStatus,
    points_for,
)
from domain.purchases.models import Purchase, PurchaseLine, PurchaseRecord, Refund
from domain.purchases.tables import purchase_lines, purchases, refunds
from domain.purchases.validation import (
    RefundLine,
    check_lines,
    check_occurred_at,
    check_refund_lines,
)
from domain.uow import UnitOfWork, violated_constraint
from domain.validation import parse_id, required_text

CHANNELS = ("POS", "WEB", "INVOICE")


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


async def record_purchase(uow: UnitOfWork, report: PurchaseReport, actor: str) -> PurchaseRecord:
    """Record an order or a later status of it, awarding its points once.

    Points are awarded the first time the order is reported at or past the rule's award
    status, and never again: reporting the same order twice, concurrently or not, or its
    later statuses, awards nothing more. Lines are those of the first report."""
    problems = Problems()
    shop = required_text(problems, "shop", report.shop, 100)
    order_id = required_text(problems, "orderId", report.order_id, 100)
    if (report.customer_id is None) == (report.card_code is None):
        problems.add("customerId", ErrorCode.REQUIRED, "Give either customerId or cardCode.")
    cid = parse_id(problems, "customerId", report.customer_id) if report.customer_id else 0
    if report.channel not in CHANNELS:
        problems.add("channel", ErrorCode.INVALID, f"One of {', '.join(CHANNELS)}.")
    lines = check_lines(problems, report.lines)
    occurred_at = check_occurred_at(problems, report.occurred_at)
    problems.raise_if_any()

    # A new order is one read and one self-contained write (purchase, lines, award, events):
    # no transaction is needed. A repeated report takes the row lock in a transaction.
    async with uow.autocommit():
        ctx = await _earning_context(uow, cid, report.card_code, [ln.sku for ln in lines])
        snapshot = EarningSnapshot.of(ctx.rule, ctx.multiplier, ctx.overrides)
        award_now = report.status.rank >= ctx.rule.award_status.rank
        points = points_for(lines, snapshot) if award_now else 0
        purchase = Purchase(
            id=0,
            shop=shop,
            order_id=order_id,
            customer_id=ctx.customer_id,
            channel=report.channel,
            status=report.status,
            total_minor=sum(ln.amount_minor for ln in lines),
            occurred_at=occurred_at,
            points_earned=points,
            awarded_at=datetime.now(UTC) if award_now else None,
            lines=[
                PurchaseLine(ln.sku, ln.quantity, ln.unit_price_minor, ln.discounted, line_no=no)
                for no, ln in enumerate(lines, start=1)
            ],
        )
        award = _award_posting(purchase, points, actor) if points > 0 else None
        new_id, posted = await repo.insert_if_new(
            uow,
            {
                "shop": shop,
                "order_id": order_id,
                "customer_id": ctx.customer_id,
                "channel": report.channel,
                "status": report.status.value,
                "total_minor": purchase.total_minor,
                "occurred_at": occurred_at,
                "points_earned": points,
                "awarded_at": purchase.awarded_at,
                "earning_snapshot": snapshot.to_json() if award_now else None,
            },
            lines,
            award,
        )
    if new_id is not None:
        return PurchaseRecord(
            purchase=replace(purchase, id=new_id),
            points_awarded=points,
            replayed=False,
            account=posted.account(ctx.customer_id) if posted else None,
        )
    async with uow:
        record = await _report_again(uow, shop, order_id, report.status, ctx, actor)
        await uow.commit()
    return record


@dataclass(frozen=True)
class _EarningContext:
    customer_id: int
    multiplier: Decimal
    rule: EarningRule
    overrides: dict[str, tuple[OverrideMode, int]]


_CONTEXT = """
    SELECT c.id, pc.earn_multiplier, r.points_per_unit, r.spend_unit_minor, r.award_status,
           r.min_order_minor, r.exclude_discounted,
           (SELECT COALESCE(json_agg(json_build_array(o.sku, o.mode, o.value)), '[]'::json)
              FROM product_earning_overrides o WHERE o.sku = ANY(:skus)) AS overrides
      FROM customers c
      JOIN point_categories pc ON pc.id = c.category_id
      JOIN earning_rules r ON r.id = :program
"""
_CONTEXT_BY_ID = text(f"{_CONTEXT} WHERE c.id = :id")
_CONTEXT_BY_CARD = text(f"{_CONTEXT} WHERE c.card_code = :card")


async def _earning_context(
    uow: UnitOfWork, customer_id: int, card_code: str | None, skus: list[str]
) -> _EarningContext:
    """The customer, its multiplier, the rule and the lines' overrides: one round trip."""
    params = {"skus": skus, "program": rules.PROGRAM_ID}
    if card_code is not None:
        field = "cardCode"
        row = await uow.fetch_row(_CONTEXT_BY_CARD, {**params, "card": card_code})
    else:
        field = "customerId"
        row = await uow.fetch_row(_CONTEXT_BY_ID, {**params, "id": customer_id})
    if row is None:
        raise DomainError.one(field, ErrorCode.NOT_FOUND, "No such customer.")
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
        overrides={sku: (OverrideMode(mode), int(value)) for sku, mode, value in row["overrides"]},
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
        idempotency_key=f"purchase:{purchase.id}",
    )


async def _report_again(
    uow: UnitOfWork,
    shop: str,
    order_id: str,
    status: PurchaseStatus,
    ctx: _EarningContext,
    actor: str,
) -> PurchaseRecord:
    """A later report of a known order: advance its status, award if now due (once)."""
    purchase = await repo.lock_purchase(uow, shop, order_id)
    assert purchase is not None
    if purchase.customer_id != ctx.customer_id:
        raise DomainError.one(
            "orderId", ErrorCode.DUPLICATE, "This order was recorded for another customer."
        )
    if status.rank > purchase.status.rank:
        await uow.execute(
            update(purchases)
            .where(purchases.c.id == purchase.id)
            .values(status=status.value, updated_at=func.now())
        )
    reached = max(status, purchase.status, key=lambda s: s.rank)
    awarded, account = 0, None
    if purchase.awarded_at is None and reached.rank >= ctx.rule.award_status.rank:
        lines = repo.remaining_lines(purchase)
        overrides = await rules.overrides_for(uow, [ln.sku for ln in lines])
        snapshot = EarningSnapshot.of(ctx.rule, ctx.multiplier, overrides)
        awarded = points_for(lines, snapshot)
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


async def refund_purchase(
    uow: UnitOfWork,
    order_id: str,
    shop: str,
    lines: list[RefundLine] | None,
    idempotency_key: str,
    actor: str,
) -> Refund:
    """Refund some lines (or, with `lines` None, everything not yet refunded) of an order.

    Takes back the points earned on the refunded part: the difference between what the
    order earned and what its remaining lines would earn under the same snapshot. If the
    customer has already spent them, takes what the balance allows and records the rest
    as uncollected: the balance never goes below zero. Replaying the key returns the
    first refund."""
    problems = Problems()
    clean_order = required_text(problems, "orderId", order_id, 100)
    clean_shop = required_text(problems, "shop", shop, 100)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    refund_lines = check_refund_lines(problems, lines)
    problems.raise_if_any()
    try:
        async with uow:
            refund = await _refund(uow, clean_shop, clean_order, refund_lines, key, actor)
            await uow.commit()
            return refund
    except post.IdempotencyKeyTaken:
        pass  # a concurrent refund under the same key committed first: answer with it
    except IntegrityError as error:
        if violated_constraint(error) != "uq_refunds_idempotency_key":
            raise
    async with uow:
        replayed = await _replayed_refund(uow, key, clean_shop, clean_order)
    assert replayed is not None
    return replayed


async def _replayed_refund(uow: UnitOfWork, key: str, shop: str, order_id: str) -> Refund | None:
    """The refund made earlier under `key`, if any; a key used for another order conflicts."""
    row = (
        await uow.execute(
            select(refunds, purchases.c.shop, purchases.c.order_id)
            .join(purchases, purchases.c.id == refunds.c.purchase_id)
            .where(refunds.c.idempotency_key == key)
        )
    ).one_or_none()
    if row is None:
        return None
    if (row.shop, row.order_id) != (shop, order_id):
        raise DomainError.one(
            "idempotencyKey",
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This key was already used to refund another order.",
        )
    return _refund_model(row, replayed=True)


async def _refund(
    uow: UnitOfWork, shop: str, order_id: str, lines: list[RefundLine] | None, key: str, actor: str
) -> Refund:
    # Refunds of one order are serialised by the purchase's row lock, so the replay check
    # after taking it sees any refund committed under the same key meanwhile.
    purchase = await repo.lock_purchase(uow, shop, order_id)
    replayed = await _replayed_refund(uow, key, shop, order_id)
    if replayed is not None:
        return replayed
    if purchase is None:
        raise DomainError.one("orderId", ErrorCode.NOT_FOUND, "No such order.")
    quantities = _refund_quantities(purchase.lines, lines)
    amount = 0
    for line in purchase.lines:
        qty = quantities.get(line.line_no, 0)
        if qty:
            amount += qty * line.unit_price_minor
            await uow.execute(
                update(purchase_lines)
                .where(
                    purchase_lines.c.purchase_id == purchase.id,
                    purchase_lines.c.line_no == line.line_no,
                )
                .values(refunded_quantity=purchase_lines.c.refunded_quantity + qty)
            )
    due = await _points_due(uow, purchase.id, purchase.points_earned)
    taken, entry_id = 0, None
    if due > 0:
        account = await get_account(uow, purchase.customer_id)
        assert account is not None
        taken = min(due, account.balance)
        if taken > 0:
            posting = post.Posting.of(
                purchase.customer_id,
                -taken,
                EntryKind.REFUND,
                actor,
                source_type="purchase",
                source_ref=f"{shop}/{order_id}",
                idempotency_key=f"refund:{key}",
                note=f"Refund of order {order_id}",
            )
            lot = await lot_opened_by_purchase(uow, purchase.id)
            posted = await post.debit(uow, posting, preferred_lot_id=lot)
            entry_id = posted.entry_id
    row = (
        await uow.execute(
            pg_insert(refunds)
            .values(
                purchase_id=purchase.id,
                idempotency_key=key,
                lines=[{"line_no": n, "quantity": q} for n, q in sorted(quantities.items())],
                amount_minor=amount,
                points_due=due,
                points_taken=taken,
                points_uncollected=due - taken,
                entry_id=entry_id,
            )
            .returning(refunds)
        )
    ).one()
    uow.record(
        PurchaseRefunded(
            customer_id=purchase.customer_id,
            shop=shop,
            order_id=order_id,
            amount_minor=amount,
            points_taken=taken,
            points_uncollected=due - taken,
        )
    )
    return _refund_model(row)


def _refund_quantities(
    purchase_lines_: list[Any], lines: list[RefundLine] | None
) -> dict[int, int]:
    """Line number -> quantity to refund; SKUs spread over the order's lines in order."""
    left = {ln.line_no: ln.quantity - ln.refunded_quantity for ln in purchase_lines_}
    if lines is None:
        everything = {n: q for n, q in left.items() if q > 0}
        if not everything:
            raise DomainError.one(
                "lines",
                ErrorCode.REFUND_EXCEEDS_PURCHASE,
                "Everything on this order is refunded already.",
            )
        return everything
    quantities: dict[int, int] = {}
    problems = Problems()
    for i, wanted in enumerate(lines):
        need = wanted.quantity
        for ln in purchase_lines_:
            if ln.sku == wanted.sku.strip() and need > 0:
                take = min(need, left[ln.line_no])
                left[ln.line_no] -= take
                quantities[ln.line_no] = quantities.get(ln.line_no, 0) + take
                need -= take
        if need > 0:
            problems.add(
                f"lines.{i}.quantity",
                ErrorCode.REFUND_EXCEEDS_PURCHASE,
                f"Only {wanted.quantity - need} of {wanted.sku!r} can still be refunded.",
            )
    problems.raise_if_any()
    return quantities


async def _points_due(uow: UnitOfWork, purchase_id: int, points_earned: int) -> int:
    """Earned points not yet claimed back minus what the remaining lines still earn."""
    snapshot_json = await repo.earning_snapshot_json(uow, purchase_id)
    if snapshot_json is None:  # not awarded yet: the award will count remaining lines only
        return 0
    purchase = await repo.get_purchase(uow, purchase_id)
    assert purchase is not None
    still_earned = points_for(
        repo.remaining_lines(purchase), EarningSnapshot.from_json(snapshot_json)
    )
    already_due = (
        await uow.execute(
            select(func.coalesce(func.sum(refunds.c.points_due), 0)).where(
                refunds.c.purchase_id == purchase_id
            )
        )
    ).scalar_one()
    return max(0, points_earned - int(already_due) - still_earned)


async def lot_opened_by_purchase(uow: UnitOfWork, purchase_id: int) -> int | None:
    entry = (
        await uow.execute(
            text("SELECT id FROM ledger_entries WHERE idempotency_key = :k"),
            {"k": f"purchase:{purchase_id}"},
        )
    ).scalar_one_or_none()
    return await lot_opened_by(uow, entry) if entry is not None else None


def _refund_model(row: Any, replayed: bool = False) -> Refund:
    return Refund(
        id=row.id,
        purchase_id=row.purchase_id,
        amount_minor=row.amount_minor,
        points_due=row.points_due,
        points_taken=row.points_taken,
        points_uncollected=row.points_uncollected,
        entry_id=row.entry_id,
        replayed=replayed,
    )


async def update_earning_rules(
    uow: UnitOfWork,
    changes: dict[str, Any],
    overrides: list[tuple[str, Any, int]],
    removed_skus: list[str],
) -> tuple[Any, dict[str, Any]]:
    """Change the global earning rule and set or remove per-product overrides.

    Only purchases awarded after the change use the new rule; earlier ones keep their
    snapshot (so their refunds reverse exactly what they earned)."""
    async with uow:
        current = await rules.get_rule(uow)
        rule = type(current)(**{**current.__dict__, **changes})
        problems = Problems()
        rules.check_rule(problems, rule)
        upserts = {
            rules.check_override(problems, f"productOverrides.{i}", sku, mode, value): (mode, value)
            for i, (sku, mode, value) in enumerate(overrides)
        }
        problems.raise_if_any()
        await rules.save_rule(uow, rule)
        await rules.save_overrides(uow, upserts, removed_skus)
        result = (rule, await rules.all_overrides(uow))
        await uow.commit()
    return result
