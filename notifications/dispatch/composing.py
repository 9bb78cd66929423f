"""Turning a template and a customer's facts into a new message: the recipient for the
channel, the translation for the customer's locale, the rendered parts.

Rendering happens here, when the message is made: what the messages table keeps is what
goes out (and what the log shows), with the template's id and version. A template that
fails for one customer makes that customer's message FAILED (`RENDER_ERROR`, the problem
in `last_error`), not an error of the batch: the others go on, the marketer sees why in the
log, and the event is done (a fixed template serves the next events)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.customers.models import ConsentChannel, Customer
from notifications.delivery.models import NewMessage, Purpose, Status
from notifications.store.models import MessageTemplate, TemplateVersion, describe
from notifications.templates import (
    Channel,
    MessageData,
    RenderedEmail,
    RenderedMms,
    TemplateError,
    canonical_locale,
    pick,
    render,
)
from notifications.unsubscribe import unsubscribe_url

RENDER_ERROR = "RENDER_ERROR"

logger = logging.getLogger("tessera.notifications")


@dataclass(frozen=True)
class Shop:
    """What the composition root knows for every message: the shop's name and currency,
    and what links are built from (none without a public URL; no unsubscribe link without
    the link secret)."""

    name: str | None = None
    currency: str = "EUR"
    public_url: str | None = None
    link_secret: str | None = None

    def unsubscribe_link(self, customer_id: int) -> str | None:
        """The customer's signed one-click link to stop email (email messages only: SMS
        has its STOP keyword)."""
        if self.public_url is None or self.link_secret is None:
            return None
        return unsubscribe_url(self.public_url, self.link_secret, customer_id, ConsentChannel.EMAIL)

    def reward_link(self, reward_id: int) -> str | None:
        """Where the customer area shows the reward."""
        if self.public_url is None:
            return None
        return f"{self.public_url.rstrip('/')}/rewards/{reward_id}"


def recipient(customer: Customer, channel: Channel) -> str | None:
    """The customer's address on the channel: the email, or the phone (E.164) for SMS and
    MMS; None when they have none (no message on that channel). Read when the message is
    made and again when it is sent (sending.py): it goes to the address the customer has
    then."""
    return customer.email if channel is Channel.EMAIL else customer.phone


def consent_channel(channel: Channel) -> ConsentChannel:
    """The consent a channel needs, which also names it in dedupe keys (an MMS is an SMS:
    switching a notification's text template from SMS to MMS cannot send twice)."""
    return ConsentChannel.EMAIL if channel is Channel.EMAIL else ConsentChannel.SMS


def consents_of(customer: Customer) -> dict[ConsentChannel, bool]:
    """The customer's current consent to each channel, as their row has it."""
    return {channel: bool(getattr(customer, channel.column)) for channel in ConsentChannel}


def consents_to(consents: Mapping[ConsentChannel, bool] | None, channel: Channel) -> bool:
    """Whether a customer whose current consents are `consents` (None: unknown, no customer)
    may get a message on the channel: the check the sender makes just before sending
    (without it the message is SUPPRESSED), which the dry run predicts with."""
    return bool(consents and consents.get(consent_channel(channel)))


@dataclass(frozen=True)
class Draft:
    """A message to make: for whom, from which template, with which facts. `secrets` are
    values that may appear only in the message's content (a voucher's code), scrubbed from
    the problem a failed render records."""

    dedupe_key: str
    customer: Customer
    locale: str | None  # the customer's
    template: MessageTemplate
    version: TemplateVersion
    purpose: Purpose
    data: MessageData
    unsubscribe_url: str | None = None  # the email's List-Unsubscribe header (marketing)
    secrets: tuple[str, ...] = ()


def compose(draft: Draft) -> NewMessage | None:
    """The new message, QUEUED with its rendered parts, or FAILED with `RENDER_ERROR` when
    the template fails for this customer; None when the customer has no address on the
    template's channel."""
    channel = draft.template.channel
    to = recipient(draft.customer, channel)
    if not to:
        return None
    version = draft.version
    new: dict[str, Any] = {
        "dedupe_key": draft.dedupe_key,
        "channel": channel,
        "purpose": draft.purpose,
        "recipient": to,
        "customer_id": draft.customer.id,
        "template_id": draft.template.id,
        "template_version": version.version,
    }
    try:
        wanted = _locale(draft.locale, version.fallback_locale)
        chosen, content = pick(version.translations, wanted, version.fallback_locale)  # type: ignore[type-var]
        # Numbers, dates and money in the customer's locale, whichever translation is used.
        rendered = render(content, draft.data, wanted)
    except TemplateError as error:
        problem = describe(error)
        for secret in draft.secrets:
            problem = problem.replace(secret, "[hidden]")
        logger.info(
            "template %s version %s failed for customer %s: %s",
            draft.template.id,
            version.version,
            draft.customer.id,
            error.code.value,
        )
        return NewMessage(
            **new,
            content={},
            status=Status.FAILED,
            status_reason=RENDER_ERROR,
            last_error=f"{error.field or 'template'}: {problem}",
        )
    return NewMessage(**new, content=_parts(rendered, chosen, draft.unsubscribe_url))


def _locale(customer_locale: str | None, fallback: str) -> str:
    """The customer's locale, canonical; the template's fallback when they have none (or
    one that is not a known locale)."""
    if customer_locale:
        try:
            return canonical_locale(customer_locale)
        except TemplateError:
            pass
    return canonical_locale(fallback)


def _parts(rendered: object, locale: str, unsubscribe: str | None) -> dict[str, Any]:
    """The rendered parts as the messages table keeps them (and the senders read them)."""
    if isinstance(rendered, RenderedEmail):
        parts: dict[str, Any] = {"subject": rendered.subject, "text": rendered.text_body}
        if rendered.html_body.strip():
            parts["html"] = rendered.html_body
        if unsubscribe is not None:
            parts["unsubscribeUrl"] = unsubscribe
    elif isinstance(rendered, RenderedMms):
        parts = {"text": rendered.text, "mediaUrls": list(rendered.media_urls)}
    else:
        parts = {"text": getattr(rendered, "text", "")}
    parts["locale"] = locale
    return parts
