"""Test messages: a stored template rendered and sent to the marketer's own address or phone,
to see it as a customer would, in a real mail client or on a real handset.

A test message goes through the normal pipeline: it is a message of the delivery log, sent by
a worker (or CAPTURED by the sandbox) like any other, with these differences:

- its recipient is the address or number given, never the customer's, and it has no
  customer (`customer_id` NULL): no customer's consent applies, since it reaches nobody but
  the person who asked for it; it is TRANSACTIONAL, so no frequency cap or quiet hours hold
  it back;
- its dedupe key is `test:<caller>:<idempotency key>`: the same key sent again (a retried
  request) returns the first message and sends nothing new, and the log tells test messages
  from the others by that prefix (`Message.is_test`);
- its facts are a real customer's (as the preview has them) or, without a customer, a sample
  customer's (SAMPLE_CUSTOMER); the facts that belong to the event behind a message (points
  earned, a voucher, a reward, the shop's name, the links) are always samples
  (SAMPLE_EVENT), so that any notification's template can be tried. The unsubscribe link is
  a sample too: the marketer clicking it must not unsubscribe the customer;
- rendered for a real customer, it holds her data though it is not her message: it records
  whose facts it shows (`rendered_for_customer_id`), and her export lists it and her
  erasure empties it (delivery/customer_data.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.customers.validation import parse_phone
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import require_same
from domain.uow import UnitOfWork
from domain.validation import email_address, required_text
from notifications.delivery.models import (
    TEST_KEY_PREFIX,
    Message,
    NewMessage,
    Purpose,
    Status,
)
from notifications.delivery.queueing import message_by_dedupe_key, queue_message
from notifications.delivery.sending import Channels, deliver, get_message
from notifications.store.preview import Preview, message_data, render_version
from notifications.store.services import template_version
from notifications.templates import Channel, MessageData, RenderedEmail, RenderedMms

MAX_KEY_LENGTH = 200

# Hands a queued message over to be sent (the composition root decides how: a worker, or
# the sandbox at once).
HandOver = Callable[[Message], Awaitable[None]]


def sample_customer(today: datetime | None = None) -> MessageData:
    """The facts of the sample customer a test message without a customer is rendered for."""
    day = (today or datetime.now(UTC)).date()
    return MessageData(
        first_name="Ann",
        last_name="Rossi",
        points=1234,
        points_expiring=300,
        expiry_date=day + timedelta(days=60),
        tier="Gold",
        badge="Regular",
        next_badge="Champion",
        next_badge_points=766,
    )


def with_sample_event(data: MessageData, today: datetime | None = None) -> MessageData:
    """The customer's facts with the sample event's: what a points-earned, threshold,
    voucher or reward message would carry (SAMPLE_EVENT in docs/notifications.md)."""
    day = (today or datetime.now(UTC)).date()
    return dataclasses.replace(
        data,
        points_earned=120,
        points_spent=500,
        threshold=1000,
        voucher_code="TEST-CODE",
        voucher_value_minor=1250,
        voucher_expiry_date=day + timedelta(days=90),
        reward_name="Coffee mug",
        reward_link="https://example.com/reward",
        unsubscribe_link="https://example.com/unsubscribe",
        shop_name="Your shop",
    )


@dataclass(frozen=True)
class TestMessageRequest:
    __test__ = False  # not a test class, whatever pytest makes of the name

    template_id: int
    to: str
    idempotency_key: str
    customer_id: int | None = None
    locale: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class TestSend:
    """The test message (None when the template failed to render: see `problems`), whether
    an earlier call with the same key made it, and the render's problems (field, code,
    message, line, column)."""

    __test__ = False

    message: Message | None
    replayed: bool = False
    problems: tuple[tuple[str, str, str, int | None, int | None], ...] = ()


async def send_test_message(
    uow: UnitOfWork, request: TestMessageRequest, caller: str, hand_over: HandOver
) -> TestSend:
    """Render the template (its current version, or `request.version`) for the customer (or
    the sample one) in `request.locale` (default: the customer's, else the template's
    fallback) and queue it to `request.to` (an email address for an EMAIL template, a phone
    for SMS and MMS, E.164 after parsing), then hand it over to be sent.

    Problems are DomainErrors naming the field (NOT_FOUND on templateId, version or
    customerId; INVALID on `to` for an address of the wrong kind or a bad one, on `locale`);
    a render failure is no error: the result carries its problems, and nothing is written.
    The same key from the same caller returns the first message (replayed) and sends
    nothing new; with another template, version or recipient it is an
    IDEMPOTENCY_CONFLICT."""
    problems = Problems()
    key = required_text(problems, "idempotencyKey", request.idempotency_key, MAX_KEY_LENGTH)
    problems.raise_if_any()
    found = await template_version(uow, request.template_id, request.version)
    if found is None:
        field = "templateId" if request.version is None else "version"
        raise DomainError.one(field, ErrorCode.NOT_FOUND, "No such template or version.")
    template, saved = found
    recipient = _recipient(problems, template.channel, request.to)
    problems.raise_if_any()
    assert recipient is not None
    dedupe_key = f"{TEST_KEY_PREFIX}{caller}:{key}"
    sent_before = await message_by_dedupe_key(uow, dedupe_key)
    if sent_before is not None:
        return await _replayed(uow, sent_before, request, template.id, recipient, hand_over)

    if request.customer_id is None:
        data, locale = sample_customer(), request.locale
    else:
        data, customer_locale = await message_data(uow, request.customer_id)
        locale = request.locale or customer_locale
    shown = render_version(template, saved, with_sample_event(data), locale)
    if shown.rendered is None:
        return TestSend(None, problems=tuple(shown.problems))
    new = NewMessage(
        dedupe_key=dedupe_key,
        channel=template.channel,
        purpose=Purpose.TRANSACTIONAL,
        recipient=recipient,
        content=_content(shown),
        template_id=template.id,
        template_version=saved.version,
        rendered_for_customer_id=request.customer_id,
    )
    queued = await queue_message(uow, new)
    if not queued.created:  # a concurrent call with the same key was first
        return await _replayed(uow, queued.message, request, template.id, recipient, hand_over)
    await hand_over(queued.message)
    return TestSend(await get_message(uow, queued.message.id) or queued.message)


async def _replayed(
    uow: UnitOfWork,
    first: Message,
    request: TestMessageRequest,
    template_id: int,
    recipient: str,
    hand_over: HandOver,
) -> TestSend:
    version = first.template_version if request.version is None else request.version
    require_same(
        (first.template_id, first.template_version, first.recipient),
        (template_id, version, recipient),
        "test message",
    )
    if first.status is Status.QUEUED:
        # Its hand-over may have been lost with the first request: a second one is harmless
        # (one sender claims it).
        await hand_over(first)
    return TestSend(await get_message(uow, first.id) or first, replayed=True)


def _recipient(problems: Problems, channel: Channel, to: str) -> str | None:
    """The address to send to, checked against the channel; a problem on `to` otherwise."""
    text = (to or "").strip()
    if not text:
        problems.add("to", ErrorCode.REQUIRED, "Give the address or number to send to.")
        return None
    if channel is Channel.EMAIL:
        if "@" not in text:
            problems.add("to", ErrorCode.INVALID, "An EMAIL template is sent to an email address.")
            return None
        return email_address(problems, "to", text)
    if "@" in text:
        problems.add(
            "to",
            ErrorCode.INVALID,
            f"An {channel.value} template is sent to a phone number, not an email address.",
        )
        return None
    parsed = Problems()
    phone = parse_phone(parsed, "to", text, None)
    if parsed.items:
        message = parsed.items[0].message
        if not message.startswith("Not a valid phone number for"):
            message = "Not a phone number: give it in international format (+39 340 123 4567)."
        problems.add("to", ErrorCode.INVALID, message)
        return None
    return phone


def _content(shown: Preview) -> dict[str, Any]:
    """The rendered parts as the messages table keeps them."""
    rendered = shown.rendered
    if isinstance(rendered, RenderedEmail):
        content: dict[str, Any] = {"subject": rendered.subject, "text": rendered.text_body}
        if rendered.html_body.strip():
            content["html"] = rendered.html_body
        return content
    if isinstance(rendered, RenderedMms):
        return {"text": rendered.text, "mediaUrls": list(rendered.media_urls)}
    assert rendered is not None
    return {"text": rendered.text}


def captured_at_once(new_uow: Callable[[], UnitOfWork]) -> HandOver:
    """A hand-over for the sandbox: the message is settled at once, CAPTURED (no channel is
    configured for it, so there is nothing for a worker to do)."""

    async def capture(message: Message) -> None:
        await deliver(new_uow(), message.id, Channels())

    return capture
