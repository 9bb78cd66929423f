"""The demo program's messages: a template for every built-in notification in English (the
fallback) and Italian, by email and, for vouchers and expiring points, by SMS; every
built-in switched on. The demo has no SMTP or Twilio settings, so its messages are
rendered, kept and shown in the `messages` log as CAPTURED, and never sent."""

from __future__ import annotations

from collections.abc import Callable

from domain.uow import UnitOfWork
from notifications.builtins.models import PURPOSES, BuiltInKind
from notifications.builtins.settings import BuiltInInput, list_builtins, set_builtin
from notifications.store.models import TemplateSpec, Translation
from notifications.store.services import create_template
from notifications.templates import Channel

DEMO_SHOP_NAME = "Tessera Demo Shop"
DEMO_THRESHOLDS = (100, 500, 1000)

_UNSUBSCRIBE_TEXT = {
    "en-US": "{% if unsubscribe_link is defined %}\n\nUnsubscribe: [unsubscribe_link]{% endif %}",
    "it-IT": "{% if unsubscribe_link is defined %}\n\nPer non ricevere più messaggi: "
    "[unsubscribe_link]{% endif %}",
}

# kind -> locale -> (subject, text body); the HTML body is the text in paragraphs.
_EMAILS: dict[BuiltInKind, dict[str, tuple[str, str]]] = {
    BuiltInKind.POINTS_EARNED: {
        "en-US": (
            "You earned [points_earned] points at [shop_name]",
            "Hi [first_name],\n\nyou earned [points_earned] points at [shop_name]: "
            "your balance is [points] points.",
        ),
        "it-IT": (
            "Hai guadagnato [points_earned] punti da [shop_name]",
            "Ciao [first_name],\n\nhai guadagnato [points_earned] punti da [shop_name]: "
            "il tuo saldo è di [points] punti.",
        ),
    },
    BuiltInKind.THRESHOLD_REACHED: {
        "en-US": (
            "You reached [threshold] points!",
            "Hi [first_name],\n\nyour balance passed [threshold] points: you have [points].",
        ),
        "it-IT": (
            "Hai raggiunto [threshold] punti!",
            "Ciao [first_name],\n\nil tuo saldo ha superato [threshold] punti: ne hai [points].",
        ),
    },
    BuiltInKind.POINTS_EXPIRING: {
        "en-US": (
            "[points_expiring] points expire on [expiry_date]",
            "Hi [first_name],\n\n[points_expiring] of your points expire on [expiry_date]: "
            "spend them at [shop_name] before then.",
        ),
        "it-IT": (
            "[points_expiring] punti scadono il [expiry_date]",
            "Ciao [first_name],\n\n[points_expiring] dei tuoi punti scadono il [expiry_date]: "
            "usali da [shop_name] prima di allora.",
        ),
    },
    BuiltInKind.BADGE_UNLOCKED: {
        "en-US": (
            "You unlocked [badge]",
            "Hi [first_name],\n\nyou are now [badge] at [shop_name]."
            "{% if next_badge is defined %} [next_badge_points] more points for "
            "[next_badge].{% endif %}",
        ),
        "it-IT": (
            "Hai sbloccato [badge]",
            "Ciao [first_name],\n\nora sei [badge] da [shop_name]."
            "{% if next_badge is defined %} Ancora [next_badge_points] punti per "
            "[next_badge].{% endif %}",
        ),
    },
    BuiltInKind.VOUCHER_ISSUED: {
        "en-US": (
            "Your voucher from [shop_name]",
            "Hi [first_name],\n\nyour voucher code is [voucher_code]"
            "{% if voucher_value is defined %}, worth [voucher_value]{% endif %}"
            "{% if voucher_expiry_date is defined %}, valid until "
            "[voucher_expiry_date]{% endif %}.",
        ),
        "it-IT": (
            "Il tuo buono da [shop_name]",
            "Ciao [first_name],\n\nil codice del tuo buono è [voucher_code]"
            "{% if voucher_value is defined %}, del valore di [voucher_value]{% endif %}"
            "{% if voucher_expiry_date is defined %}, valido fino al "
            "[voucher_expiry_date]{% endif %}.",
        ),
    },
    BuiltInKind.REWARD_CLAIMED: {
        "en-US": (
            "[reward_name] is yours",
            "Hi [first_name],\n\nyou claimed [reward_name] for [points_spent] points: show "
            "the code [voucher_code] at the till.{% if reward_link is defined %} "
            "[reward_link]{% endif %}",
        ),
        "it-IT": (
            "[reward_name] è tuo",
            "Ciao [first_name],\n\nhai richiesto [reward_name] per [points_spent] punti: "
            "mostra il codice [voucher_code] alla cassa.{% if reward_link is defined %} "
            "[reward_link]{% endif %}",
        ),
    },
}

_TEXTS: dict[BuiltInKind, dict[str, str]] = {
    BuiltInKind.VOUCHER_ISSUED: {
        "en-US": "[shop_name]: your voucher code is [voucher_code]",
        "it-IT": "[shop_name]: il codice del tuo buono è [voucher_code]",
    },
    BuiltInKind.POINTS_EXPIRING: {
        "en-US": "[shop_name]: [points_expiring] points expire on [expiry_date]",
        "it-IT": "[shop_name]: [points_expiring] punti scadono il [expiry_date]",
    },
}


def _html(text: str) -> str:
    paragraphs = text.split("\n\n")
    return "".join(f"<p>{p}</p>" for p in paragraphs)


async def seed_messages(new: Callable[[], UnitOfWork], actor: str) -> None:
    """Save the demo's templates (once: each under its own idempotency key) and switch
    every built-in notification on with them."""
    for kind in BuiltInKind:
        email = TemplateSpec(
            name=f"Demo: {kind.value.lower().replace('_', ' ')} (email)",
            channel=Channel.EMAIL,
            purpose=PURPOSES[kind],
            fallback_locale="en-US",
            translations=tuple(
                Translation(
                    locale,
                    subject=subject,
                    text_body=body + _UNSUBSCRIBE_TEXT[locale],
                    html_body=_html(body),
                )
                for locale, (subject, body) in _EMAILS[kind].items()
            ),
        )
        email_id = (await create_template(new(), email, f"demo-{kind}-email", actor)).item.id
        text_id = None
        if kind in _TEXTS:
            sms = TemplateSpec(
                name=f"Demo: {kind.value.lower().replace('_', ' ')} (SMS)",
                channel=Channel.SMS,
                purpose=PURPOSES[kind],
                fallback_locale="en-US",
                translations=tuple(
                    Translation(locale, text=text) for locale, text in _TEXTS[kind].items()
                ),
            )
            text_id = (await create_template(new(), sms, f"demo-{kind}-sms", actor)).item.id
        wanted = BuiltInInput(
            kind,
            True,
            str(email_id),
            None if text_id is None else str(text_id),
            thresholds=DEMO_THRESHOLDS if kind is BuiltInKind.THRESHOLD_REACHED else None,
            days_before=7 if kind is BuiltInKind.POINTS_EXPIRING else None,
        )
        await set_builtin(new(), wanted, actor)


async def ensure_messages(new: Callable[[], UnitOfWork], actor: str) -> bool:
    """Seed the messages into a demo loaded before they existed: when no built-in
    notification has ever been set (a demo user's own settings are left alone). Returns
    whether it seeded them."""
    if any(b.updated_at is not None for b in await list_builtins(new())):
        return False
    await seed_messages(new, actor)
    return True
