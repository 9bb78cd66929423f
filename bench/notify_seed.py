"""bench/notify.py's data: customers with both consents, a "points earned" template per
channel (docs/notifications.md's English and Italian example), and messages rendered from
them through the renderer and queued (set-based, for the send phase); and PointsEarned
events, for the pipeline phase, in which the workers' dispatcher renders the messages."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from domain.customers.models import ConsentChannel
from domain.customers.services import create_customer
from domain.events.tables import domain_events
from domain.uow import UnitOfWork
from notifications.builtins.models import BuiltInKind
from notifications.builtins.settings import BuiltInInput, set_builtin
from notifications.delivery.tables import messages
from notifications.store.models import Purpose, TemplateSpec, Translation
from notifications.store.services import create_template, template_version
from notifications.store.tables import message_templates
from notifications.templates import Channel, MessageData, pick, render
from notifications.templates.content import RenderedEmail
from notifications.unsubscribe import unsubscribe_url
from tessera.database import create_engine

PUBLIC_URL = "https://loyalty.example"
LINK_SECRET = "bench-link-secret-of-at-least-32-bytes"
FIRST_NAMES = ("Ann", "Bruno", "Chiara", "Dev", "Elena", "Fabio", "Giulia", "Hugo", "Zoë")

EMAIL_EN = Translation(
    "en-US",
    subject="You earned [points_earned] points at [shop_name]",
    text_body=(
        "Hi [first_name],\n\nyou earned [points_earned] points at [shop_name]: your balance"
        " is [points] points.\n\nUnsubscribe: [unsubscribe_link]\n"
    ),
    html_body=(
        "<p>Hi [first_name],</p>\n<p>you earned <strong>[points_earned] points</strong> at"
        " [shop_name].\n{% if points >= 1000 %}With [points] points you can already claim a"
        ' reward!{% endif %}</p>\n<p><a href="[unsubscribe_link]">Unsubscribe</a></p>'
    ),
)
EMAIL_IT = Translation(
    "it-IT",
    subject="Hai guadagnato [points_earned] punti da [shop_name]",
    text_body=(
        "Ciao [first_name],\n\nhai guadagnato [points_earned] punti da [shop_name]: il tuo"
        " saldo è di [points] punti.\n\nPer non ricevere più messaggi: [unsubscribe_link]\n"
    ),
    html_body=(
        "<p>Ciao [first_name],</p>\n<p>hai guadagnato <strong>[points_earned] punti</strong>"
        " da [shop_name].\n{% if points >= 1000 %}Con [points] punti puoi già richiedere un"
        ' premio!{% endif %}</p>\n<p><a href="[unsubscribe_link]">Non ricevere più'
        " messaggi</a></p>"
    ),
)
SMS_EN = Translation(
    "en-US", text="[first_name], +[points_earned] points at [shop_name]: [points] in all."
)
SMS_IT = Translation(
    "it-IT", text="[first_name], +[points_earned] punti da [shop_name]: [points] in tutto."
)


@dataclass(frozen=True)
class Customer:
    id: int
    first_name: str
    email: str
    phone: str
    locale: str


async def seed_customers(database_url: str, n: int) -> list[Customer]:
    engine = create_engine(database_url, pool_size=8)
    gate = asyncio.Semaphore(8)

    async def one(i: int) -> Customer:
        name = FIRST_NAMES[i % len(FIRST_NAMES)]
        email, phone = f"c{i}@customers.example", f"+39333{i:07d}"
        locale = "it-IT" if i % 2 else "en-US"
        values = {"external_ref": f"bench-{i}", "first_name": name, "email": email,
                  "phone": phone, "locale": locale, "consent_email": True,
                  "consent_sms": True}  # fmt: skip
        async with gate:
            created = await create_customer(UnitOfWork(engine), values, None, "bench")
        return Customer(created.item.id, name, email, phone, locale)

    try:
        return list(await asyncio.gather(*(one(i) for i in range(n))))
    finally:
        await engine.dispose()


async def queue_rendered(
    database_url: str, customers: Sequence[Customer], n: int
) -> tuple[float, float]:
    """Store the templates, render `n` messages from them (even ones email, odd ones SMS)
    and queue them; the rendering's rate (messages/s) and its CPU per message (ms)."""
    engine = create_engine(database_url, pool_size=2)
    try:
        templates = {}
        for channel, translations in ((Channel.EMAIL, (EMAIL_EN, EMAIL_IT)),
                                      (Channel.SMS, (SMS_EN, SMS_IT))):  # fmt: skip
            spec = TemplateSpec(f"points earned {channel.value}", channel,
                                Purpose.TRANSACTIONAL, "en-US", translations)  # fmt: skip
            created = await create_template(UnitOfWork(engine), spec, f"bench-{channel}", "bench")
            found = await template_version(UnitOfWork(engine), created.item.id)
            assert found is not None
            templates[channel] = found
        rng = random.Random(7)
        rows: list[dict[str, Any]] = []
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            customer = customers[i % len(customers)]
            channel = Channel.EMAIL if i % 2 == 0 else Channel.SMS
            template, version = templates[channel]
            consent = ConsentChannel.EMAIL if channel is Channel.EMAIL else ConsentChannel.SMS
            link = unsubscribe_url(PUBLIC_URL, LINK_SECRET, customer.id, consent)
            earned = rng.randint(5, 400)
            data = MessageData(first_name=customer.first_name, points=earned + rng.randint(0, 3000),
                               points_earned=earned, shop_name="Bottega Verde",
                               unsubscribe_link=link)  # fmt: skip
            _, translation = pick(  # type: ignore[type-var]
                version.translations, customer.locale, version.fallback_locale
            )
            rendered = render(translation, data, customer.locale)
            content: dict[str, Any] = (
                {
                    "subject": rendered.subject,
                    "text": rendered.text_body,
                    "html": rendered.html_body,
                    "unsubscribeUrl": link,
                }
                if isinstance(rendered, RenderedEmail)
                else {"text": rendered.text}
            )
            rows.append(
                {
                    "dedupe_key": f"bench:points_earned:{i}",
                    "customer_id": customer.id,
                    "channel": channel.value,
                    "purpose": Purpose.TRANSACTIONAL.value,
                    "recipient": customer.email if channel is Channel.EMAIL else customer.phone,
                    "content": content,
                    "template_id": template.id,
                    "template_version": version.version,
                }
            )
        render_s, render_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        # Queued set-based (the dispatcher's business, not what is measured here).
        async with engine.begin() as conn:
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(messages), rows[start : start + 2000])
        return n / render_s, render_cpu_s * 1000 / n
    finally:
        await engine.dispose()


async def queue_events(database_url: str, customers: Sequence[Customer], n: int) -> int:
    """Switch "points earned" on with the two templates queue_rendered stored, and write `n`
    PointsEarned events of purchases as the ledger writes them (pending, set-based): the
    workers' dispatcher renders two messages of each (email and SMS). Returns how many
    messages they make."""
    engine = create_engine(database_url, pool_size=2)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(select(message_templates.c.name, message_templates.c.id))
            ids = {name: str(tid) for name, tid in found}
        wanted = BuiltInInput(
            BuiltInKind.POINTS_EARNED,
            True,
            email_template_id=ids["points earned EMAIL"],
            text_template_id=ids["points earned SMS"],
        )
        await set_builtin(UnitOfWork(engine), wanted, "bench")
        rng = random.Random(11)
        rows = []
        for i in range(n):
            earned = rng.randint(5, 400)
            payload = {"entry_id": i + 1, "points": earned, "kind": "PURCHASE",
                       "balance_after": earned + rng.randint(0, 3000),
                       "source_ref": f"bench-{i}"}  # fmt: skip
            customer = customers[i % len(customers)]
            rows.append({"type": "PointsEarned", "customer_id": customer.id, "payload": payload})
        async with engine.begin() as conn:
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(domain_events), rows[start : start + 2000])
        return 2 * n
    finally:
        await engine.dispose()
