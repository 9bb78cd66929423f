"""Helpers of the funnel definitions' tests.

`check_filter` is a TEST DOUBLE for funnels.segments.check_filter (another package, built in
parallel and wired by the composition root): it knows a few filter fields, so that a filter
on an unknown field is refused with its path, as the real checker does. The definitions'
code only relies on its contract (funnels.definitions.filters.FilterCheck)."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.categories import create_category
from domain.errors import ErrorCode, Problems
from domain.uow import UnitOfWork
from domain.vouchers.batches import BatchRequest, create_voucher_batch
from domain.vouchers.models import VoucherKind, VoucherTerms
from notifications.store.models import Purpose, TemplateSpec, Translation
from notifications.store.services import create_template
from notifications.templates import Channel

FILTER_FIELDS = {"balanceAtLeast", "birthdayToday", "hasPurchased", "category"}


def check_filter(problems: Problems, value: object, path: str) -> object | None:
    if not isinstance(value, dict) or not value:
        problems.add(path, ErrorCode.INVALID, "A filter is an object of conditions.")
        return None
    unknown = [key for key in value if key not in FILTER_FIELDS]
    for key in unknown:
        problems.add(f"{path}.{key}", ErrorCode.INVALID, "Unknown field.")
    # A value of its own, not JSON (as funnels.segments returns its model): kept out of
    # the stored definition.
    return None if unknown else frozenset(value)


WELCOME: dict[str, Any] = {
    "name": "Welcome series",
    "description": "New customers: a welcome email with points, then a nudge to buy.",
    "entry": {"trigger": {"event": "CUSTOMER_REGISTERED"}, "reentry": "ONCE"},
    "exit": {"events": ["PURCHASE_RECORDED"]},
    "start": "wait_1_day",
    "steps": [
        {"id": "wait_1_day", "type": "wait", "duration": "P1D", "next": "welcome_points"},
        {"id": "welcome_points", "type": "addPoints", "points": 100, "next": "welcome_email"},
        {"id": "welcome_email", "type": "sendEmail", "template": "welcome", "next": "wait_week"},
        {"id": "wait_week", "type": "wait", "duration": "P7D", "next": "bought"},
        {
            "id": "bought",
            "type": "branch",
            "filter": {"hasPurchased": True},
            "yes": "done",
            "no": "voucher",
        },
        {"id": "voucher", "type": "issueVoucher", "voucherBatch": "1", "next": "voucher_sms"},
        {"id": "voucher_sms", "type": "sendSms", "template": "voucher sms"},
        {"id": "done", "type": "exit", "reason": "bought"},
    ],
}


def welcome(**changes: Any) -> dict[str, Any]:
    """A copy of WELCOME with top-level changes."""
    return {**copy.deepcopy(WELCOME), **changes}


def with_step(index: int, **changes: Any) -> dict[str, Any]:
    """A copy of WELCOME whose step `index` has `changes` (None removes a field)."""
    definition = welcome()
    step = definition["steps"][index]
    for key, value in changes.items():
        if value is None:
            step.pop(key, None)
        else:
            step[key] = value
    return definition


async def seed_references(engine: AsyncEngine) -> dict[str, str]:
    """What WELCOME and the docs' examples name: templates ('welcome' email, 'voucher sms',
    'birthday sms', all MARKETING; 'receipt', a TRANSACTIONAL email), a voucher batch and
    the 'Premium' category. Returns the batch's id."""
    for name, channel, purpose in (
        ("welcome", Channel.EMAIL, Purpose.MARKETING),
        ("voucher sms", Channel.SMS, Purpose.MARKETING),
        ("birthday sms", Channel.SMS, Purpose.MARKETING),
        ("receipt", Channel.EMAIL, Purpose.TRANSACTIONAL),
    ):
        if channel is Channel.EMAIL:
            translation = Translation("en-US", subject="Hello", text_body="Hi [first_name]")
        else:
            translation = Translation("en-US", text="Hi [first_name], code [voucher_code]")
        spec = TemplateSpec(name, channel, purpose, "en-US", (translation,))
        await create_template(UnitOfWork(engine), spec, f"seed {name}", "test")
    terms = VoucherTerms(VoucherKind.FIXED_AMOUNT, value_minor=500)
    batch = await create_voucher_batch(
        UnitOfWork(engine), BatchRequest("Welcome vouchers", 5, terms), "seed batch", "test"
    )
    await create_category(UnitOfWork(engine), "Premium", "2", False, idempotency_key="seed cat")
    return {"batch": str(batch.id)}
