"""Dolibarr's Webhook module's calls ({"triggercode": ..., "object": {...}}) read as a Change.

Customer invoices (standard, replacement and deposit ones): BILL_VALIDATE records the
invoice at CREATED and BILL_PAYED at PAID (so the shop's earning rule decides when points
are awarded; a shop that awards on validation maps BILL_VALIDATE to PAID); a validated
credit note (type 2) refunds its lines from the invoice it corrects (fk_facture_source);
BILL_CANCEL refunds whatever the invoice has not had refunded. COMPANY_CREATE and
COMPANY_MODIFY register or update the customer (the third party: its id is the platform's
customer id). Other triggers change nothing.

A line's SKU is its product's ref (`product-<id>` without one, `line-<n>` for a free
line), its price its total before tax (after the line's discount) over its quantity, its
product line "product" or "service" (Dolibarr's product type). A line with a negative
total on an invoice is a discount (or a deposit or credit already invoiced) that lowers the
other lines pro rata. Amounts are Dolibarr's total_ht, in the company's currency (the
shop's setting `currency`, EUR when unset) whatever currency the invoice is in
(multicurrency_code): the shop's earning rules count in its own currency."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.cards.combining import spread
from domain.integrations.changes import (
    Action,
    Change,
    PayloadError,
    PlatformCustomer,
    list_at,
    mapped_status,
    minor_units,
    moment,
    object_at,
    quantity_of,
    text_of,
    unit_price,
)
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.validation import RefundLine

INVOICE_TRIGGERS = ("BILL_VALIDATE", "BILL_PAYED", "BILL_CANCEL")
CUSTOMER_TRIGGERS = ("COMPANY_CREATE", "COMPANY_MODIFY")
STATUSES = {"BILL_VALIDATE": "CREATED", "BILL_PAYED": "PAID", "BILL_CANCEL": "REFUND"}
CREDIT_NOTE = 2
# Invoices that sell: standard (0), replacement of an abandoned one (1, which BILL_CANCEL
# refunded) and deposit (3: its amount is taken off the final invoice by a negative line,
# so deposit and final invoice together earn on the whole sale). Situation invoices (5)
# and others are not read.
_SALES = ("0", "1", "3")
_PRODUCT_TYPES = {"0": "product", "1": "service"}


def read(body: dict[str, Any], overrides: Mapping[str, str]) -> Change:
    trigger = text_of(body.get("triggercode"), "triggercode")
    assert trigger is not None
    if trigger in CUSTOMER_TRIGGERS:
        return _company(trigger, object_at(body.get("object"), "object"))
    if trigger not in INVOICE_TRIGGERS:
        return Change(Action.IGNORE, trigger, reason=f"Trigger {trigger!r} is not handled.")
    invoice = object_at(body.get("object"), "object")
    invoice_id = text_of(invoice.get("id"), "object.id")
    kind = text_of(invoice.get("type"), "object.type", required=False) or "0"
    currency = overrides.get("currency") or "EUR"
    if kind == str(CREDIT_NOTE):
        if trigger != "BILL_VALIDATE":
            return Change(Action.IGNORE, trigger, invoice_id, reason="A credit note's trigger.")
        source = text_of(invoice.get("fk_facture_source"), "object.fk_facture_source")
        lines = _lines(invoice, currency, credit_note=True)
        refund = [RefundLine(line.sku, line.quantity) for line in lines]
        return Change(Action.REFUND, trigger, source, refund_lines=refund, refund_id=invoice_id)
    if kind not in _SALES:
        return Change(Action.IGNORE, trigger, invoice_id, reason=f"Invoice type {kind}.")
    mapped = mapped_status(STATUSES, overrides, trigger)
    if mapped == "IGNORE":
        return Change(Action.IGNORE, trigger, invoice_id, reason="The trigger is ignored.")
    if mapped == "REFUND":
        return Change(Action.REFUND, trigger, invoice_id, refund_id=f"{invoice_id}-cancel")
    return Change(
        Action.RECORD,
        trigger,
        invoice_id,
        status=PurchaseStatus(mapped),
        lines=_lines(invoice, currency),
        occurred_at=moment(invoice.get("date_validation") or invoice.get("date"), "object.date"),
        customer=PlatformCustomer(text_of(invoice.get("socid"), "object.socid")),
    )


def _lines(invoice: dict[str, Any], currency: str, credit_note: bool = False) -> list[Line]:
    """The invoice's lines. A credit note's amounts and quantities are negative: read as
    their size. On an invoice, a line whose total is negative is a discount (or a deposit
    or credit already invoiced) taken off the whole invoice: it lowers the other lines pro
    rata of their totals, so that they add up to the invoice's total before tax."""
    read = []
    off = 0
    for i, raw in enumerate(list_at(invoice.get("lines"), "object.lines")):
        line = object_at(raw, f"object.lines.{i}")
        where = f"object.lines.{i}"
        total = minor_units(line.get("total_ht"), currency, f"{where}.total_ht")
        if credit_note:
            total = abs(total)
        elif total < 0:
            off -= total
            continue
        quantity = quantity_of(_size(line.get("qty"), where) if credit_note else line.get("qty"),
                               f"{where}.qty")  # fmt: skip
        ref = line.get("product_ref") or line.get("ref")
        if isinstance(ref, str) and ref:
            sku = ref
        elif line.get("fk_product"):
            sku = f"product-{text_of(line.get('fk_product'), f'{where}.fk_product')}"
        else:
            sku = f"line-{i + 1}"
        read.append((sku, quantity, total, _PRODUCT_TYPES.get(str(line.get("product_type")))))
    totals = [total for _, _, total, _ in read]
    if off > sum(totals):
        raise PayloadError("object.lines: the discount lines take off more than the invoice.")
    shares = spread(off, totals)
    return [
        Line(sku, quantity, unit_price(total - share, quantity), False, product_type)
        for (sku, quantity, total, product_type), share in zip(read, shares, strict=True)
    ]


def _size(value: Any, where: str) -> Decimal:
    """A credit note's (negative) quantity as its size."""
    try:
        return Decimal(str(value)).copy_abs()
    except (InvalidOperation, ValueError):
        raise PayloadError(f"{where}.qty: {value!r} is not a quantity.") from None


def _company(trigger: str, company: dict[str, Any]) -> Change:
    kind = str(company.get("client", "1"))
    if kind not in ("1", "3"):  # 1 customer, 2 prospect, 3 both
        return Change(Action.IGNORE, trigger, reason="A third party that is not a customer.")
    name = company.get("name")
    email = company.get("email")
    phone = company.get("phone")
    return Change(
        Action.CUSTOMER,
        trigger,
        customer=PlatformCustomer(
            text_of(company.get("id"), "object.id"),
            email=email if isinstance(email, str) and email else None,
            last_name=name if isinstance(name, str) and name else None,
            phone=phone if isinstance(phone, str) and phone else None,
        ),
    )
