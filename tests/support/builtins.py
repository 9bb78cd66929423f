"""Steps the dispatcher and built-in notification tests share: templates saved through the
store, built-in notifications switched on through their service, customers, and the
dispatcher run until no event is pending."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.customers.services import create_customer
from domain.purchases.earning import Line, PurchaseStatus
from domain.purchases.services import PurchaseReport, record_purchase
from domain.uow import UnitOfWork
from notifications.builtins.models import BuiltInKind
from notifications.builtins.reaction import BuiltInNotifications
from notifications.builtins.settings import BuiltInInput, set_builtin
from notifications.delivery.log import LogFilter, message_log
from notifications.delivery.models import Message
from notifications.dispatch.composing import Shop
from notifications.dispatch.dispatcher import Dispatched, dispatch_pending
from notifications.store.models import Purpose, TemplateSpec, Translation
from notifications.store.services import create_template
from notifications.templates import Channel

SHOP = Shop(
    name="Bottega Verde",
    currency="EUR",
    public_url="https://loyalty.example",
    link_secret="s" * 32,
)


async def email_template(
    engine: AsyncEngine,
    translations: dict[str, tuple[str, str]],
    fallback: str = "en-US",
    html: str = "",
) -> int:
    """An email template: locale -> (subject, text body); the same HTML body for all."""
    spec = TemplateSpec(
        name=f"email-{uuid4().hex[:8]}",
        channel=Channel.EMAIL,
        purpose=Purpose.MARKETING,
        fallback_locale=fallback,
        translations=tuple(
            Translation(locale, subject=subject, text_body=body, html_body=html or None)
            for locale, (subject, body) in translations.items()
        ),
    )
    created = await create_template(UnitOfWork(engine), spec, uuid4().hex, "test")
    return created.item.id


async def text_template(
    engine: AsyncEngine, translations: dict[str, str], fallback: str = "en-US"
) -> int:
    spec = TemplateSpec(
        name=f"sms-{uuid4().hex[:8]}",
        channel=Channel.SMS,
        purpose=Purpose.MARKETING,
        fallback_locale=fallback,
        translations=tuple(Translation(loc, text=t) for loc, t in translations.items()),
    )
    return (await create_template(UnitOfWork(engine), spec, uuid4().hex, "test")).item.id


async def switch_on(
    engine: AsyncEngine,
    kind: BuiltInKind,
    email: int | None = None,
    text: int | None = None,
    **settings: Any,
) -> None:
    await set_builtin(
        UnitOfWork(engine),
        BuiltInInput(
            kind,
            True,
            None if email is None else str(email),
            None if text is None else str(text),
            **settings,
        ),
        "test",
    )


async def customer(engine: AsyncEngine, ref: str, **values: Any) -> int:
    """A customer who consents to email and SMS; `values` as create_customer takes them."""
    fields = {"external_ref": ref, "first_name": ref.title(), "consent_email": True}
    fields["email"] = f"{ref}@example.com"
    fields.update(values)
    return (await create_customer(UnitOfWork(engine), fields, None)).item.id


async def purchase(engine: AsyncEngine, customer_id: int, order: str, total_minor: int) -> None:
    """A paid purchase (the default rule: a point per 1.00)."""
    report = PurchaseReport(
        order_id=order,
        status=PurchaseStatus.PAID,
        customer_id=str(customer_id),
        lines=[Line("A", 1, total_minor)],
    )
    await record_purchase(UnitOfWork(engine), report, "test")


async def dispatch_all(engine: AsyncEngine, shop: Shop = SHOP) -> list[int]:
    """Dispatch until no event is pending; the ids of the messages created to be sent."""
    created: list[int] = []
    while True:
        done: Dispatched = await dispatch_pending(UnitOfWork(engine), [BuiltInNotifications(shop)])
        created.extend(done.message_ids)
        if done.events == 0:
            return created


async def messages_of(engine: AsyncEngine, customer_id: int | None = None) -> list[Message]:
    """The customer's (or every) message, oldest first."""
    page = await message_log(UnitOfWork(engine), LogFilter(customer_id=customer_id), 1000)
    return list(reversed(page.items))
